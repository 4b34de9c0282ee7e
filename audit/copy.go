package audit

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// The copy pipeline's audit. Copiers read the producers' topic with read_committed and write
// every record, unchanged but for its copier tag (record.CopyTag: copier instance, transaction
// number), to the output topic in transactions that also commit their offsets. The point's
// verification read of the output topic (read_committed) against the producers' ledgers gives,
// by record identity, what is missing, duplicated and aborted-but-visible (Reconcile and
// FinishTxn, as for a direct point). What only the copy pipeline has is the zombie: a copier
// paused while its replacement (same transactional.id) took over. Its transactions whose commit
// began before it was paused may legitimately be visible (the coordinator may have completed
// them before the takeover); anything else it wrote, visible to a read_committed reader, is a
// fencing defect. CopyOutput counts and names those records.

// CopyTags counts the output records a read returned by copier tag (instance, transaction),
// keeping one example identity per tag. Not for a hot path: one map lookup per record.
type CopyTags struct {
	byTxn map[uint64]*tagCount
	read  int64
}

type tagCount struct {
	n        int64
	producer uint32
	seq      uint64
}

// NewCopyTags is an empty tag count.
func NewCopyTags() *CopyTags { return &CopyTags{byTxn: map[uint64]*tagCount{}} }

// Observe counts one output record with its tag and identity.
func (c *CopyTags) Observe(t record.CopyTag, producer uint32, seq uint64) {
	c.read++
	k := uint64(t.Instance)<<32 | uint64(t.Txn)
	tc := c.byTxn[k]
	if tc == nil {
		tc = &tagCount{producer: producer, seq: seq}
		c.byTxn[k] = tc
	}
	tc.n++
}

// CopierInstance is what kbench knows of one copier process from its reports and the faults.
type CopierInstance struct {
	Instance uint32
	Slot     int
	// ZombieSinceNs is when it was paused while its replacement was started (unix ns; 0: it
	// was never made a zombie).
	ZombieSinceNs int64
	// CommitBeganNs is, per transaction number, when the copier said it began the commit (it
	// reports before it sends the commit, so a commit the coordinator completed has an entry).
	CommitBeganNs map[uint32]int64
}

// CopyOutput fills the output side of c: what the read of the output (a, already reconciled
// with the producers' ledgers and FinishTxn'ed) and the tags it collected show, and the copiers'
// redeliveries from copied (one Verifier per copier instance: each record it copied, aborted
// transactions included).
func CopyOutput(c *stats.CopyAudit, a *stats.Audit, tags *CopyTags, instances []CopierInstance, copied []*Verifier) {
	all := NewVerifier()
	for _, v := range copied {
		if v != nil {
			all.Merge(v)
		}
	}
	c.CopyEvents, c.Redelivered = all.Observed(), all.duplicates
	c.Duplicates = a.Duplicates
	if t := a.Transactions; t != nil {
		c.AbortedVisible = t.AbortedVisible
	}
	if lost, known := a.LostCount(); known {
		c.Missing = &lost
	} else {
		c.Missing = nil
	}
	if tags != nil {
		c.OutputRead = tags.read
		zombieVisible(c, tags, instances)
	}
	c.ExactlyOnce = a.ReadComplete() && c.Missing != nil && *c.Missing == 0 && c.Duplicates == 0 &&
		c.AbortedVisible == 0 && c.ZombieVisible == 0
}

// zombieVisible counts the visible output records written by a zombie after its takeover.
func zombieVisible(c *stats.CopyAudit, tags *CopyTags, instances []CopierInstance) {
	byInst := map[uint32]CopierInstance{}
	for _, in := range instances {
		byInst[in.Instance] = in
	}
	c.ZombieVisible = 0
	c.ZombieVisibleExamples = nil
	for _, k := range slices.Sorted(maps.Keys(tags.byTxn)) {
		tc := tags.byTxn[k]
		inst, txn := uint32(k>>32), uint32(k)
		in, ok := byInst[inst]
		if !ok || in.ZombieSinceNs == 0 {
			continue
		}
		if began, ok := in.CommitBeganNs[txn]; ok && began < in.ZombieSinceNs {
			continue // its commit was under way before the pause: the takeover may complete it
		}
		c.ZombieVisible += tc.n
		if len(c.ZombieVisibleExamples) < maxExamples {
			c.ZombieVisibleExamples = append(c.ZombieVisibleExamples,
				fmt.Sprintf("copier %d (instance %d) transaction %d: %d records, e.g. producer %d seq %d", in.Slot, inst, txn, tc.n, tc.producer, tc.seq))
		}
	}
}
