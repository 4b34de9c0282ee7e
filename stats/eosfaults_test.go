package stats

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

// eosResults are exactly-once points as the runs on the real cluster left them (figures from
// those runs): the copy pipeline under copier kill, pause past transaction.timeout.ms, zombie
// and coordinator kill; transactions under a power loss of all brokers (committed records lost),
// of one broker whose cut failed, an aborted record visible, and a read that did not complete.
func eosResults() []*Result {
	n := func(v int64) *int64 { return &v }
	done := &VerificationRead{Complete: true}
	inject := func(fault, op string, role string, id int, at float64, cmd string) FaultEvent {
		return FaultEvent{Fault: fault, Step: "inject", Operation: op, NodeRole: role, NodeID: id, StartOffsetSeconds: at, Command: cmd}
	}
	copyPoint := &Result{Point: profiles.Point{Label: "copy, copier and coordinator faults"},
		Audit:     Audit{Acked: 15000, Lost: n(0), VerificationRead: done},
		CopyAudit: &CopyAudit{Copiers: 2, Kills: 1, Zombies: 1, ZombiesFenced: 1, Pauses: 1, Missing: n(0), Redelivered: 1207, TxnTimeoutMs: 5000, ExactlyOnce: true},
		Faults: &FaultReport{Events: []FaultEvent{
			inject("at=2s,action=kill,target=copier:0", "kill-copier", "copier", 0, 2.0, "SIGKILL pid 4242 (copier 0, instance 1, 108 records in its open transaction)"),
			inject("at=3s,action=pause,target=copier:1,for=6500ms", "pause-copier", "copier", 1, 3.0, "SIGSTOP pid 4243 (copier 1, instance 2, 40 records in its open transaction)"),
			{Fault: "at=3s,action=pause,target=copier:1,for=6500ms", Step: "heal", Operation: "resume-copier", NodeRole: "copier", NodeID: 1, StartOffsetSeconds: 9.5},
			inject("at=7s,action=zombie,target=copier:0,for=3s", "zombie-copier", "copier", 0, 7.0, "SIGSTOP pid 4244 (copier 0, instance 3, 12 records in its open transaction); replacement started"),
			inject("at=10500ms,action=kill,target=coordinator,for=10s", "kill", "broker", 2, 10.5, "SIGKILL pid 777 (broker 2)"),
		}}}
	txn := func(label string) *Result {
		return &Result{Point: profiles.Point{Label: label},
			Audit: Audit{Acked: 8140, Lost: n(0), VerificationRead: done,
				Transactions: &TxnAudit{Committed: 23, Aborted: 6, RecordsCommitted: 8140, RecordsAborted: 860, ReadIsolation: "read_committed"}}}
	}
	powerAll := txn("transactions, all brokers lose power")
	powerAll.Audit.Lost = n(3181)
	powerAll.Faults = &FaultReport{Events: []FaultEvent{{Fault: "at=3s,action=power-loss,target=all,for=2s", Step: "inject", Operation: "power-loss",
		NodeRole: "broker", NodeID: -1, NodeIDs: []int{1, 2, 3}, StartOffsetSeconds: 3.0,
		UnsyncedBytesDropped:        map[string]int64{"1": 11736545, "2": 11736545, "3": 11736545},
		UnsyncedSegmentBytesDropped: map[string]int64{"1": 4215599, "2": 4215599, "3": 4215599}}}}
	powerOneFailed := txn("transactions, one broker's power loss failed")
	powerOneFailed.Faults = &FaultReport{Events: []FaultEvent{{Fault: "at=3s,action=power-loss,target=all,for=2s", Step: "inject", Operation: "power-loss",
		NodeRole: "broker", NodeID: 1, NodeIDs: []int{1}, StartOffsetSeconds: 3.0, ExitStatus: -1,
		Error: "drop unsynced data of broker 1: powerfs lose: unmount: Device or resource busy\n (code exit status 1)"}}}
	coordinator := txn("transactions, the coordinator loses power")
	coordinator.Faults = &FaultReport{Events: []FaultEvent{{Fault: "at=3s,action=power-loss,target=coordinator,for=2s", Step: "inject", Operation: "power-loss",
		NodeRole: "broker", NodeID: 3, NodeIDs: []int{3}, StartOffsetSeconds: 3.0,
		UnsyncedBytesDropped: map[string]int64{"3": 4215599}, UnsyncedSegmentBytesDropped: map[string]int64{"3": 4215599}}}}
	abortedVisible := txn("transactions, aborted record visible")
	abortedVisible.Audit.Transactions.AbortedVisible = 2
	abortedVisible.Faults = &FaultReport{Events: []FaultEvent{inject("at=2s,action=kill,target=coordinator", "kill", "broker", 3, 2.0, "")}}
	unread := txn("transactions, read incomplete")
	unread.Audit.Lost, unread.Audit.VerificationRead = nil, &VerificationRead{Stopped: "its bound of 30s ran out", OffsetsRead: 43, OffsetsToRead: 100}
	unread.Faults = powerAll.Faults
	noFault := txn("transactions, no fault")
	return []*Result{copyPoint, powerAll, powerOneFailed, abortedVisible, unread, noFault, coordinator}
}

// TestExactlyOnceFaultsGolden: per exactly-once point, the summary table names every fault that
// ran (kind, target, time, failure) and the audit's finding with its verdict; a power loss of
// all brokers losing committed records is a measurement, not a defect; a point without faults
// has no such line.
func TestExactlyOnceFaultsGolden(t *testing.T) {
	var out bytes.Buffer
	for _, r := range eosResults() {
		out.WriteString(r.Point.Label + ": " + ExactlyOnceFaults(r) + "\n")
	}
	checkGolden(t, filepath.Join("testdata", "eos-faults.golden.txt"), out.Bytes())

	rs := eosResults()
	for i, want := range []string{"exactly once kept", "a measurement of what flush settings buy", "exactly once kept (1 of 1 faults FAILED", "DEFECT", "exactly once unknown", ""} {
		got := ExactlyOnceFaults(rs[i])
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to say %q", rs[i].Point.Label, got, want)
		}
	}
	if got := ExactlyOnceFaults(rs[2]); !strings.Contains(got, "FAILED: drop unsynced data of broker 1") {
		t.Errorf("a failed power loss is not shown as failed: %q", got)
	}
	if got := ExactlyOnceFaults(rs[0]); !strings.Contains(got, "pause copier 1 at 3.0 s for 6.5s (40 records in its open transaction), past its transaction.timeout.ms of 5s") {
		t.Errorf("the pause past the transaction timeout is not named: %q", got)
	}
	if got := ExactlyOnceFaults(rs[6]); !strings.Contains(got, "power loss of the transaction coordinator (broker 3) at 3.0 s") || !strings.HasSuffix(got, "exactly once kept") {
		t.Errorf("the coordinator's power loss is not named: %q", got)
	}
	var table bytes.Buffer
	if err := WriteSummaryTable(&table, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "transactions, all brokers lose power: exactly-once faults: power loss of brokers 1,2,3 together at 3.0 s") {
		t.Errorf("the summary table lacks the exactly-once fault line:\n%s", table.String())
	}
}
