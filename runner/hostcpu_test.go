package runner

import (
	"math"
	"testing"

	"github.com/prometheus/procfs"
)

// TestHostCPUBetween: the split of the cores' time between two /proc/stat readings adds up to 1,
// puts system, irq and softirq under kernel and nice under user, and is nil without both readings.
func TestHostCPUBetween(t *testing.T) {
	a := hostCPUTimes{ok: true, t: procfs.CPUStat{User: 100, Nice: 1, System: 50, IRQ: 1, SoftIRQ: 2, Idle: 500, Iowait: 3, Steal: 4, Guest: 7}}
	b := a
	// two cores for 2 s: 4 s of core time
	b.t.User, b.t.Nice, b.t.System, b.t.IRQ, b.t.SoftIRQ = 101.4, 1.2, 51.9, 1.05, 2.15
	b.t.Idle, b.t.Iowait, b.t.Steal, b.t.Guest = 500.1, 3.1, 4.1, 8 // guest time is inside user already
	h := hostCPUBetween(a, b)
	if h == nil {
		t.Fatal("nil")
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"user", h.User, 1.6 / 4}, {"kernel", h.Kernel, 2.1 / 4}, {"iowait", h.IOWait, 0.1 / 4},
		{"steal", h.Steal, 0.1 / 4}, {"idle", h.Idle, 0.1 / 4},
		{"sum", h.User + h.Kernel + h.IOWait + h.Steal + h.Idle, 1},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s %.4f, want %.4f", c.name, c.got, c.want)
		}
	}
	if hostCPUBetween(hostCPUTimes{}, b) != nil || hostCPUBetween(a, a) != nil {
		t.Error("a missing reading or no time passed: want nil")
	}
	if now := readHostCPU(); !now.ok || now.t.User+now.t.System+now.t.Idle <= 0 {
		t.Errorf("this Linux machine's /proc/stat: %+v", now)
	}
}
