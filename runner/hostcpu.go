package runner

import (
	"runtime"

	"github.com/prometheus/procfs"

	"github.com/kbench/kbench/stats"
)

// # The machine's cores during the measured phase
//
// On the local cluster the client, the brokers and the controller share kbench's machine, and at
// saturation they use all of its cores: what a throughput figure measured is then decided by
// where that time went. On this project's 2-core VM the saturation throughput of one point ran in
// two modes, about 120 and about 230 k msgs/s, and the host CPU told them apart: the slow
// repetitions spent 1.0 to 1.3 of the 2 cores in the kernel (perf: 29 to 42 % of all samples
// copying into fresh page-cache pages, which the hypervisor backs only on first touch), the fast
// ones 0.3 to 0.9. So every point records the split of the machine's cores over its measured phase,
// read from /proc/stat with the measured phase's once-a-second counters (off the per-record
// path; not in the drain's waits, which sample the counters far more often).

// hostCPUTimes are the machine's cumulative CPU times (all cores, seconds); ok false when they
// could not be read (not Linux, no /proc).
type hostCPUTimes struct {
	ok bool
	t  procfs.CPUStat
}

// readHostCPU reads the machine's CPU times.
func readHostCPU() hostCPUTimes {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return hostCPUTimes{}
	}
	st, err := fs.Stat()
	if err != nil {
		return hostCPUTimes{}
	}
	return hostCPUTimes{ok: true, t: st.CPUTotal}
}

// hostCPUBetween is the split of the cores' time between two readings (nil when either is
// missing or no time passed). Guest time is part of user time in /proc/stat and not added again.
func hostCPUBetween(a, b hostCPUTimes) *stats.HostCPU {
	if !a.ok || !b.ok {
		return nil
	}
	user := (b.t.User + b.t.Nice) - (a.t.User + a.t.Nice)
	kernel := (b.t.System + b.t.IRQ + b.t.SoftIRQ) - (a.t.System + a.t.IRQ + a.t.SoftIRQ)
	iowait, steal, idle := b.t.Iowait-a.t.Iowait, b.t.Steal-a.t.Steal, b.t.Idle-a.t.Idle
	total := user + kernel + iowait + steal + idle
	if total <= 0 {
		return nil
	}
	return &stats.HostCPU{Cores: runtime.NumCPU(), User: user / total, Kernel: kernel / total,
		IOWait: iowait / total, Steal: steal / total, Idle: idle / total}
}

// measuredSample is a sample of the measured phase: the counters and the machine's CPU times.
func measuredSample(ps []*producerWorker, cs []*consumerWorker) sample {
	s := sampleAll(ps, cs)
	s.host = readHostCPU()
	return s
}
