package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/faults"
)

// ClusterControl is what the runner and the fault injector do to the cluster's processes and
// static broker settings beyond the Kafka protocol: rolling restarts, kill, pause, resume and
// restart of one node, the active controller. Only a cluster kbench runs itself can do these;
// whether this one can is Local, decided once by Options.control, so that no code path asks
// whether some pointer is nil to decide policy.
type ClusterControl interface {
	// Local says kbench runs this cluster's processes: static settings can be swept by rolling
	// restarts, faults are carried out by process id, the flusher interval may be lowered.
	Local() bool
	// Bootstrap is the cluster's own bootstrap servers ("" when it has none to offer).
	Bootstrap() string
	// KafkaVersion is the brokers' version when known ("" otherwise).
	KafkaVersion() string
	// Dir is the cluster's folder (state, restore files of runs without a results folder).
	Dir() string
	// ClusterID is the KRaft cluster id (restore files name the cluster they belong to).
	ClusterID() string

	// StaticConfig is the extra static broker settings the brokers start with, and ChangedBy
	// who changed them last (and how to undo it).
	StaticConfig() map[string]string
	ChangedBy() string
	// SetStaticConfig makes the brokers run want (a rolling restart when it differs),
	// recording changedBy.
	SetStaticConfig(ctx context.Context, want map[string]string, changedBy string) error
	// Reload re-reads the cluster's state; ConfigMismatch then names brokers not running the
	// recorded static settings.
	Reload() error
	ConfigMismatch() []string

	// Storage is what the brokers' data folders are on ("" unknown); EligibleLeaderReplicas
	// whether KIP-966's ELR is on (nil unknown).
	Storage() string
	EligibleLeaderReplicas() *bool

	// Processes are the cluster's processes (brokers and controllers) and what faults do to them.
	faults.Processes
}

// control is the cluster control of this run: Options.Control when given, the local cluster
// kbench runs, else a remote cluster that refuses every process-level action.
func (o Options) control() ClusterControl {
	switch {
	case o.Control != nil:
		return o.Control
	case o.Cluster != nil:
		return LocalCluster(o.Cluster)
	}
	return RemoteCluster{}
}

// ctl is the session's cluster control (Options.control decides which).
func (s *session) ctl() ClusterControl { return s.opts.control() }

// LocalCluster is the ClusterControl of a cluster kbench runs (cluster.Up or cluster.Load).
func LocalCluster(c *cluster.Cluster) ClusterControl { return localCluster{c} }

type localCluster struct{ c *cluster.Cluster }

func (l localCluster) Local() bool                        { return true }
func (l localCluster) Bootstrap() string                  { return l.c.Bootstrap() }
func (l localCluster) KafkaVersion() string               { return l.c.KafkaVersion }
func (l localCluster) Dir() string                        { return l.c.Dir }
func (l localCluster) ClusterID() string                  { return l.c.ClusterID }
func (l localCluster) StaticConfig() map[string]string    { return l.c.BrokerConfig }
func (l localCluster) ChangedBy() string                  { return l.c.ChangedBy }
func (l localCluster) Reload() error                      { return l.c.Reload() }
func (l localCluster) ConfigMismatch() []string           { return l.c.ConfigMismatch() }
func (l localCluster) Nodes() []*cluster.Node             { return l.c.Nodes }
func (l localCluster) Node(id int) (*cluster.Node, error) { return l.c.Node(id) }
func (l localCluster) Kill(id int) error                  { return l.c.Kill(id) }
func (l localCluster) Pause(id int) error                 { return l.c.Pause(id) }
func (l localCluster) Resume(id int) error                { return l.c.Resume(id) }
func (l localCluster) ActiveController() (int, error)     { return l.c.ActiveController() }
func (l localCluster) Restart(ctx context.Context, id int) error {
	return l.c.Restart(ctx, id)
}
func (l localCluster) Storage() string               { return l.c.Storage() }
func (l localCluster) EligibleLeaderReplicas() *bool { return l.c.EligibleLeaderReplicas() }
func (l localCluster) PowerOff(ids []int) (map[int]cluster.Dropped, error) {
	return l.c.PowerOff(ids)
}
func (l localCluster) StartTogether(ctx context.Context, ids []int) error {
	return l.c.StartTogether(ctx, ids)
}
func (l localCluster) SetStaticConfig(ctx context.Context, want map[string]string, changedBy string) error {
	return l.c.SetBrokerConfig(ctx, want, changedBy)
}

// ErrNotLocal refuses a process-level action on a cluster kbench does not run.
var ErrNotLocal = errors.New("kbench does not run this cluster's processes")

// RemoteCluster is a cluster kbench only reaches over the network: it knows nothing of the
// cluster's processes and refuses every action on them (faults there go through the user's
// --fault-command, static settings through the user's own restart).
type RemoteCluster struct{}

func (RemoteCluster) Local() bool                     { return false }
func (RemoteCluster) Bootstrap() string               { return "" }
func (RemoteCluster) KafkaVersion() string            { return "" }
func (RemoteCluster) Dir() string                     { return "" }
func (RemoteCluster) ClusterID() string               { return "" }
func (RemoteCluster) StaticConfig() map[string]string { return nil }
func (RemoteCluster) ChangedBy() string               { return "" }
func (RemoteCluster) Reload() error                   { return nil }
func (RemoteCluster) ConfigMismatch() []string        { return nil }
func (RemoteCluster) Nodes() []*cluster.Node          { return nil }
func (RemoteCluster) Node(id int) (*cluster.Node, error) {
	return nil, fmt.Errorf("node %d: %w", id, ErrNotLocal)
}
func (RemoteCluster) Kill(id int) error   { return fmt.Errorf("kill node %d: %w", id, ErrNotLocal) }
func (RemoteCluster) Pause(id int) error  { return fmt.Errorf("pause node %d: %w", id, ErrNotLocal) }
func (RemoteCluster) Resume(id int) error { return fmt.Errorf("resume node %d: %w", id, ErrNotLocal) }
func (RemoteCluster) Restart(_ context.Context, id int) error {
	return fmt.Errorf("restart node %d: %w", id, ErrNotLocal)
}
func (RemoteCluster) ActiveController() (int, error) { return -1, nil }
func (RemoteCluster) Storage() string                { return "" }
func (RemoteCluster) EligibleLeaderReplicas() *bool  { return nil }
func (RemoteCluster) PowerOff(ids []int) (map[int]cluster.Dropped, error) {
	return nil, fmt.Errorf("power loss of brokers %v: %w", ids, ErrNotLocal)
}
func (RemoteCluster) StartTogether(_ context.Context, ids []int) error {
	return fmt.Errorf("start nodes %v: %w", ids, ErrNotLocal)
}
func (RemoteCluster) SetStaticConfig(_ context.Context, want map[string]string, _ string) error {
	return fmt.Errorf("%w (%s): %w", ErrStaticOnRemote, formatConfig(want), ErrNotLocal)
}
