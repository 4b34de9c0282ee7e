// Package runner is kbench's measuring instrument: for each sweep point it creates a fresh topic,
// applies and reads back the point's settings, drives producers and consumers through a warmup
// and a measured phase, reads every record back for the audit, and leaves a stats.Result. It puts
// the cluster back as it found it: topics it created are deleted and broker settings it changed
// are restored, after success, after an error and after Ctrl-C.
//
// The hot path (one send goroutine and one delivery-report goroutine per producer instance, one
// poll goroutine per consumer) takes no lock and allocates nothing of its own: each goroutine owns
// its histograms and audit ledger, and they are merged at the end of the point and once a second
// for the time series.
package runner

import (
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// Options say where to run and how to report. The zero value is not usable: Bootstrap or
// Cluster must be set, and OutDir for Sweep.
type Options struct {
	// Bootstrap is the bootstrap.servers of the cluster to measure.
	Bootstrap string
	// Cluster is the local cluster when kbench runs one (nil for a remote cluster). Static broker
	// settings need it (rolling restart); a remote cluster refuses points that have them.
	Cluster *cluster.Cluster
	// Control overrides how kbench acts on the cluster's processes (nil: the local Cluster when
	// set, else a remote cluster that refuses process-level actions); see ClusterControl.
	Control ClusterControl
	// OutDir is the results folder. The engine writes only the run's restore file there (before
	// it changes broker settings); the result files are written by the run's owner from Events
	// and IntervalLogs (package runlog).
	OutDir string
	// RunID names the run in result files and topic names; empty: derived from the start time.
	RunID string
	// Profile is the profile's name, and ProfileYAML its text, recorded in the index.
	Profile     string
	ProfileYAML string
	// Events receives what the run reports: points started and finished with their results,
	// progress once a second, warnings and notes (nil: dropped). The engine prints nothing and
	// writes no result file itself; the caller renders and records these.
	Events events.Sink
	// IntervalLogs keeps each point's per-second histograms (nil: none kept).
	IntervalLogs events.IntervalLogs
	// FailFast stops the sweep at the first failed point.
	FailFast bool
	// Version and Commit identify the kbench binary in result files.
	Version string
	Commit  string
	// Client is how every client connects (the --client-config file and -X overrides, translated
	// and validated by LoadClientConfig); nil: plain bootstrap servers, no security.
	Client *kafkaconf.ClientConfig
	// TopicPrefix starts the name of every topic and consumer group kbench creates (""
	// "kbench-"); the run id follows, so `kbench clean --run ID` finds them.
	TopicPrefix string
	// ExistingTopic is a topic kbench did not create, for users without create permission: kbench
	// only produces and reads its own records there, sweeps no topic setting and never deletes it.
	ExistingTopic string
	// AllowBrokerConfig lets points change dynamic broker settings on a cluster kbench did not
	// start (--allow-broker-config); on its own local cluster they are always allowed.
	AllowBrokerConfig bool
	// DrainTimeout bounds the wait for outstanding deliveries and for consumers to catch up after
	// the measured phase, and separately the verification read. Zero: 30 s.
	DrainTimeout time.Duration

	// Faults is the fault schedule fired during every point's measured phase (profile `faults:`
	// plus --fault flags); empty: no faults. On the local cluster kbench carries them out itself
	// by process id; on another cluster through FaultCommands (operation -> shell command with
	// {broker}, {node}, {role}, {topic}, {partition} placeholders), each bounded by
	// FaultCommandTimeout (zero: 2 min).
	Faults              []profiles.Fault
	FaultCommands       map[string]string
	FaultCommandTimeout time.Duration
	// ConsumerProcesses runs the measuring consumers as separate kbench worker processes (always
	// when a fault targets a consumer), so a crash is a real SIGKILL. WorkerCommand is how to
	// start one (zero: this executable with the hidden `worker` subcommand).
	ConsumerProcesses bool
	WorkerCommand     []string
	// ConsumerProcessingDelay is how long after polling a consumer worker counts a record as
	// processed (an asynchronous pipeline; the window auto-commit can run ahead in). Zero: 200 ms.
	ConsumerProcessingDelay time.Duration

	// Repeat measures every point this many times (0 or 1: once, in level order), in rounds:
	// every point once per round, each round's order shuffled from OrderSeed (nil: a random
	// seed, recorded in the index so the order can be run again). See rounds.go.
	Repeat    int
	OrderSeed *uint64
	// FixedWarmup keeps every point's warmup at the profile's length instead of ending it at
	// steady state (see adaptive.go). NoClusterWarmup skips the load a sweep puts on a throwaway
	// topic before its first point (see clusterwarm.go).
	FixedWarmup     bool
	NoClusterWarmup bool
	// Fleet makes the sweep the coordinator of kbench worker processes (nil: one process).
	Fleet *FleetOptions
}

func (o Options) topicPrefix() string {
	if o.TopicPrefix != "" {
		return o.TopicPrefix
	}
	return safety.DefaultTopicPrefix
}

// events is where the run reports (a sink that drops everything when none was given).
func (o Options) events() events.Sink {
	if o.Events != nil {
		return o.Events
	}
	return events.Discard{}
}

func (o Options) drainTimeout() time.Duration {
	if o.DrainTimeout > 0 {
		return o.DrainTimeout
	}
	return 30 * time.Second
}
