package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// # The local cluster's disk
//
// A point at max rate on the local cluster writes every record once per replica: on a 2-core
// machine about 600 MB/s at replication factor 3, so a 150 s point wrote 59 GB and filled the root
// file system (40 KB left). The brokers then stalled, the verification read timed out and the
// result could not be written. kbench runs as root on people's machines: it stops the point
// before that, with one line saying how much was free, and runs no further point (the next would
// fill the same disk). A remote cluster's disks are not visible to kbench and not watched.

// ErrDiskLow is a point stopped because the disk of the local cluster's data ran low.
var ErrDiskLow = errors.New("the local cluster's disk is nearly full")

// Free space the guard keeps: the larger of diskFloorBytes and diskFloorShare of the file system.
// 2 GiB is more than 3 s of the fastest writes measured here, checked four times a second.
const (
	diskFloorBytes = 2 << 30
	diskFloorShare = 0.02
	diskCheckEvery = 250 * time.Millisecond
)

// diskGuard watches the file system that holds dir.
type diskGuard struct {
	dir string
	// space reports the bytes free to an unprivileged writer and the file system's size; a test
	// replaces it.
	space func(dir string) (free, size uint64, err error)
}

// statfsSpace is the file system's space as statfs(2) reports it.
func statfsSpace(dir string) (free, size uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

// low says whether the free space is below the floor, and the line that says so.
func (g diskGuard) low() (bool, error) {
	free, size, err := g.space(g.dir)
	if err != nil {
		return false, err
	}
	floor := max(uint64(diskFloorBytes), uint64(float64(size)*diskFloorShare))
	if free >= floor {
		return false, nil
	}
	return true, fmt.Errorf("%w: %s had %.1f GB free of %.0f GB (kbench keeps %.1f GB free), point stopped: shorten duration, lower the rate or free space",
		ErrDiskLow, g.dir, gb(free), gb(size), gb(floor))
}

func gb(b uint64) float64 { return float64(b) / 1e9 }

// watch returns a context that ends with the ErrDiskLow error as its cause when the free space
// falls below the floor, checked every diskCheckEvery until stop is called. A failing statfs
// stops the watch (the point goes on unguarded) rather than the point.
func (g diskGuard) watch(ctx context.Context) (guarded context.Context, stop func()) {
	guarded, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(diskCheckEvery)
		defer t.Stop()
		for {
			if isLow, err := g.low(); isLow || err != nil {
				if isLow {
					cancel(err)
				}
				return
			}
			select {
			case <-guarded.Done():
				return
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return guarded, func() { close(done); cancel(nil) }
}

// diskLow is the guard's error when it ended ctx (and the caller's own context did not end).
func diskLow(outer, guarded context.Context) error {
	if outer.Err() != nil {
		return nil
	}
	if cause := context.Cause(guarded); errors.Is(cause, ErrDiskLow) {
		return cause
	}
	return nil
}
