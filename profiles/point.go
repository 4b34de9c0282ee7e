// Package profiles turns a user's YAML description of what to measure into an ordered list of
// concrete sweep points, and says for each point exactly which Kafka setting goes where (client,
// topic, dynamic broker, static broker), so nothing reaches a cluster before it has been validated.
package profiles

import "time"

// Acks is the producer's acks setting as a typed value, so that "all" and "-1" cannot drift apart.
type Acks string

// The acks values kbench understands; librdkafka and Java accept the same strings.
const (
	AcksNone   Acks = "0"   // fire and forget: the delivery report fires when the request hits the socket
	AcksLeader Acks = "1"   // the leader has appended the record (not yet replicated)
	AcksAll    Acks = "all" // every in-sync replica has the record
)

// CommitMode says when a consumer commits offsets, the consumer side of the durability ladder.
type CommitMode string

// The consumer commit modes.
const (
	CommitAuto            CommitMode = "auto"             // enable.auto.commit=true: at-most-once on a crash window
	CommitAfterProcessing CommitMode = "after-processing" // commit after each processed batch: at-least-once
)

// Duration is a time.Duration that reads "30s" or "1m" from YAML and writes the same back.
type Duration time.Duration

// Workload is what stays fixed across the points of a sweep: the traffic and the client plumbing.
type Workload struct {
	MessageSizeMin    int           // bytes; equal to MessageSizeMax for a fixed size
	MessageSizeMax    int           // bytes
	KeyDistribution   string        // "none" (sticky partitioning), "random", "sequential"
	Partitions        int           // partitions of each point's fresh topic
	ReplicationFactor int           // default RF; a point may override it in Settings
	Producers         int           // producer instances (each its own librdkafka client)
	Consumers         int           // consumer instances in one fresh group (0: producer-only)
	Rate              int           // target msgs/s over all producers; 0 means "max" (closed loop)
	MaxInFlight       int           // closed-loop bound on outstanding records per producer (0: runner default)
	Duration          time.Duration // measured phase
	Warmup            time.Duration // not counted
	Compression       string        // none, gzip, snappy, lz4, zstd
	BatchSize         int           // bytes; 0 = client default
	RequestTimeout    time.Duration // request.timeout.ms (acks timeout); 0 = client default
	DeliveryTimeout   time.Duration // delivery.timeout.ms; 0 = client default
	Retries           *int          // nil = client default
	RetryBackoff      time.Duration // retry.backoff.ms; 0 = client default

	ProducerProps map[string]string // passed through verbatim (librdkafka names)
	ConsumerProps map[string]string // passed through verbatim (librdkafka names)
	TopicProps    map[string]string // passed through verbatim (topic config names)
}

// Settings are the durability knobs one point sets; nil means "not set by this point" (the
// client's, topic's or broker's own default applies and is read back and recorded by the runner).
type Settings struct {
	Acks                           *Acks
	Idempotence                    *bool
	LingerMs                       *int
	MaxInFlightRequests            *int // max.in.flight.requests.per.connection
	ReplicationFactor              *int
	MinInsyncReplicas              *int
	FlushMessages                  *int64 // topic flush.messages
	FlushMs                        *int64 // topic flush.ms
	UncleanLeaderElection          *bool
	BrokerFlushIntervalMessages    *int64 // log.flush.interval.messages (dynamic, cluster-wide)
	BrokerFlushIntervalMs          *int64 // log.flush.interval.ms (dynamic, cluster-wide)
	BrokerFlushSchedulerIntervalMs *int64 // log.flush.scheduler.interval.ms (static: broker restart)
	CommitMode                     *CommitMode
}

// ReliabilityLevel ranks a point from least to most durable; Rank orders runs and is the x axis of
// every chart, Name is what a reader sees there.
type ReliabilityLevel struct {
	Rank int    `json:"rank"`
	Name string `json:"name"`
}

// Point is one fully resolved run of a sweep: everything the runner needs, nothing it must guess.
type Point struct {
	ID       string           // stable across runs of the same profile (used to match points in compare)
	Label    string           // short human label, e.g. "acks=all idem isr=2 flush=1000"
	Level    ReliabilityLevel //
	Workload Workload         // the profile's workload with this point's overrides applied
	Settings Settings         //
	Notes    []string         // warnings that belong to this point (e.g. flush.ms without a scheduler)
}
