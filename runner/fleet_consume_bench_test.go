package runner

import (
	"testing"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// BenchmarkFleetOnRecord is a worker's group member per record: header decode, the identity
// into its read ledger, the send-time correction, the end-to-end and same-worker histograms and
// the per-second window. It allocates nothing per record (the read ledger's bitmap grows a
// container per 65536 sequences: amortized to 0 allocs/op).
func BenchmarkFleetOnRecord(b *testing.B) {
	offs := []fleet.Offset{{OffsetNs: 1000, UncertaintyNs: 500}, {OffsetNs: -2000, UncertaintyNs: 700}, {OffsetNs: 300, UncertaintyNs: 200}}
	clock, err := fleet.NewSendClock(fleet.ProducerOwners(3, 3), offs, 0)
	if err != nil {
		b.Fatal(err)
	}
	pc := phaseClock{Start: 0, Measure: 0, End: time.Now().Add(time.Hour).UnixNano()}
	col := newCollector(3600)
	go col.run()
	c := &consumerWorker{clock: pc, e2e: stats.NewHistogram(), done: make(chan struct{}), win: newWindow(kindEndToEnd, pc, col),
		fleet: &fleetRead{idBase: 10, clock: clock, same: stats.NewHistogram(), read: audit.NewVerifier()}}
	val := make([]byte, 100)
	msg := &driver.Message{Value: val}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		record.EncodeHeader(val, record.Header{Producer: 10 + uint32(i%3), Seq: uint64(i / 3), SendNs: nowNs() - int64(time.Millisecond)})
		msg.Partition = int32(i % 3)
		c.onRecord(msg)
	}
}
