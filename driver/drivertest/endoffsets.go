package drivertest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kbench/kbench/driver"
)

// endOffsets: the admin client's EndOffsets answers each partition's high watermark at
// read_uncommitted and its last stable offset at read_committed, in partition order. Records are
// written with franz-go directly (the driver's own transactional producer is not what is under
// test): a committed transaction moves both; one left open holds the LSO at its first offset
// while the high watermark moves past it. A driver whose Admin does not list offsets is skipped
// (the runner then notes the LSO lag as not measured).
func endOffsets(t *testing.T, d driver.Driver, cluster Cluster) {
	const parts = 2
	boot := cluster(t, "lso", parts)
	a, err := d.NewAdmin(map[string]string{"bootstrap.servers": boot})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	lister, ok := a.(driver.EndOffsetLister)
	if !ok {
		t.Skipf("driver %s: its Admin lists no offsets by isolation level", d.Name())
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.TransactionalID("drivertest-lso"), kgo.DefaultProduceTopic("lso"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	txn := func(p0, p1 int, commit bool) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for p, n := range []int{p0, p1} {
			for range n {
				if err := cl.ProduceSync(ctx, &kgo.Record{Partition: int32(p), Value: []byte("x")}).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if commit {
			if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
				t.Fatal(err)
			}
		}
	}
	txn(3, 1, true)  // partition 0: offsets 0-2 and the marker at 3; partition 1: 0 and the marker at 1
	txn(2, 0, false) // partition 0: offsets 4-5, open
	hw, err := lister.EndOffsets(ctx, "lso", parts, false)
	if err != nil {
		t.Fatal(err)
	}
	lso, err := lister.EndOffsets(ctx, "lso", parts, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hw, []int64{6, 2}) || !slices.Equal(lso, []int64{4, 2}) {
		t.Errorf("high watermarks %v, last stable offsets %v; want [6 2] and [4 2]", hw, lso)
	}
	if _, err := lister.EndOffsets(ctx, "no-such-topic", 1, true); err == nil {
		t.Error("end offsets of a topic that does not exist: no error")
	}
	if err := cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		t.Fatal(err)
	}
}
