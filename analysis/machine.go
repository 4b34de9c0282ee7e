package analysis

import (
	"fmt"

	"github.com/kbench/kbench/stats"
)

// # Whose limit a saturation throughput is
//
// A point at max rate runs until something saturates. When that something is the machine kbench
// ran on (its cores all busy over the measured phase), the figure is the machine's limit: on the
// local cluster the client, the brokers and the controller shared those cores, so the throughput
// is what one machine allows for all of them; against a remote cluster it is the client's
// machine, and more producers on more machines (kbench workers) would go further. The report says
// so under the costs, from the cores' split every result records (stats.HostCPU).

// busyIdle is the median idle share at or below which the machine counts as saturated.
const busyIdle = 0.05

// MachineSentence says whether the saturation points' throughput was the limit of kbench's
// machine, and whose; "" when the machine had cores to spare or no point recorded its cores.
func MachineSentence(ps []Point) string {
	var idle, kernel []float64
	local, cores := false, 0
	for _, p := range SaturationPoints(ps) {
		for _, r := range p.results() {
			if !r.AtMaxRate() || r.Metrics.HostCPU == nil {
				continue
			}
			h := r.Metrics.HostCPU
			idle, kernel = append(idle, h.Idle), append(kernel, h.Kernel)
			local, cores = local || r.Environment.LocalCluster, h.Cores
		}
	}
	medianIdle := EstimateOf(idle, 0).Median
	if len(idle) == 0 || medianIdle > busyIdle {
		return ""
	}
	s := fmt.Sprintf("At max rate the %d cores of kbench's machine were busy (median idle %.0f %%, kernel %.0f %% of them, over %d measured phases): ",
		cores, 100*medianIdle, 100*EstimateOf(kernel, 0).Median, len(idle))
	if local {
		return s + "the client, the brokers and the controller of the local cluster shared them, so these throughputs are what this one machine allows for all of them, not what the brokers would do on machines of their own."
	}
	return s + "the client's machine was the limit, not necessarily the cluster; more producers on more machines (kbench workers) would show how far the cluster goes."
}

// results are the point's measured results: its repetitions, or its one result.
func (p Point) results() []*stats.Result {
	if len(p.Repetitions) > 0 {
		return p.Repetitions
	}
	if p.Result == nil {
		return nil
	}
	return []*stats.Result{p.Result}
}
