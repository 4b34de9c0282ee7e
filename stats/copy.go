package stats

import (
	"fmt"
	"strings"
)

// CopySummary says in one line what the copy pipeline did and what its audit found ("" for a
// point without it): the figures the summary table cannot show.
func CopySummary(r *Result) string {
	if r == nil || r.CopyAudit == nil {
		return ""
	}
	c := r.CopyAudit
	missing := "unknown (output read incomplete)"
	if c.Missing != nil {
		missing = fmt.Sprint(*c.Missing)
	}
	line := fmt.Sprintf("copy pipeline: %d copiers, %d processes (%d killed, %d zombies, %d paused, %d restarted after an error); %d transactions committed, %d aborted, %d fenced; commit p50 %.1f ms p99 %.1f ms; %d records copied, %d redelivered; output: %d read, missing %s, duplicates %d, zombie-visible %d",
		c.Copiers, c.Instances, c.Kills, c.Zombies, c.Pauses, c.RestartsAfterError, c.TxnCommitted, c.TxnAborted, c.TxnFenced,
		c.CommitLatency.P50Ms, c.CommitLatency.P99Ms, c.CopyEvents, c.Redelivered, c.OutputRead, missing, c.Duplicates, c.ZombieVisible)
	if c.ExactlyOnce {
		line += "; exactly once"
	} else {
		line += "; NOT exactly once"
	}
	if len(c.ZombieVisibleExamples) > 0 {
		line += " (DEFECT: " + strings.Join(c.ZombieVisibleExamples, "; ") + ")"
	}
	if l := LSOLagSummary(r.Metrics.LastStableOffsetLag); l != "" && r.Metrics.Transactions == nil {
		line += "; output " + l
	}
	return line
}
