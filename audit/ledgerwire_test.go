package audit

import (
	"reflect"
	"testing"
)

func TestLedgerWireRoundTrip(t *testing.T) {
	l := NewLedger(7)
	for s := range uint64(1000) {
		l.Sent(s)
		if s%10 != 0 {
			l.Acked(s)
		}
	}
	l.Failed(10, 7, "REQUEST_TIMED_OUT", true)
	l.Failed(20, 3, "UNKNOWN_TOPIC", false)
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalLedger(b)
	if err != nil {
		t.Fatal(err)
	}
	a, b2 := Reconcile([]*Ledger{l}, NewVerifier()), Reconcile([]*Ledger{got}, NewVerifier())
	if got.Producer() != 7 || !reflect.DeepEqual(a, b2) || got.FailuresByError()["REQUEST_TIMED_OUT"] != 1 {
		t.Fatalf("round trip: %+v vs %+v", a, b2)
	}
	if _, err := UnmarshalLedger(b[:len(b)/2]); err == nil {
		t.Fatal("a truncated ledger must be refused")
	}
	if _, err := UnmarshalLedger(append([]byte{9}, b[1:]...)); err == nil {
		t.Fatal("another wire version must be refused")
	}
}
