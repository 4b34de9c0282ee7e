package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
)

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
		Static: &RestoreStatic{ClusterDir: "/c", ClusterID: "id", Original: []StaticSetting{{Key: schedulerKey}}}}
	path := filepath.Join(t.TempDir(), RestoreFileName("r2"))
	if err := writeRestoreFile(path, &v2); err != nil {
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
	rec := &restoreRecord{path: path, rf: RestoreFile{FormatVersion: RestoreFormatVersion, RunID: "r"}}
	exists := func() bool { _, err := os.Stat(path); return err == nil }

	rec.rf.Static = &RestoreStatic{ClusterDir: "/c", ClusterID: "id", Original: []StaticSetting{{Key: schedulerKey}}}
	if err := rec.save(); err != nil || !exists() {
		t.Fatalf("static change recorded: err %v, file there %v", err, exists())
	}
	rec.rf.Settings = []RestoreSetting{{Broker: "1", Key: "log.flush.interval.messages"}}
	if err := rec.save(); err != nil {
		t.Fatal(err)
	}
	rec.rf.Settings = nil // the point's dynamic settings are back
	if err := rec.save(); err != nil || !exists() {
		t.Fatalf("the static part is still changed: the file must stay (err %v)", err)
	}
	got, err := ReadRestoreFile(path)
	if err != nil || got.Static == nil || len(got.Settings) != 0 {
		t.Fatalf("after the dynamic restore the file says %+v (%v)", got, err)
	}
	rec.rf.Static = nil
	if err := rec.save(); err != nil || exists() {
		t.Errorf("everything back: the file must be gone (err %v, there %v)", err, exists())
	}
}

func TestOriginalStatic(t *testing.T) {
	current := map[string]string{schedulerKey: "10", "num.io.threads": "8", "other": "x"}
	got := originalStatic(current, []StaticSetting{{Key: schedulerKey}, {Key: "num.io.threads", HadValue: true, Value: "4"}})
	want := map[string]string{"num.io.threads": "4", "other": "x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("original settings %v, want %v", got, want)
	}
	if current[schedulerKey] != "10" {
		t.Error("the cluster's current map must not be modified")
	}
}

func TestDecideLease(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	alive := func(pid int) bool { return pid != 999 }
	claim := func(run string, pid int, host string, off int64, keys ...string) leaseEntry {
		return leaseEntry{leaseRecord: leaseRecord{RunID: run, PID: pid, Host: host, Keys: keys, Expires: now.Add(time.Minute)}, offset: off}
	}
	mine := leaseRecord{RunID: "me", PID: 1, Host: "h", Keys: []string{"log.flush.interval.messages"}}
	key := "log.flush.interval.messages"
	expired := claim("old", 5, "other", 1, key)
	expired.Expires = now.Add(-time.Second)
	for _, tc := range []struct {
		name       string
		entries    []leaseEntry
		holder     string
		staleCount int
	}{
		{"free", nil, "", 0},
		{"earlier live claim holds it", []leaseEntry{claim("a", 7, "h", 3, key)}, "a", 0},
		{"later claim loses to mine", []leaseEntry{claim("b", 7, "h", 20, key)}, "", 0},
		{"other keys do not conflict", []leaseEntry{claim("c", 7, "h", 3, "log.flush.interval.ms")}, "", 0},
		{"dead pid on this host is stale", []leaseEntry{claim("d", 999, "h", 3, key)}, "", 1},
		{"dead pid on another host is not known dead", []leaseEntry{claim("e", 999, "other", 3, key)}, "e", 0},
		{"expired is stale", []leaseEntry{expired}, "", 1},
		{"stale and live", []leaseEntry{expired, claim("f", 7, "other", 4, key)}, "f", 1},
	} {
		m := map[string]leaseEntry{"me": {leaseRecord: mine, offset: 10}}
		for _, e := range tc.entries {
			m[e.RunID] = e
		}
		holder, stale := decideLease(m, mine, 10, now, "h", alive)
		got := ""
		if holder != nil {
			got = holder.RunID
		}
		if got != tc.holder || len(stale) != tc.staleCount {
			t.Errorf("%s: holder %q, %d stale; want %q, %d", tc.name, got, len(stale), tc.holder, tc.staleCount)
		}
	}
	static := mine
	static.Keys, static.RollingRestart = []string{schedulerKey}, true
	other := claim("g", 7, "h", 3, "num.io.threads")
	other.RollingRestart = true
	if h, _ := decideLease(map[string]leaseEntry{"g": other}, static, 10, now, "h", alive); h == nil {
		t.Error("two runs that both restart the brokers must conflict")
	}
}

func TestApplyLeaseRecord(t *testing.T) {
	m := map[string]leaseEntry{}
	applyLeaseRecord(m, "a", []byte(`{"run_id":"a","pid":1,"keys":["k"],"claim_offset":-1}`), 4)
	applyLeaseRecord(m, "a", []byte(`{"run_id":"a","pid":1,"keys":["k"],"claim_offset":4}`), 9) // renewal
	if m["a"].offset != 4 {
		t.Errorf("a renewal must keep the claim's order: offset %d, want 4", m["a"].offset)
	}
	applyLeaseRecord(m, "b", []byte(`{"run_id":"b","pid":1,"keys":["k"],"claim_offset":2}`), 12) // first record compacted away
	if m["b"].offset != 2 {
		t.Errorf("claim_offset must order a claim whose first record is gone: %d", m["b"].offset)
	}
	applyLeaseRecord(m, "a", nil, 13)
	applyLeaseRecord(m, "c", []byte(`{"run_id":"other"}`), 14)
	if _, ok := m["a"]; ok {
		t.Error("a tombstone must release the claim")
	}
	if _, ok := m["c"]; ok {
		t.Error("a record whose key is not its run id is not a claim")
	}
}

// Restore of static settings whose cluster is gone or was replaced: nothing of the run is left
// there, which is said, and the file is removed; a damaged cluster state keeps the file.
func TestRestoreStaticWithoutTheCluster(t *testing.T) {
	for _, tc := range []struct {
		name, state, want string
		ok                bool
	}{
		{"no cluster", "", "no local cluster in", true},
		{"another cluster", `{"cluster_id": "other", "nodes": []}`, "is another one (cluster id other", true},
		{"damaged state", `{"cluster_id": `, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.state != "" {
				if err := os.WriteFile(filepath.Join(dir, "cluster.json"), []byte(tc.state), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(t.TempDir(), RestoreFileName("r"))
			rf := RestoreFile{FormatVersion: RestoreFormatVersion, RunID: "r", Bootstrap: "127.0.0.1:1",
				Static: &RestoreStatic{ClusterDir: dir, ClusterID: "mine", Original: []StaticSetting{{Key: schedulerKey}}}}
			if err := writeRestoreFile(path, &rf); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			err := Restore(context.Background(), path, RestoreOptions{Out: &out})
			_, statErr := os.Stat(path)
			if tc.ok {
				if err != nil || !strings.Contains(out.String(), tc.want) || statErr == nil {
					t.Errorf("err %v, file still there %v, output %q", err, statErr == nil, out.String())
				}
				return
			}
			if err == nil || statErr != nil {
				t.Errorf("a damaged cluster state must fail and keep the restore file: err %v, file there %v", err, statErr == nil)
			}
		})
	}
}

// A local cluster left changed by a killed run, or halfway through a rolling restart, refuses a
// run that would change static settings (its "original" would be wrong) and warns any other.
func TestCheckLocalStatic(t *testing.T) {
	ms := int64(10)
	static := profiles.Point{ID: "s", Settings: profiles.Settings{BrokerFlushSchedulerIntervalMs: &ms}}
	plain := profiles.Point{ID: "p"}
	for _, tc := range []struct{ name, state, want string }{
		{"left by a killed run", `{"cluster_id": "x", "broker_config": {"log.flush.scheduler.interval.ms": "10"}, "broker_config_changed_by": "kbench run R (pid 1 on h); undo: kbench restore /r.json",
  "nodes": [{"id": 1, "role": "broker", "broker_config_in_force": {"log.flush.scheduler.interval.ms": "10"}}]}`, "kbench run R (pid 1 on h); undo: kbench restore /r.json"},
		{"interrupted rolling restart", `{"cluster_id": "x", "nodes": [{"id": 1, "role": "broker", "broker_config_in_force": {"log.flush.scheduler.interval.ms": "10"}}]}`, "broker 1 runs with log.flush.scheduler.interval.ms=10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "cluster.json"), []byte(tc.state), 0o644); err != nil {
				t.Fatal(err)
			}
			cl, err := cluster.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			cl.Dir = dir
			var warnings strings.Builder
			s := &session{opts: Options{Cluster: cl, Events: messagesTo(&warnings)}}
			if err := s.checkLocalStatic([]profiles.Point{static}); !errors.Is(err, ErrClusterInconsistent) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("a static run: err %v, want ErrClusterInconsistent naming %q", err, tc.want)
			}
			if err := s.checkLocalStatic([]profiles.Point{plain}); err != nil || !strings.Contains(warnings.String(), tc.want) {
				t.Errorf("another run: err %v, warnings %q", err, warnings.String())
			}
		})
	}
}
