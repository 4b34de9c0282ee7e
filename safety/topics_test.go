package safety

import (
	"strings"
	"testing"
)

func TestTopicNamesCarryPrefixAndRun(t *testing.T) {
	name := TopicName("team-a.kbench-", "20240101-120000-beef", "acks-all_idem")
	if name != "team-a.kbench-20240101-120000-beef-acks-all_idem" {
		t.Errorf("topic name %q", name)
	}
	if !strings.HasPrefix(name, RunTopicPrefix("team-a.kbench-", "20240101-120000-beef")) {
		t.Errorf("%q does not start with the run's prefix %q", name, RunTopicPrefix("team-a.kbench-", "20240101-120000-beef"))
	}
	if a, b := NewRunID(), NewRunID(); a == b {
		t.Errorf("two run ids in the same second are equal: %s", a)
	}
}
