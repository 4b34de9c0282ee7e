package main

import (
	"strings"
	"testing"
)

// TestWorkerBadInput: `kbench worker` refuses what it cannot join with exit 2 and one line, and
// without reaching for any cluster.
func TestWorkerBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no run", nil, []string{"worker", "--bootstrap", "127.0.0.1:1", "--index", "0"}, "--run"},
		{"run with a slash", nil, []string{"worker", "--run", "a/b", "--bootstrap", "127.0.0.1:1", "--index", "0"}, "--run \"a/b\""},
		{"no index", nil, []string{"worker", "--run", "r1", "--bootstrap", "127.0.0.1:1"}, "JOB_COMPLETION_INDEX"},
		{"bad job index", []string{"JOB_COMPLETION_INDEX=x"}, []string{"worker", "--run", "r1", "--bootstrap", "127.0.0.1:1"}, `--index "x"`},
		{"no bootstrap", []string{"JOB_COMPLETION_INDEX=2"}, []string{"worker", "--run", "r1"}, "--bootstrap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := kbenchIn(t, tc.env, tc.args...)
			if r.code != exitBadInput {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitBadInput, r.stderr)
			}
			wantOneLine(t, r, tc.want)
		})
	}
}

// TestWorkerFlagsAreTheContract: the flag names the Kubernetes manifests use exist.
func TestWorkerFlagsAreTheContract(t *testing.T) {
	have := map[string]bool{}
	for _, f := range fleetWorkerFlags() {
		have[f.Names()[0]] = true
	}
	for _, want := range []string{"run", "bootstrap", "client-config", "index"} {
		if !have[want] {
			t.Errorf("kbench worker has no --%s", want)
		}
	}
	have = map[string]bool{}
	for _, f := range sweepCommand().Flags {
		have[f.Names()[0]] = true
	}
	for _, want := range []string{"workers", "run", "bootstrap", "profile", "out"} {
		if !have[want] {
			t.Errorf("kbench sweep has no --%s", want)
		}
	}
	if !strings.Contains(workerCommand().UsageText, "--index N") {
		t.Error("kbench worker usage does not show --index")
	}
}
