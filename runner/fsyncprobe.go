package runner

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// Every point that forces flushes, or powers brokers off, records how many fdatasync calls of small
// appends per second the disk under the local cluster takes: flush.messages=1 cannot go faster
// than that, and a number measured on a slow or busy disk says so. The probe takes a fraction of
// a second, in the cluster's own folder (the real disk the power-loss filesystem sits on).

// fsyncProbeFor is how long the probe appends and syncs.
const fsyncProbeFor = 300 * time.Millisecond

// fsyncProbeAppend is the size of each append: a small produce batch.
const fsyncProbeAppend = 512

// wantsFsyncProbe says whether point p forces flushes (a topic or broker flush setting) or runs
// under a power-loss fault.
func wantsFsyncProbe(p profiles.Point, schedule []profiles.Fault) bool {
	s := p.Settings
	if s.FlushMessages != nil || s.FlushMs != nil || s.BrokerFlushIntervalMessages != nil || s.BrokerFlushIntervalMs != nil {
		return true
	}
	return hasPowerLoss(schedule)
}

func hasPowerLoss(schedule []profiles.Fault) bool {
	for _, f := range schedule {
		if f.Action == profiles.FaultPowerLoss {
			return true
		}
	}
	return false
}

// probeFsync records the fsync probe for a point that wants one, on a local cluster (a remote
// cluster's disks are out of reach: nothing is recorded, and the report says not measured).
func (m *measurement) probeFsync() {
	cl := m.s.ctl()
	if !cl.Local() || cl.Dir() == "" || !wantsFsyncProbe(m.p, m.s.opts.Faults) {
		return
	}
	p, err := fsyncRate(cl.Dir(), fsyncProbeFor)
	if err != nil {
		m.note("fsync probe not measured: %v", err)
		return
	}
	m.res.FsyncProbe = p
}

// fsyncRate appends fsyncProbeAppend bytes and calls fdatasync, over and over for d, in a file of
// its own in dir, which it removes.
func fsyncRate(dir string, d time.Duration) (*stats.FsyncProbe, error) {
	f, err := os.CreateTemp(dir, ".kbench-fsync-probe-*")
	if err != nil {
		return nil, fmt.Errorf("create probe file in %s: %w", dir, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, fsyncProbeAppend)
	var n int
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.Write(buf); err != nil {
			return nil, fmt.Errorf("probe append: %w", err)
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return nil, fmt.Errorf("probe fdatasync: %w", err)
		}
		n++
	}
	took := time.Since(start)
	return &stats.FsyncProbe{Folder: dir, AppendBytes: fsyncProbeAppend, Syncs: n, Seconds: took.Seconds(),
		FdatasyncPerSecond: float64(n) / took.Seconds()}, nil
}
