package stats

import (
	"encoding/json"
	"strings"
	"testing"
)

// An incomplete read that found a hanging transaction names it in the summary line (the
// report's, the sweep's and the exactly-once verdict's), and the loss stays unknown.
func TestReadSummaryNamesHangingTransactions(t *testing.T) {
	a := &Audit{VerificationRead: &VerificationRead{Stopped: "its bound of 30s ran out", Attempts: 1, RecordsRead: 3400, OffsetsRead: 3842, OffsetsToRead: 9000,
		Partitions:       []PartitionRead{{Partition: 0, ReachedOffset: 1149, HighWatermark: 3000}},
		OpenTransactions: []OpenTransaction{{Partition: 0, ProducerID: 0, StartOffset: 1149, Hanging: true}, {Partition: 1, ProducerID: 5, StartOffset: 7}}}}
	s := a.ReadSummary()
	for _, want := range []string{"HANGING transaction on partition 0 from offset 1149 (producer 0)", "open transaction on partition 1 from offset 7 (producer 5)", "; loss unknown"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
	a.VerificationRead.OpenTransactions = nil
	a.VerificationRead.TransactionsChecked = "not checked: timeout"
	if s := a.ReadSummary(); !strings.Contains(s, "open transactions: not checked: timeout") {
		t.Errorf("summary %q does not say the transactions were not checked", s)
	}
	a.VerificationRead.TransactionsChecked = ""
	if s := a.ReadSummary(); strings.Contains(s, "transaction") {
		t.Errorf("summary %q speaks of transactions that were not asked", s)
	}
}

// The new fields are optional: a result without them reads as before and writes none.
func TestOpenTransactionsOptional(t *testing.T) {
	b, err := json.Marshal(VerificationRead{Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "transaction") {
		t.Fatalf("%s carries transaction fields", b)
	}
	var v VerificationRead
	if err := json.Unmarshal([]byte(`{"complete":false,"open_transactions":[{"partition":2,"producer_id":0,"producer_epoch":0,"start_offset":1316,"hanging":true}],"transactions_checked":"asked"}`), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.OpenTransactions) != 1 || !v.OpenTransactions[0].Hanging || v.OpenTransactions[0].StartOffset != 1316 {
		t.Fatalf("read back %+v", v)
	}
}
