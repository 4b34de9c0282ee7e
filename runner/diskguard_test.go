package runner

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDisk is a file system whose free space a test sets.
type fakeDisk struct {
	free, size atomic.Uint64
	fail       atomic.Bool
	calls      atomic.Int64
}

func (d *fakeDisk) space(string) (uint64, uint64, error) {
	defer d.calls.Add(1)
	if d.fail.Load() {
		return 0, 0, errors.New("statfs: no such file or directory")
	}
	return d.free.Load(), d.size.Load(), nil
}

// TestDiskGuard: the point's context ends, with ErrDiskLow naming the folder and the free space,
// once the local cluster's file system has less than the larger of 2 GiB and 2 % free; not
// before, not after the point stopped the guard, and a failing statfs ends the watch, not the
// point.
func TestDiskGuard(t *testing.T) {
	for _, c := range []struct {
		name       string
		free, size uint64
		low        bool
	}{
		{"plenty", 50e9, 250e9, false},
		{"below 2 GiB on a small disk", 1.5e9, 20e9, true},
		{"above 2 GiB but below 2 % of 1 TB", 15e9, 1e12, true},
		{"just above both", 2.2e9, 100e9, false},
	} {
		d := &fakeDisk{}
		d.free.Store(c.free)
		d.size.Store(c.size)
		g := diskGuard{dir: "/data/kbench-cluster", space: d.space}
		low, err := g.low()
		if low != c.low || (err != nil) != c.low {
			t.Errorf("%s: low %v, %v; want low %v", c.name, low, err, c.low)
		}
		if low && (!errors.Is(err, ErrDiskLow) || !strings.Contains(err.Error(), "/data/kbench-cluster had ")) {
			t.Errorf("%s: error %q: want ErrDiskLow naming the folder", c.name, err)
		}
	}

	d := &fakeDisk{}
	d.free.Store(50e9)
	d.size.Store(250e9)
	outer := context.Background()
	guarded, stop := diskGuard{dir: "/data/c", space: d.space}.watch(outer)
	defer stop()
	waitChecks(t, d, 3)
	if guarded.Err() != nil {
		t.Fatal("the guard ended the point with 50 GB free")
	}
	d.free.Store(1e9) // the point's writes filled the disk
	select {
	case <-guarded.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the guard did not end the point with 1 GB free")
	}
	if err := diskLow(outer, guarded); !errors.Is(err, ErrDiskLow) || !strings.Contains(err.Error(), "1.0 GB free of 250 GB") {
		t.Errorf("diskLow: %v", err)
	}

	// Ctrl-C is Ctrl-C: the caller's own end is not reported as a full disk.
	cctx, cancel := context.WithCancel(context.Background())
	g2, stop2 := diskGuard{dir: "/data/c", space: d.space}.watch(cctx)
	defer stop2()
	<-g2.Done()
	cancel()
	if err := diskLow(cctx, g2); err != nil {
		t.Errorf("after the caller's context ended: %v, want nil", err)
	}

	// A failing statfs stops the watch without ending the point.
	d.fail.Store(true)
	d.calls.Store(0)
	g3, stop3 := diskGuard{dir: "/data/c", space: d.space}.watch(outer)
	waitChecks(t, d, 1)
	if g3.Err() != nil {
		t.Error("a failing statfs ended the point")
	}
	stop3()
	if err := diskLow(outer, g3); err != nil {
		t.Errorf("after stop: %v, want nil", err)
	}
}

// waitChecks waits until the guard has asked the disk n more times (its watch goroutine's own
// progress, no sleep), bounded.
func waitChecks(t *testing.T, d *fakeDisk, n int64) {
	t.Helper()
	want := d.calls.Load() + n
	deadline := time.Now().Add(10 * time.Second)
	for d.calls.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("the guard asked the disk %d times, want %d", d.calls.Load(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
