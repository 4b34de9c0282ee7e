package audit

import "testing"

// TestVerifierWireRoundTripAccountsAGroup: two group members on two machines each send what
// they read; decoded on the coordinator, the group's account against the verification read is
// the one the in-memory verifiers give: a record read by both members is one redelivery, a
// record neither read is skipped, and a member's own re-read survives the trip.
func TestVerifierWireRoundTripAccountsAGroup(t *testing.T) {
	verified := NewVerifier()
	for seq := range uint64(10) {
		verified.Observe(0, 7, seq)
		verified.Observe(1, 8, seq)
	}
	a, b := NewVerifier(), NewVerifier()
	for seq := range uint64(6) {
		a.Observe(0, 7, seq) // member a: producer 7's 0..5
	}
	a.Observe(0, 7, 3) // a re-reads 3 (rebalance)
	for seq := uint64(5); seq < 10; seq++ {
		b.Observe(1, 7, seq) // member b: 7's 5..9 (5 read by both)
	}
	for seq := range uint64(9) {
		b.Observe(1, 8, seq) // 8's 9 never read
	}
	want := ConsumerGroup(verified, []*Verifier{a, b})
	var wire []*Verifier
	for _, v := range []*Verifier{a, b} {
		raw, err := v.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		d, err := UnmarshalVerifier(raw)
		if err != nil {
			t.Fatal(err)
		}
		if d.Observed() != v.Observed() {
			t.Fatalf("observed %d after the trip, %d before", d.Observed(), v.Observed())
		}
		wire = append(wire, d)
	}
	got := ConsumerGroup(verified, wire)
	if got != want || got.Redelivered != 2 || got.Skipped != 1 || got.ProcessedUnique != 19 {
		t.Fatalf("group account after the trip %+v, in memory %+v; want 2 redelivered, 1 skipped, 19 unique", got, want)
	}
	if _, err := UnmarshalVerifier([]byte{9}); err == nil {
		t.Fatal("another wire version was read")
	}
	raw, _ := a.MarshalBinary()
	if _, err := UnmarshalVerifier(raw[:len(raw)-3]); err == nil {
		t.Fatal("a truncated form was read")
	}
}
