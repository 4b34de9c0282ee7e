package stats

import (
	"strings"
	"testing"
)

// TestCopySummary: the copy pipeline's line says the verdict and never shows an unknown missing
// count as zero.
func TestCopySummary(t *testing.T) {
	zero := int64(0)
	r := &Result{CopyAudit: &CopyAudit{Copiers: 2, Instances: 5, Kills: 2, Zombies: 1, Missing: &zero, ExactlyOnce: true, OutputRead: 10}}
	if got := CopySummary(r); !strings.Contains(got, "2 killed, 1 zombies") || !strings.Contains(got, "missing 0") || !strings.HasSuffix(got, "; exactly once") {
		t.Errorf("line %q", got)
	}
	r.CopyAudit.Missing, r.CopyAudit.ExactlyOnce = nil, false
	if got := CopySummary(r); !strings.Contains(got, "missing unknown") || !strings.Contains(got, "NOT exactly once") {
		t.Errorf("line %q", got)
	}
	if CopySummary(&Result{}) != "" {
		t.Error("a direct point has a copy line")
	}
}
