package analysis

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// TestMachineSentence: the report says the saturation throughputs were the machine's limit when
// its cores were all busy at max rate, names the local cluster or the client's machine, and
// says nothing when the cores had room or were not recorded; fixed-load points do not count.
func TestMachineSentence(t *testing.T) {
	point := func(local, fixed bool, idle ...float64) Point {
		var reps []*stats.Result
		for i, v := range idle {
			r := &stats.Result{Status: stats.StatusOK, Repetition: &stats.Repetition{Number: i + 1, Round: i + 1}}
			r.Environment.LocalCluster = local
			r.Metrics.MeasuredSeconds = 2
			r.Metrics.ProduceLatency.Count = 100
			if fixed {
				r.Metrics.TargetRate = 1000
				r.FixedLoad = &stats.FixedLoad{RatePerSecond: 1000}
			}
			if v >= 0 {
				r.Metrics.HostCPU = &stats.HostCPU{Cores: 2, User: (1 - v) / 2, Kernel: (1 - v) / 2, Idle: v}
			}
			reps = append(reps, r)
		}
		return Point{Result: reps[0], Repetitions: reps}
	}
	for _, c := range []struct {
		name string
		ps   []Point
		want string // "" or a part of the sentence
	}{
		{"local, busy", []Point{point(true, false, 0.01, 0.02, 0.0), point(true, true, 0.7, 0.7, 0.7)},
			"the 2 cores of kbench's machine were busy (median idle 1 %, kernel 50 % of them, over 3 measured phases): the client, the brokers and the controller of the local cluster shared them"},
		{"remote, busy", []Point{point(false, false, 0.03)}, "the client's machine was the limit, not necessarily the cluster"},
		{"room to spare", []Point{point(true, false, 0.01, 0.3, 0.4)}, ""},
		{"only fixed-load points busy", []Point{point(true, true, 0, 0, 0)}, ""},
		{"not recorded (older files)", []Point{point(true, false, -1, -1)}, ""},
	} {
		got := MachineSentence(c.ps)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
