package safety

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
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

// A version 1 restore file, as kbench wrote it before static settings were recorded: still read.
const restoreV1 = `{
  "format_version": 1,
  "run_id": "20250101-120000-beef",
  "point_id": "flush-1",
  "bootstrap": "127.0.0.1:9092",
  "written": "2025-01-01T12:00:01Z",
  "settings": [
    {"broker": "1", "key": "log.flush.interval.messages", "had_dynamic_value": false}
  ]
}`

func TestRestoreFileReadsVersion1AndVersion2(t *testing.T) {
	rf, err := parseRestoreFile("v1.json", []byte(restoreV1))
	if err != nil {
		t.Fatalf("a version 1 file must stay readable: %v", err)
	}
	if rf.RunID != "20250101-120000-beef" || len(rf.Settings) != 1 || rf.Static != nil {
		t.Errorf("version 1 read back as %+v", rf)
	}
	v2 := RestoreFile{FormatVersion: 2, RunID: "r2", Bootstrap: "b:1", PID: 42, Host: "h", LeaseTopic: "kbench-broker-settings-lease",
		Static: &RestoreStatic{ClusterDir: "/c", ClusterID: "id", Original: []StaticSetting{{Key: profiles.FlushSchedulerKey}}}}
	path := filepath.Join(t.TempDir(), RestoreFileName("r2"))
	if err := WriteRestoreFile(path, &v2); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRestoreFile(path)
	if err != nil {
		t.Fatalf("a version 2 file with only static settings: %v", err)
	}
	if !reflect.DeepEqual(got.Static, v2.Static) || got.PID != 42 || got.LeaseTopic != v2.LeaseTopic {
		t.Errorf("version 2 read back as %+v", got)
	}
	for name, text := range map[string]string{
		"nothing to restore":        `{"format_version": 2, "run_id": "r"}`,
		"static without its folder": `{"format_version": 2, "static": {"original": [{"key": "k"}]}}`,
		"newer version":             `{"format_version": 3, "settings": [{"broker": "1", "key": "k"}]}`,
		"static in a version 1":     `{"format_version": 1, "settings": [{"broker": "1", "key": "k"}], "static": {"cluster_dir": "/c", "original": [{"key": "k"}]}}`,
		"setting without broker":    `{"format_version": 2, "settings": [{"key": "k"}]}`,
	} {
		if _, err := parseRestoreFile(name, []byte(text)); err == nil {
			t.Errorf("%s: accepted as a restore file", name)
		}
	}
	if _, err := parseRestoreFile("x", []byte(`{"format_version": 3, "settings": [{"broker": "1", "key": "k"}]}`)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("a newer format must say so: %v", err)
	}
}

// The restore record is written before a change, keeps the static part while the dynamic part
// comes and goes, and is removed only when nothing is left to put back.
func TestRestoreRecordLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "restore-r.json")
	rec := &RestoreRecord{Path: path, File: RestoreFile{FormatVersion: RestoreFormatVersion, RunID: "r"}}
	exists := func() bool { _, err := os.Stat(path); return err == nil }

	rec.File.Static = &RestoreStatic{ClusterDir: "/c", ClusterID: "id", Original: []StaticSetting{{Key: profiles.FlushSchedulerKey}}}
	if err := rec.Save(); err != nil || !exists() {
		t.Fatalf("static change recorded: err %v, file there %v", err, exists())
	}
	rec.File.Settings = []RestoreSetting{{Broker: "1", Key: "log.flush.interval.messages"}}
	if err := rec.Save(); err != nil {
		t.Fatal(err)
	}
	rec.File.Settings = nil // the point's dynamic settings are back
	if err := rec.Save(); err != nil || !exists() {
		t.Fatalf("the static part is still changed: the file must stay (err %v)", err)
	}
	got, err := ReadRestoreFile(path)
	if err != nil || got.Static == nil || len(got.Settings) != 0 {
		t.Fatalf("after the dynamic restore the file says %+v (%v)", got, err)
	}
	rec.File.Static = nil
	if err := rec.Save(); err != nil || exists() {
		t.Errorf("everything back: the file must be gone (err %v, there %v)", err, exists())
	}
}

func TestOriginalStatic(t *testing.T) {
	current := map[string]string{profiles.FlushSchedulerKey: "10", "num.io.threads": "8", "other": "x"}
	got := OriginalStatic(current, []StaticSetting{{Key: profiles.FlushSchedulerKey}, {Key: "num.io.threads", HadValue: true, Value: "4"}})
	want := map[string]string{"num.io.threads": "4", "other": "x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("original settings %v, want %v", got, want)
	}
	if current[profiles.FlushSchedulerKey] != "10" {
		t.Error("the cluster's current map must not be modified")
	}
}

func TestRestoreFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RestoreFileName("r1"))
	rf := &RestoreFile{FormatVersion: RestoreFormatVersion, RunID: "r1", PointID: "p", Bootstrap: "b:1",
		Settings: []RestoreSetting{{Broker: "1", Key: "log.flush.interval.messages", HadDynamicValue: true, Value: "5"}, {Broker: "2", Key: "log.flush.interval.messages"}}}
	if err := WriteRestoreFile(path, rf); err != nil {
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
