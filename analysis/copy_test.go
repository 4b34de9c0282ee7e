package analysis

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// TestBrokenCopyPromises: the copy pipeline promises exactly once whatever the producers'
// settings: a record missing from the output, a record in it twice (even with producers that
// are not idempotent) or a zombie's write visible is a broken promise (exit 4); an unknown
// missing count is not.
func TestBrokenCopyPromises(t *testing.T) {
	weak := func(c stats.CopyAudit) *stats.Result {
		return &stats.Result{Status: stats.StatusOK, CopyAudit: &c,
			Effective: stats.EffectiveSettings{ProducerConfig: map[string]string{"acks": "1"}}}
	}
	zero, three := int64(0), int64(3)
	for _, tc := range []struct {
		name string
		c    stats.CopyAudit
		want string
	}{
		{"exactly once", stats.CopyAudit{Missing: &zero, ExactlyOnce: true}, ""},
		{"missing unknown", stats.CopyAudit{}, ""},
		{"missing", stats.CopyAudit{Missing: &three}, "3 acknowledged input records missing from the output"},
		{"duplicates", stats.CopyAudit{Missing: &zero, Duplicates: 2}, "2 records in the output more than once"},
		{"zombie", stats.CopyAudit{Missing: &zero, ZombieVisible: 4, ZombieVisibleExamples: []string{"copier 0 (instance 3) transaction 5"}},
			"4 records written by a fenced copier visible to read_committed readers (copier 0 (instance 3) transaction 5)"},
	} {
		got := BrokenPromises(weak(tc.c))
		if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestCopyPromisesAfterPowerLoss: exactly once rests on committed writes being durable. After a
// power loss of several brokers at once, records missing from or doubled in the output are a
// measurement (the sweep does not exit 4 for them); after one broker's power loss they are still
// broken promises; a zombie's visible write and an aborted record visible are defects either way.
func TestCopyPromisesAfterPowerLoss(t *testing.T) {
	powerLoss := func(ids ...int) *stats.FaultReport {
		return &stats.FaultReport{Events: []stats.FaultEvent{{Step: "inject", Operation: "power-loss", NodeID: -1, NodeIDs: ids}}}
	}
	missing := int64(3078)
	for _, tc := range []struct {
		name   string
		faults *stats.FaultReport
		c      stats.CopyAudit
		txn    stats.TxnAudit
		want   []string
	}{
		{"all brokers: missing and doubled are measured", powerLoss(1, 2, 3), stats.CopyAudit{Missing: &missing, Duplicates: 12}, stats.TxnAudit{}, nil},
		{"one broker: missing breaks the promise", powerLoss(1), stats.CopyAudit{Missing: &missing}, stats.TxnAudit{}, []string{"3078 acknowledged input records missing"}},
		{"all brokers: a zombie's write is a defect", powerLoss(1, 2, 3), stats.CopyAudit{Missing: &missing, ZombieVisible: 5}, stats.TxnAudit{}, []string{"5 records written by a fenced copier"}},
		{"all brokers: an aborted record visible is a defect", powerLoss(1, 2, 3), stats.CopyAudit{Missing: &missing, AbortedVisible: 2},
			stats.TxnAudit{AbortedVisible: 2, ReadIsolation: "read_committed", AbortedVisibleExamples: []string{"producer 0 seq 7"}}, []string{"2 records of aborted transactions visible"}},
	} {
		txn := tc.txn
		r := &stats.Result{Status: stats.StatusOK, CopyAudit: &tc.c, Faults: tc.faults, Audit: stats.Audit{Lost: &missing, Transactions: &txn},
			Effective: stats.EffectiveSettings{ProducerConfig: map[string]string{"acks": "all", "enable.idempotence": "true"},
				TopicConfig: map[string]string{"min.insync.replicas": "2"}, ReplicationFactor: 3}}
		got := BrokenPromises(r)
		if tc.name == "one broker: missing breaks the promise" {
			// the direct-loss rule names it too: acks=all, min ISR 2, RF 3 promise no loss to one broker
			if len(got) != 2 || !strings.Contains(got[1], tc.want[0]) {
				t.Errorf("%s: %q, want the loss and %q", tc.name, got, tc.want[0])
			}
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: %q lacks %q", tc.name, got[i], w)
			}
		}
	}
}
