package safety

import (
	"strings"
	"testing"
)

// TestCheckRunID: no accepted run id can begin another accepted run id followed by '-', the
// shape `kbench clean --run` matches topics with.
func TestCheckRunID(t *testing.T) {
	for _, tc := range []struct {
		id, err string
	}{
		{NewRunID(), ""},
		{"20261201-024900-beef", ""},
		{"bench7", ""},
		{"cap_1.b", ""},
		{"cap-1", "no '-'"},
		{"20261201", "eight digits"},
		{"20261201-0249", "no '-'"},
		{"", "letters, digits"},
		{"a/b", "letters, digits"},
		{strings.Repeat("x", 101), "letters, digits"},
	} {
		err := CheckRunID(tc.id)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("CheckRunID(%q) = %v, want %q", tc.id, err, tc.err)
		}
	}
	accepted := []string{NewRunID(), "20261201-024900-beef", "bench7", "cap_1.b", "2026120", "202612011"}
	for _, a := range accepted {
		for _, b := range accepted {
			if a != b && strings.HasPrefix(RunTopicPrefix("kbench-", b), RunTopicPrefix("kbench-", a)) {
				t.Errorf("clean --run %s would match run %s's topics", a, b)
			}
		}
	}
}
