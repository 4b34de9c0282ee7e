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
