package runner

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/safety"
)

func TestRedactYAML(t *testing.T) {
	in := "name: x\nworkload:\n  producer.properties:\n    sasl.password: hunter2\n    \"ssl.key.password\": 'pw'\n    linger.ms: 5\n"
	got := redactYAML(in)
	if strings.Contains(got, "hunter2") || strings.Contains(got, "'pw'") {
		t.Errorf("secret left in:\n%s", got)
	}
	if !strings.Contains(got, "    sasl.password: [redacted]") || !strings.Contains(got, "linger.ms: 5") {
		t.Errorf("redacted wrongly:\n%s", got)
	}
}

// TestLocalBrokersFromClusterState: the census hears from the local cluster's state which broker
// processes are dead (this test process stands in for the live brokers), as the census test in
// package safety did before the census moved there.
func TestLocalBrokersFromClusterState(t *testing.T) {
	self, _ := os.Executable()
	live := func(id int) *cluster.Node {
		return &cluster.Node{ID: id, Role: cluster.RoleBroker, PID: os.Getpid(), Config: self}
	}
	cl := &cluster.Cluster{Nodes: []*cluster.Node{live(1), live(2), {ID: 3, Role: cluster.RoleBroker, PID: 0, Config: "/nonexistent"}}}
	got := localBrokers(cl)
	want := []safety.LocalBroker{{ID: 1, PID: os.Getpid()}, {ID: 2, PID: os.Getpid()}, {ID: 3, PID: 0, Dead: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("local brokers %+v, want %+v", got, want)
	}
	if localBrokers(nil) != nil {
		t.Error("no local cluster: no local brokers")
	}
}
