package profiles

import "math"

// DurabilityKey is the point's position on the durability ladder as a lexicographic key: a
// point with a smaller key is less durable. Unset settings count as the default kbench's
// clients and a stock Kafka use. The components, in order:
//
//  1. acks: 0 < 1 < all (unset: librdkafka's default, all; enable.idempotence implies all)
//  2. enable.idempotence: off < on (unset: off)
//  3. effective min ISR, min(min.insync.replicas, RF): larger is more durable (unset: Kafka's 1)
//  4. replication factor: larger is more durable
//  5. unclean.leader.election.enable: on < off (unset: off, Kafka's default)
//  6. flush by messages (flush.messages, else log.flush.interval.messages): smaller is more
//     durable (unset: never)
//  7. flush by time (flush.ms, else log.flush.interval.ms): smaller is more durable (unset: never)
//  8. the consumer side: commit.mode auto < after-processing < pipeline copy (exactly once;
//     unset: as auto)
//
// Points with equal keys are ordered by id in natural order (digit runs compared as numbers),
// so "linger-5" comes before "linger-10". Every component is negated where needed so that
// ascending order means "more durable".
func (p Point) DurabilityKey() [8]int64 {
	s := p.Settings
	var k [8]int64
	k[0] = 2
	if s.Acks != nil {
		switch *s.Acks {
		case AcksNone:
			k[0] = 0
		case AcksLeader:
			k[0] = 1
		}
	}
	if s.Idempotence != nil && *s.Idempotence {
		k[0], k[1] = 2, 1
	}
	rf := int64(p.TopicReplicationFactor())
	isr := int64(1)
	if s.MinInsyncReplicas != nil {
		isr = int64(*s.MinInsyncReplicas)
	}
	k[2] = min(isr, rf)
	k[3] = rf
	k[4] = 1
	if s.UncleanLeaderElection != nil && *s.UncleanLeaderElection {
		k[4] = 0
	}
	k[5] = -firstSet(s.FlushMessages, s.BrokerFlushIntervalMessages)
	k[6] = -firstSet(s.FlushMs, s.BrokerFlushIntervalMs)
	if s.CommitMode != nil && *s.CommitMode == CommitAfterProcessing {
		k[7] = 1
	}
	if p.Copy() {
		k[7] = 2
	}
	return k
}

// firstSet returns the first non-nil value (the topic setting overrides the broker's), or
// MaxInt64 for "never".
func firstSet(vs ...*int64) int64 {
	for _, v := range vs {
		if v != nil {
			return *v
		}
	}
	return math.MaxInt64
}

// naturalLess compares strings with digit runs compared as numbers.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitRun splits off the leading digits (leading zeros dropped) of s.
func digitRun(s string) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n := s[:i]
	for len(n) > 1 && n[0] == '0' {
		n = n[1:]
	}
	return n, s[i:]
}
