package analysis

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kbench/kbench/stats"
)

// Faults says whether and how a run injected faults: what the report says was and was not
// tested, and what the recommendation may conclude.
type Faults struct {
	Any      bool
	Kill     bool     // a process kill (page cache survives)
	Summary  string   // what the run says about its faults
	Unhealed []string // points whose faults had not healed before the verification read
}

// DetectFaults looks for faults in the profile (a top-level "fault" or "faults" section) and in
// the points' notes (kill, pause, SIGSTOP, network partition, fault).
func DetectFaults(run *stats.Run, all []Point) Faults {
	var fe Faults
	var says []string
	if y := run.Index.ProfileYAML; y != "" {
		var doc map[string]any
		if yaml.Unmarshal([]byte(y), &doc) == nil {
			for _, k := range []string{"fault", "faults"} {
				if v, ok := doc[k]; ok && v != nil {
					fe.Any = true
					out, _ := yaml.Marshal(map[string]any{k: v})
					says = append(says, "profile: "+strings.Join(strings.Fields(string(out)), " "))
					if strings.Contains(strings.ToLower(string(out)), "kill") {
						fe.Kill = true
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range all {
		if p.Result == nil {
			continue
		}
		if f := p.Result.Faults; f != nil {
			for _, e := range f.Events {
				if e.Step != "inject" {
					continue
				}
				fe.Any = true
				fe.Kill = fe.Kill || e.Operation == "kill" || e.Operation == "restart"
				what := firstNonEmpty(e.Fault, fmt.Sprintf("%s %s %d", e.Operation, e.NodeRole, e.NodeID))
				if !seen[what] {
					seen[what] = true
					says = append(says, fmt.Sprintf("%s at %.0f s", what, e.StartOffsetSeconds))
				}
			}
			if !f.Healed && len(f.Events) > 0 {
				fe.Unhealed = append(fe.Unhealed, fmt.Sprintf("%s: not every fault had healed before the verification read (%s), so records on a node still down may count as lost",
					p.Level, firstNonEmpty(f.HealDetail, "no detail")))
			}
		}
		for _, n := range p.Result.Notes {
			l := strings.ToLower(n)
			if strings.Contains(l, "kill") || strings.Contains(l, "pause") || strings.Contains(l, "sigstop") ||
				strings.Contains(l, "network partition") || strings.Contains(l, "fault") {
				fe.Any = true
				fe.Kill = fe.Kill || strings.Contains(l, "kill")
				if !seen[n] {
					seen[n] = true
					says = append(says, n)
				}
			}
		}
	}
	fe.Summary = strings.Join(says, "; ")
	return fe
}
