package runner

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/stats"
)

// TestOversizedResultIsSentWithoutLedgers: a worker result over the control topic's record limit
// goes out without its audit ledgers, failed and saying why (so the coordinator names the worker
// instead of calling it silent); one within the limit goes out whole; a message with nothing to
// drop is refused with its size.
func TestOversizedResultIsSentWithoutLedgers(t *testing.T) {
	const limit = 1 << 20
	res := &fleet.Result{Worker: 2, Point: "p", Status: stats.StatusOK, Acked: 10_000_000,
		Histograms: map[string]string{stats.HistProduce: "HISTxxxx"}, Ledgers: [][]byte{make([]byte, 600<<10), make([]byte, 600<<10)}}
	m := fleet.Message{Kind: fleet.KindResult, Run: "r", From: 2, Point: "p", Result: res}
	raw, err := encodeControl(m, limit)
	if err != nil || len(raw) > limit {
		t.Fatalf("%d bytes, %v", len(raw), err)
	}
	got, err := fleet.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Result
	if r.Status != stats.StatusFailed || len(r.Ledgers) != 0 || r.Acked != 10_000_000 || r.Histograms[stats.HistProduce] == "" ||
		!strings.Contains(r.Error, "record limit") || len(r.Notes) != 1 {
		t.Fatalf("sent: status %s, %d ledgers, acked %d, error %q, notes %v", r.Status, len(r.Ledgers), r.Acked, r.Error, r.Notes)
	}
	if res.Status != stats.StatusOK || len(res.Ledgers) != 2 {
		t.Fatal("the worker's own result was changed")
	}

	res.Ledgers = res.Ledgers[:1]
	res.Ledgers[0] = make([]byte, 100<<10)
	if raw, err := encodeControl(m, limit); err != nil {
		t.Fatal(err)
	} else if got, _ := fleet.Decode(raw); got.Result.Status != stats.StatusOK || len(got.Result.Ledgers) != 1 {
		t.Fatalf("a result within the limit was changed: %+v", got.Result)
	}

	big := fleet.Message{Kind: fleet.KindHeartbeat, Run: strings.Repeat("r", 2<<20)}
	if _, err := encodeControl(big, limit); err == nil || !strings.Contains(err.Error(), "over the control topic's") {
		t.Fatalf("oversized heartbeat: %v", err)
	}
}
