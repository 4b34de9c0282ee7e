package runner

import (
	"context"
	"errors"
	"testing"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/faults"
)

// The policy "is this kbench's own cluster" is decided in one place: Options.control.
func TestControlDecidedOnce(t *testing.T) {
	if (Options{}).control().Local() {
		t.Fatal("no cluster: control says local")
	}
	cl := &cluster.Cluster{Dir: "/tmp/x", ClusterID: "abc", KafkaVersion: "4.1.0", BrokerConfig: map[string]string{"log.flush.interval.ms": "5"}}
	c := (Options{Cluster: cl}).control()
	if !c.Local() || c.Dir() != "/tmp/x" || c.ClusterID() != "abc" || c.KafkaVersion() != "4.1.0" || c.StaticConfig()["log.flush.interval.ms"] != "5" {
		t.Fatalf("local cluster control does not read the cluster: %+v", c)
	}
	given := RemoteCluster{}
	if got := (Options{Cluster: cl, Control: given}).control(); got.Local() {
		t.Fatal("Options.Control given: still the local cluster")
	}
}

// A remote cluster refuses every process-level action with a clear error, never a nil dereference.
func TestRemoteClusterRefuses(t *testing.T) {
	r := RemoteCluster{}
	for name, err := range map[string]error{
		"kill": r.Kill(1), "pause": r.Pause(1), "resume": r.Resume(1), "restart": r.Restart(context.Background(), 1),
	} {
		if !errors.Is(err, ErrNotLocal) {
			t.Errorf("%s on a remote cluster: %v, want ErrNotLocal", name, err)
		}
	}
	if _, err := r.Node(2); !errors.Is(err, ErrNotLocal) {
		t.Errorf("node lookup on a remote cluster: %v", err)
	}
	err := r.SetStaticConfig(context.Background(), map[string]string{"num.io.threads": "4"}, "")
	if !errors.Is(err, ErrStaticOnRemote) {
		t.Errorf("static settings on a remote cluster: %v, want ErrStaticOnRemote", err)
	}
	if id, err := r.ActiveController(); id != -1 || err != nil {
		t.Errorf("active controller of a remote cluster: %d, %v; want -1 (not knowable), nil", id, err)
	}
	inj, err := newInjector(Options{FaultCommands: map[string]string{"kill": "true", "start": "true"}})
	if err != nil || faults.Kind(inj) != "remote-commands" {
		t.Errorf("remote cluster with commands: injector %v, %v", inj, err)
	}
	if inj, err := newInjector(Options{Cluster: &cluster.Cluster{}}); err != nil || faults.Kind(inj) != "local" {
		t.Errorf("local cluster: injector %v, %v", inj, err)
	}
}
