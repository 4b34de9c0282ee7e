package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

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
			path := filepath.Join(t.TempDir(), safety.RestoreFileName("r"))
			rf := safety.RestoreFile{FormatVersion: safety.RestoreFormatVersion, RunID: "r", Bootstrap: "127.0.0.1:1",
				Static: &safety.RestoreStatic{ClusterDir: dir, ClusterID: "mine", Original: []safety.StaticSetting{{Key: schedulerKey}}}}
			if err := safety.WriteRestoreFile(path, &rf); err != nil {
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
			s := &session{opts: Options{Cluster: cl, Progress: &warnings}}
			if err := s.checkLocalStatic([]profiles.Point{static}); !errors.Is(err, ErrClusterInconsistent) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("a static run: err %v, want ErrClusterInconsistent naming %q", err, tc.want)
			}
			if err := s.checkLocalStatic([]profiles.Point{plain}); err != nil || !strings.Contains(warnings.String(), tc.want) {
				t.Errorf("another run: err %v, warnings %q", err, warnings.String())
			}
		})
	}
}
