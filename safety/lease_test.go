package safety

import (
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
)

func TestDecideLease(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	alive := func(pid int) bool { return pid != 999 }
	claim := func(run string, pid int, host string, off int64, keys ...string) leaseEntry {
		return leaseEntry{LeaseRecord: LeaseRecord{RunID: run, PID: pid, Host: host, Keys: keys, Expires: now.Add(time.Minute)}, offset: off}
	}
	mine := LeaseRecord{RunID: "me", PID: 1, Host: "h", Keys: []string{"log.flush.interval.messages"}}
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
		m := map[string]leaseEntry{"me": {LeaseRecord: mine, offset: 10}}
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
	static.Keys, static.RollingRestart = []string{profiles.FlushSchedulerKey}, true
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
