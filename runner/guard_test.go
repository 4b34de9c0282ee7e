package runner

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeTempFile writes text to a file in a fresh temporary folder and returns its path.
func writeTempFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "client.properties")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRedactYAML(t *testing.T) {
	in := "name: x\nworkload:\n  producer.properties:\n    sasl.password: hunter2\n    \"ssl.key.password\": 'pw'\n    linger.ms: 5\n"
	got := redactYAML(in)
	if strings.Contains(got, "hunter2") || strings.Contains(got, "'pw'") {
		t.Errorf("secret left in:\n%s", got)
	}
	if !strings.Contains(got, "    sasl.password: [redacted]") || !strings.Contains(got, "linger.ms: 5") {
		t.Errorf("redacted wrongly:\n%s", got)
	}
}

// TestProbeUnreachable: a bootstrap server nobody listens on fails within seconds with
// ErrUnreachable, instead of librdkafka's endless retries.
func TestProbeUnreachable(t *testing.T) {
	start := time.Now()
	_, err := probe(plainConnection("127.0.0.1:1"))
	took := time.Since(start)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("error %v, want ErrUnreachable", err)
	}
	if took > probeTimeout+2*time.Second {
		t.Errorf("took %s, more than the %s bound", took, probeTimeout)
	}
	t.Logf("unreachable bootstrap reported after %s: %v", took.Round(time.Millisecond), err)
}

func TestRestoreFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RestoreFileName("r1"))
	rf := &RestoreFile{FormatVersion: RestoreFormatVersion, RunID: "r1", PointID: "p", Bootstrap: "b:1",
		Settings: []RestoreSetting{{Broker: "1", Key: "log.flush.interval.messages", HadDynamicValue: true, Value: "5"}, {Broker: "2", Key: "log.flush.interval.messages"}}}
	if err := writeRestoreFile(path, rf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRestoreFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Settings, rf.Settings) || got.RunID != "r1" {
		t.Errorf("read back %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the restore file (no temporary left)", len(entries))
	}
	if _, err := ReadRestoreFile(writeTempFile(t, `{"format_version": 1}`)); err == nil {
		t.Error("a file without settings was accepted as a restore file")
	}
}

func TestTopicNamesCarryPrefixAndRun(t *testing.T) {
	name := topicNameWith("team-a.kbench-", "20240101-120000-beef", "acks-all_idem")
	if name != "team-a.kbench-20240101-120000-beef-acks-all_idem" {
		t.Errorf("topic name %q", name)
	}
	if !strings.HasPrefix(name, runTopicPrefix("team-a.kbench-", "20240101-120000-beef")) {
		t.Errorf("%q does not start with the run's prefix %q", name, runTopicPrefix("team-a.kbench-", "20240101-120000-beef"))
	}
	if a, b := newRunID(), newRunID(); a == b {
		t.Errorf("two run ids in the same second are equal: %s", a)
	}
}
