package plots

import (
	"fmt"

	"github.com/kbench/kbench/stats"
)

// exactlyOnceSection says, per point that promises exactly once (transactions, read_committed,
// the copy pipeline) and ran faults, which faults ran (kind, target, time, failure) and what the
// audit found, with its verdict (stats.ExactlyOnceFaults). Absent when no such point ran faults.
func exactlyOnceSection(ps []point) (section, bool) {
	var items []string
	for _, p := range ps {
		if p.Result == nil {
			continue
		}
		if line := stats.ExactlyOnceFaults(p.Result); line != "" {
			items = append(items, fmt.Sprintf("%s (%s): %s", p.Level, p.ID, line))
		}
	}
	if len(items) == 0 {
		return section{}, false
	}
	return section{heading: "Exactly-once under faults", blocks: []block{
		para("One audit per point, after every fault had healed: its finding covers the point's faults together. Committed records not read back after a power loss of several brokers at once are a measurement (what flush settings buy), not a broken promise; records of aborted transactions or of a fenced copier that are visible are always a defect."),
		{kind: "list", items: items}}}, true
}
