package runner

import (
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/kbench/kbench/stats"
)

// classifyConsumed checks the send classification against what the verification read found:
// an indeterminate send that was read back was in fact written (counted, not a defect); a send
// reported as definitely failed that was read back means the classification was wrong for that
// error (librdkafka reports only the last attempt's error, and an earlier attempt may have been
// written). Only acknowledged records are ever counted as lost; these counts say how the others
// turned out.
func classifyConsumed(ledgers []*Ledger, v *Verifier) (failedConsumed, indeterminateConsumed int64) {
	for _, l := range ledgers {
		if l == nil {
			continue
		}
		seen := v.seen[l.producer]
		if seen == nil {
			continue
		}
		failed := roaring64.AndNot(l.failed.bm, l.acked.bm)
		failedConsumed += int64(failed.AndCardinality(seen.bm))
		indet := roaring64.AndNot(l.indeterminate.bm, l.acked.bm)
		indet.AndNot(l.failed.bm)
		indeterminateConsumed += int64(indet.AndCardinality(seen.bm))
	}
	return failedConsumed, indeterminateConsumed
}

// finishAudit adds the classification check and the idempotence verdict to a reconciled audit.
func finishAudit(a *stats.Audit, ledgers []*Ledger, v *Verifier, producerConfig map[string]string) {
	a.FailedButConsumed, a.IndeterminateConsumed = classifyConsumed(ledgers, v)
	a.IdempotenceEnabled = producerConfig["enable.idempotence"] == "true"
	a.DuplicatesDefect = a.IdempotenceEnabled && a.Duplicates > 0
}
