package audit

import "testing"

func TestClassifyConsumed(t *testing.T) {
	l := NewLedger(0)
	for seq := uint64(0); seq < 6; seq++ {
		l.Sent(seq)
	}
	l.Acked(0)
	l.Failed(1, 19, "NOT_ENOUGH_REPLICAS", false) // read back: misclassified
	l.Failed(2, 7, "REQUEST_TIMED_OUT", true)     // read back: was written
	l.Failed(3, 7, "REQUEST_TIMED_OUT", true)     // not read back
	l.Failed(4, 19, "NOT_ENOUGH_REPLICAS", false) // not read back
	v := NewVerifier()
	for _, seq := range []uint64{0, 1, 2} {
		v.Observe(0, 0, seq)
	}
	failed, indet := classifyConsumed([]*Ledger{l}, v)
	if failed != 1 || indet != 1 {
		t.Errorf("failed-but-consumed %d, indeterminate-consumed %d; want 1 and 1", failed, indet)
	}
}
