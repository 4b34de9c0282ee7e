package stats

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Exactly-once under faults (issue 19, item 5). A point that promises exactly once (transactional
// producers, read_committed readers, the copy pipeline) is worth its faults only if the report
// says which ran and what the audit then found. The audit is one read per point, after every
// fault has healed, so its finding covers the point's faults together: the line names each fault
// and gives the one finding, never a finding per fault that was not measured per fault.

// ExactlyOnceFaults says in one line which faults ran on a point that promises exactly once (kind,
// target, time into the measured phase, how it went) and what the audit found: committed records
// read exactly once, aborted records visible, the copy pipeline's missing, duplicated and
// zombie-visible records, zombies fenced, and the verdict. "" for a point without transactions
// or without faults.
func ExactlyOnceFaults(r *Result) string {
	if r == nil || (r.Audit.Transactions == nil && r.CopyAudit == nil) || r.Faults == nil {
		return ""
	}
	var ran []string
	failed := 0
	for _, e := range r.Faults.Events {
		if e.Step == "inject" {
			ran = append(ran, describeEOSFault(e, r.CopyAudit))
			if e.Error != "" {
				failed++
			}
		}
	}
	if len(ran) == 0 {
		return ""
	}
	finding, verdict := ExactlyOnceFinding(r)
	if failed > 0 {
		verdict += fmt.Sprintf(" (%d of %d faults FAILED and did not take effect as planned)", failed, len(ran))
	}
	return fmt.Sprintf("exactly-once faults: %s; audit after every fault healed: %s; %s", strings.Join(ran, "; "), finding, verdict)
}

// ExactlyOnceFinding is what the audit of an exactly-once point found (the figures) and its
// verdict: "exactly once kept", "exactly once unknown" (the read did not complete), "committed
// records lost to a correlated power loss (a measurement ...)", "NOT exactly once" or "DEFECT".
func ExactlyOnceFinding(r *Result) (finding, verdict string) {
	a := r.Audit
	var parts []string
	lost, known := a.LostCount()
	if t := a.Transactions; t != nil {
		lostText := "unknown (the read did not complete)"
		if known {
			lostText = fmt.Sprint(lost)
		}
		parts = append(parts, fmt.Sprintf("%d records of %d committed transactions, not read back: %s, read twice: %d; %d records of %d aborted transactions, visible: %d",
			t.RecordsCommitted, t.Committed, lostText, t.CommittedReadTwice, t.RecordsAborted, t.Aborted, t.AbortedVisible))
	}
	c := r.CopyAudit
	if c != nil {
		missing := "unknown (output read incomplete)"
		if c.Missing != nil {
			missing = fmt.Sprint(*c.Missing)
		}
		parts = append(parts, fmt.Sprintf("copy output: missing %s, duplicated %d, zombie-visible %d (%d of %d zombies fenced), %d copied twice inside transactions that never committed",
			missing, c.Duplicates, c.ZombieVisible, c.ZombiesFenced, c.Zombies, c.Redelivered))
	}
	finding = strings.Join(parts, "; ")
	defect := c != nil && c.ZombieVisible > 0 || a.Transactions != nil && a.Transactions.AbortedVisible > 0
	short := known && lost > 0 || a.Duplicates > 0 || c != nil && (c.Missing != nil && *c.Missing > 0 || c.Duplicates > 0)
	switch {
	case defect:
		verdict = "DEFECT: records of aborted transactions or of a fenced copier visible to read_committed readers"
	case short && r.CorrelatedPowerLoss():
		verdict = "NOT exactly once: committed records lost or doubled after a power loss of several brokers at once (a measurement of what flush settings buy, not a broken promise: replication does not cover a page cache every replica loses together)"
	case short:
		verdict = "NOT exactly once"
	case !a.ReadComplete() || c != nil && c.Missing == nil:
		verdict = "exactly once unknown: the verification read did not complete (" + a.ReadSummary() + ")"
	default:
		verdict = "exactly once kept"
	}
	return finding, verdict
}

// CorrelatedPowerLoss says whether a power loss of the point took several brokers at the same
// instant (and ran): every replica of a record may then lose the page cache that held it.
func (r *Result) CorrelatedPowerLoss() bool {
	if r.Faults == nil {
		return false
	}
	for _, e := range r.Faults.Events {
		if e.Step == "inject" && e.Operation == "power-loss" && e.Error == "" && len(e.NodeIDs) > 1 {
			return true
		}
	}
	return false
}

var openTxnRecords = regexp.MustCompile(`(\d+) records in its open transaction`)

// describeEOSFault names one injected fault: what, which node, when, and how it went.
func describeEOSFault(e FaultEvent, c *CopyAudit) string {
	target := faultField(e.Fault, "target")
	hold, _ := time.ParseDuration(faultField(e.Fault, "for"))
	at := fmt.Sprintf("at %.1f s", e.StartOffsetSeconds)
	var s string
	switch e.Operation {
	case "power-loss":
		who := brokerList(e)
		if target == "coordinator" {
			who = fmt.Sprintf("the transaction coordinator (%s)", who)
		}
		s = fmt.Sprintf("power loss of %s %s", who, at)
		if hold > 0 {
			s += fmt.Sprintf(" for %s", hold)
		}
		if all, seg, ok := droppedBytes(e); ok {
			over := ""
			if len(e.UnsyncedBytesDropped) > 1 {
				over = " over the brokers"
			}
			s += fmt.Sprintf(" (%.1f MB not fsync'ed dropped%s, %.1f MB of it in the topic's log segments)", float64(all)/1e6, over, float64(seg)/1e6)
		} else {
			s += " (bytes dropped not known)"
		}
	case "kill-copier", "pause-copier", "zombie-copier":
		s = fmt.Sprintf("%s copier %d %s", strings.TrimSuffix(e.Operation, "-copier"), e.NodeID, at)
		if hold > 0 && e.Operation != "kill-copier" {
			s += fmt.Sprintf(" for %s", hold)
		}
		if m := openTxnRecords.FindStringSubmatch(e.Command); m != nil {
			s += fmt.Sprintf(" (%s records in its open transaction)", m[1])
		}
		if e.Operation == "pause-copier" && c != nil && c.TxnTimeoutMs > 0 {
			timeout := time.Duration(c.TxnTimeoutMs) * time.Millisecond
			if hold > timeout {
				s += fmt.Sprintf(", past its transaction.timeout.ms of %s", timeout)
			} else {
				s += fmt.Sprintf(", within its transaction.timeout.ms of %s", timeout)
			}
		}
	default:
		node := fmt.Sprintf("%s %d", e.NodeRole, e.NodeID)
		if target == "coordinator" {
			node = fmt.Sprintf("the transaction coordinator (%s)", node)
		}
		s = fmt.Sprintf("%s %s %s", e.Operation, node, at)
		if hold > 0 {
			s += fmt.Sprintf(" for %s", hold)
		}
	}
	if e.Error != "" {
		s += " FAILED: " + strings.TrimSpace(strings.SplitN(e.Error, "\n", 2)[0])
	}
	return s
}

// faultField is one key's value in a fault's flag form ("at=3s,action=kill,target=copier:0").
func faultField(fault, key string) string {
	for _, kv := range strings.Split(fault, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func brokerList(e FaultEvent) string {
	if len(e.NodeIDs) == 0 {
		return fmt.Sprintf("broker %d", e.NodeID)
	}
	ids := make([]string, len(e.NodeIDs))
	for i, id := range e.NodeIDs {
		ids[i] = fmt.Sprint(id)
	}
	if len(ids) == 1 {
		return "broker " + ids[0]
	}
	return "brokers " + strings.Join(ids, ",") + " together"
}

// droppedBytes sums what a power loss dropped over its brokers (ok false: not known).
func droppedBytes(e FaultEvent) (all, segments int64, ok bool) {
	if e.UnsyncedBytesDropped == nil {
		return 0, 0, false
	}
	for _, b := range e.UnsyncedBytesDropped {
		all += b
	}
	for _, b := range e.UnsyncedSegmentBytesDropped {
		segments += b
	}
	return all, segments, true
}
