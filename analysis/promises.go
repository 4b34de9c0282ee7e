package analysis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kbench/kbench/stats"
)

// Broken promises. kbench exits with a distinct code when a point's own settings promise
// something the audit shows was not kept, so a CI job or a script can fail on it without
// reading the report. The rules are deliberately narrow, stated as Kafka's guarantees are:
//
//   - enable.idempotence=true promises no duplicates and no reordering within a partition;
//   - acks=all with min.insync.replicas >= 2, replication factor >= 3 and unclean leader
//     election off promises that no acknowledged record is lost to the failure of one broker;
//     a point whose brokers lost power several at once (a correlated failure) is outside it;
//   - transactions promise that a read_committed reader sees every record of a committed
//     transaction exactly once and no record of an aborted one (a committed record missing is
//     judged as loss above, or as broken on its own when no fault ran); the copy pipeline
//     promises every acknowledged input record once in its output. Both rest on committed
//     writes being durable: after a correlated power loss, committed records missing or
//     doubled are measurements; an aborted or a zombie's record visible is always a defect.
//
// Anything weaker promises nothing about loss, so its losses are measurements, not violations.

// BrokenPromises lists, in plain words, what this point's settings promised and its audit shows
// was not kept. Points that did not finish are not judged.
func BrokenPromises(r *stats.Result) []string {
	if r == nil || r.Status != stats.StatusOK {
		return nil
	}
	var out []string
	a := r.Audit
	if a.IdempotenceEnabled || r.Effective.ProducerConfig["enable.idempotence"] == "true" {
		if a.Duplicates > 0 {
			out = append(out, fmt.Sprintf("%s: %d duplicate records although enable.idempotence=true", resultName(r), a.Duplicates))
		}
		if a.OutOfOrder > 0 {
			out = append(out, fmt.Sprintf("%s: %d records out of order within a partition although enable.idempotence=true", resultName(r), a.OutOfOrder))
		}
	}
	if lost, known := a.LostCount(); known && lost > 0 && promisesNoLoss(r) {
		out = append(out, fmt.Sprintf("%s: %d acknowledged records lost with acks=all, min.insync.replicas >= 2, replication factor >= 3 and unclean leader election off", resultName(r), lost))
	}
	out = append(out, brokenTxnPromises(r)...)
	return append(out, brokenCopyPromises(r)...)
}

// brokenCopyPromises is the copy pipeline's exactly-once promise as its audit shows it broken:
// acknowledged input records missing from the output, output records read twice, records of
// aborted input transactions or of a fenced copier (a zombie) visible to read_committed readers.
// Exactly once rests on committed writes being durable (the output's records and markers, the
// consumed offsets, the coordinator's transaction log): a power loss of several brokers at once
// may undo what the brokers had only in their page cache, so after one, records missing from
// or doubled in the output are a measurement (what flush settings buy), not a broken promise.
// A zombie's visible write is a fencing defect whatever happened to the disks.
func brokenCopyPromises(r *stats.Result) []string {
	c := r.CopyAudit
	if c == nil {
		return nil
	}
	var out []string
	if c.ZombieVisible > 0 {
		out = append(out, fmt.Sprintf("%s: copy pipeline: %d records written by a fenced copier visible to read_committed readers (%s)", r.Point.Label, c.ZombieVisible, strings.Join(c.ZombieVisibleExamples, "; ")))
	}
	if CorrelatedPowerLoss(r) {
		return out
	}
	if c.Missing != nil && *c.Missing > 0 {
		out = append(out, fmt.Sprintf("%s: copy pipeline: %d acknowledged input records missing from the output (exactly once)", r.Point.Label, *c.Missing))
	}
	if c.Duplicates > 0 && !r.Audit.IdempotenceEnabled {
		out = append(out, fmt.Sprintf("%s: copy pipeline: %d records in the output more than once (exactly once)", r.Point.Label, c.Duplicates))
	}
	return out
}

// brokenTxnPromises are the transactional promises a point's audit shows broken.
func brokenTxnPromises(r *stats.Result) []string {
	t := r.Audit.Transactions
	if t == nil {
		return nil
	}
	var out []string
	if t.AbortedVisible > 0 {
		out = append(out, fmt.Sprintf("%s: %d records of aborted transactions visible to a %s read (%s)", r.Point.Label, t.AbortedVisible, t.ReadIsolation, strings.Join(t.AbortedVisibleExamples, ", ")))
	}
	if lost, known := r.Audit.LostCount(); known && lost > 0 && !promisesNoLoss(r) && r.Faults == nil {
		out = append(out, fmt.Sprintf("%s: %d records of committed transactions not visible to a %s read, with no fault injected", r.Point.Label, lost, t.ReadIsolation))
	}
	return out
}

// UnverifiedPromises lists, in plain words, the points whose settings promise no loss or no
// duplicates but whose verification read did not complete: their loss is unknown, so the
// promise was neither kept nor broken as far as kbench can tell. Such a point never counts as
// a broken promise, and never as a kept one either. Failed points (nothing measured) are left out.
func UnverifiedPromises(r *stats.Result) []string {
	if r == nil || r.Status == stats.StatusFailed || r.Audit.ReadComplete() || r.Audit.VerificationRead == nil {
		return nil
	}
	idem := r.Audit.IdempotenceEnabled || r.Effective.ProducerConfig["enable.idempotence"] == "true"
	if !idem && !promisesNoLoss(r) {
		return nil
	}
	return []string{fmt.Sprintf("%s: verification read %s: durability not verified", resultName(r), r.Audit.ReadSummary())}
}

// RunUnverifiedPromises collects the unverified promises of every point of a run.
func RunUnverifiedPromises(run *stats.Run) []string {
	var out []string
	for _, r := range run.Results() {
		out = append(out, UnverifiedPromises(r)...)
	}
	return out
}

// promisesNoLoss reads the effective settings (as applied and read back), not the requested ones.
func promisesNoLoss(r *stats.Result) bool {
	acks := r.Effective.ProducerConfig["acks"]
	if acks == "" && r.Effective.ProducerConfig["enable.idempotence"] == "true" {
		acks = "all" // idempotence forces acks=all
	}
	minISR, _ := strconv.Atoi(r.Effective.TopicConfig["min.insync.replicas"])
	return (acks == "all" || acks == "-1") && minISR >= 2 && r.Effective.ReplicationFactor >= 3 &&
		r.Effective.TopicConfig["unclean.leader.election.enable"] != "true" && !CorrelatedPowerLoss(r)
}

// CorrelatedPowerLoss says whether a power loss of the point took several brokers at the same
// instant: every replica of a record may then lose the page cache that held it, which replication
// does not cover; what that loses is a measurement (what flush settings buy), not a broken promise.
func CorrelatedPowerLoss(r *stats.Result) bool { return r.CorrelatedPowerLoss() }

// RunBrokenPromises collects the broken promises of every point of a run.
func RunBrokenPromises(run *stats.Run) []string {
	var out []string
	for _, r := range run.Results() {
		out = append(out, BrokenPromises(r)...)
	}
	return out
}

// resultName is how a sentence names one result: the point's label, and which repetition.
func resultName(r *stats.Result) string {
	if rep := r.Repetition; rep != nil {
		return fmt.Sprintf("%s (repetition %d of %d)", r.Point.Label, rep.Number, rep.Of)
	}
	return r.Point.Label
}
