package profiles

import (
	"strings"
	"testing"
)

// TestTransactionSettings checks the transaction settings end to end through the profile: they
// parse, sweep, name points, reach the consumer config, and each impossible combination is
// refused at its own line.
func TestTransactionSettings(t *testing.T) {
	pts, _ := mustPoints(t, header+"sweep:\n  matrix:\n    transactional: [true]\n    transaction.records: [10]\n    transaction.abort.ratio: [0.25]\n    isolation.level: [read_committed, read_uncommitted]\n")
	if len(pts) != 2 {
		t.Fatalf("%d points, want 2", len(pts))
	}
	p := pts[0]
	if p.ID != "txn_txnrec-10_read-committed_abort-0.25" || !p.Transactional() {
		t.Errorf("point %q transactional=%v", p.ID, p.Transactional())
	}
	if got := p.ConsumerConfig()["isolation.level"]; got != "read_committed" {
		t.Errorf("consumer isolation.level %q", got)
	}
	if r := p.Settings.TransactionAbortRatio; r == nil || *r != 0.25 {
		t.Errorf("abort ratio %v", r)
	}
	if got := p.Settings.ByJSON()["transaction_abort_ratio"]; got != "0.25" {
		t.Errorf("result-file value %q", got)
	}
	if !strings.Contains(p.TransactionPlan(), "10 records; 25% of transactions aborted") {
		t.Errorf("plan %q", p.TransactionPlan())
	}
}

func TestTransactionSettingsRefused(t *testing.T) {
	tests := []struct {
		name, points, want string
	}{
		{"size without transactional", "    - transaction.records: 10\n", "t.yaml:14: sweep.points[0].transaction.records: transaction.records needs transactional: true"},
		{"transactional without size", "    - transactional: true\n", "t.yaml:14: sweep.points[0].transactional: transactional: true needs transaction.records or transaction.ms"},
		{"acks=1", "    - transactional: true\n      transaction.ms: 100\n      acks: 1\n", "transactions need acks=all"},
		{"no idempotence", "    - transactional: true\n      transaction.ms: 100\n      enable.idempotence: false\n", "transactions need the idempotent producer"},
		{"ratio above 1", "    - transactional: true\n      transaction.ms: 100\n      transaction.abort.ratio: 1.5\n", "t.yaml:16: sweep.points[0].transaction.abort.ratio: want a share from 0 to 1 such as 0.1, got '1.5'"},
		{"bad isolation", "    - isolation.level: committed\n", "t.yaml:14: sweep.points[0].isolation.level: want one of read_committed, read_uncommitted; got 'committed'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("t.yaml", []byte(header+"sweep:\n  points:\n"+tt.points))
			if err == nil {
				_, err = p.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %q", err, tt.want)
			}
		})
	}
}

// TestTransactionTimeoutRefused: a delivery timeout above the transaction timeout (the
// producer property, else 60 s) is refused at validation with its line, not at every point's
// start by librdkafka; raising transaction.timeout.ms in the producer properties makes it valid.
func TestTransactionTimeoutRefused(t *testing.T) {
	points := "sweep:\n  points:\n    - transactional: true\n      transaction.ms: 100\n"
	p, err := Parse("t.yaml", []byte(header+"  delivery.timeout.ms: 120000\n"+points))
	if err == nil {
		_, err = p.Validate()
	}
	want := "t.yaml:15: sweep.points[0].transactional: transactional: true with workload.delivery.timeout.ms=120000 above transaction.timeout.ms=60000"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant %q", err, want)
	}
	p, err = Parse("t.yaml", []byte(header+"  delivery.timeout.ms: 120000\n  producer:\n    transaction.timeout.ms: 180000\n"+points))
	if err == nil {
		_, err = p.Validate()
	}
	if err != nil {
		t.Errorf("transaction.timeout.ms 180000 in the producer properties: %v", err)
	}
}
