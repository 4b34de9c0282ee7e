package audit

import (
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
		lv := l.view()
		failedConsumed += int64(lv.failed.AndCardinality(seen.bm))
		indeterminateConsumed += int64(lv.indet.AndCardinality(seen.bm))
	}
	return failedConsumed, indeterminateConsumed
}

// Finish adds the classification check and the idempotence verdict to a reconciled audit.
// idempotent says the producers ran with enable.idempotence=true: duplicates are then a defect.
func Finish(a *stats.Audit, ledgers []*Ledger, v *Verifier, idempotent bool) {
	a.FailedButConsumed, a.IndeterminateConsumed = classifyConsumed(ledgers, v)
	a.IdempotenceEnabled = idempotent
	a.DuplicatesDefect = a.IdempotenceEnabled && a.Duplicates > 0
}

// ConsumerGroup accounts a consumer group against the verification read: processed holds what
// each group member processed (one verifier per member, merged here), verified what the
// verification read found. It fills Redelivered (processing events beyond the first for a
// record identity, whichever member processed it), Skipped (records in the topic that no member processed)
// and ProcessedUnique; the rest of stats.ConsumerAudit is the caller's.
func ConsumerGroup(verified *Verifier, processed []*Verifier) stats.ConsumerAudit {
	all := NewVerifier()
	for _, p := range processed {
		all.Merge(p)
	}
	var a stats.ConsumerAudit
	a.Redelivered = all.duplicates
	for p, seen := range verified.seen {
		seen.optimize()
		got := all.seen[p]
		if got == nil {
			a.Skipped += int64(seen.bm.GetCardinality())
			continue
		}
		got.optimize()
		a.Skipped += int64(seen.bm.GetCardinality() - seen.bm.AndCardinality(got.bm))
	}
	for _, got := range all.seen {
		a.ProcessedUnique += int64(got.bm.GetCardinality())
	}
	return a
}
