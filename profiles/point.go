// Package profiles turns a user's YAML description of what to measure into an ordered list of
// concrete sweep points, and says for each point exactly which Kafka setting goes where (client,
// topic, dynamic broker, static broker), so nothing reaches a cluster before it has been validated.
package profiles

import (
	"encoding/json"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

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

// Pipeline is what the point's consumers do with the records (see Settings.Pipeline).
type Pipeline string

// The pipelines.
const (
	PipelineDirect Pipeline = "direct" // the measuring consumers read the producers' topic
	PipelineCopy   Pipeline = "copy"   // consume-transform-produce: copiers, then the measuring consumers
)

// IsolationLevel is a consumer's isolation.level: whether it sees records of transactions that
// are still open or were aborted (read_uncommitted) or only committed ones, waiting for the last
// stable offset (read_committed).
type IsolationLevel string

// The isolation levels.
const (
	ReadCommitted   IsolationLevel = "read_committed"
	ReadUncommitted IsolationLevel = "read_uncommitted"
)

// Duration is a time.Duration that reads "30s" or "1m" from YAML and writes the same back.
type Duration time.Duration

// String prints the duration the way a profile writes it ("30s", "2m0s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML reads a Go duration string such as "30s" or "2m"; a bare number is refused
// because its unit would be a guess.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as 30s or 2m, got a %s", kindName(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s or 2m, got '%s'", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back as a string ParseDuration reads.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

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
	Search            *RateSearch   // rate: search: the runner searches each point's sustainable rate (nil: Rate applies)
	ConsumeMode       string        // "" (live) or ConsumeBacklog
	Latency           *LatencyLoad  // latency: a fixed-load point per level besides the saturation one (nil: none)

	ProducerProps map[string]string // passed through verbatim (librdkafka names)
	ConsumerProps map[string]string // passed through verbatim (librdkafka names)
	TopicProps    map[string]string // passed through verbatim (topic config names)
}

// Settings are the durability knobs one point sets; nil means "not set by this point" (the
// client's, topic's or broker's own default applies and is read back and recorded by the runner).
//
// The JSON names are part of the result file format: long, stable, and named after the Kafka
// property (prefixed with where it lives when the bare name would be ambiguous).
type Settings struct {
	Acks                           *Acks       `json:"acks,omitempty"`
	Idempotence                    *bool       `json:"enable_idempotence,omitempty"`
	LingerMs                       *int        `json:"linger_ms,omitempty"`
	MaxInFlightRequests            *int        `json:"max_in_flight_requests_per_connection,omitempty"` // max.in.flight.requests.per.connection
	ReplicationFactor              *int        `json:"replication_factor,omitempty"`
	MinInsyncReplicas              *int        `json:"min_insync_replicas,omitempty"`
	FlushMessages                  *int64      `json:"topic_flush_messages,omitempty"` // topic flush.messages
	FlushMs                        *int64      `json:"topic_flush_ms,omitempty"`       // topic flush.ms
	UncleanLeaderElection          *bool       `json:"unclean_leader_election_enable,omitempty"`
	BrokerFlushIntervalMessages    *int64      `json:"broker_log_flush_interval_messages,omitempty"`     // log.flush.interval.messages (dynamic, cluster-wide)
	BrokerFlushIntervalMs          *int64      `json:"broker_log_flush_interval_ms,omitempty"`           // log.flush.interval.ms (dynamic, cluster-wide)
	BrokerFlushSchedulerIntervalMs *int64      `json:"broker_log_flush_scheduler_interval_ms,omitempty"` // log.flush.scheduler.interval.ms (static: broker restart)
	CommitMode                     *CommitMode `json:"consumer_commit_mode,omitempty"`
	Client                         *Client     `json:"client,omitempty"`          // the producers' (and live consumers') client library
	ConsumerClient                 *Client     `json:"consumer_client,omitempty"` // every consumer's and reader's client, over Client and the reader default

	// Transactions (issue 19). Transactional gives each producer instance a transactional.id
	// derived from the run id; it groups its records into transactions of TransactionRecords
	// records and/or TransactionMs milliseconds, whichever ends first, and aborts the share
	// TransactionAbortRatio of them on purpose (decided by transaction number, so the audit knows
	// which). IsolationLevel is the measuring consumers'.
	Transactional         *bool           `json:"transactional,omitempty"`
	TransactionRecords    *int            `json:"transaction_records,omitempty"`
	TransactionMs         *int            `json:"transaction_ms,omitempty"`
	IsolationLevel        *IsolationLevel `json:"consumer_isolation_level,omitempty"`
	TransactionAbortRatio *float64        `json:"transaction_abort_ratio,omitempty"`
	PowerLossBrokers      *int            `json:"fault_power_loss_brokers,omitempty"` // power-loss.brokers: how many brokers a power-loss of target all hits

	// Pipeline (issue 19) says what the point's consumers are: direct (the measuring consumers
	// read the producers' topic) or copy (copier worker processes read it with read_committed and
	// write every record to an output topic in transactions that also commit their offsets; the
	// measuring consumers read the output).
	Pipeline *Pipeline `json:"pipeline,omitempty"`
}

// ReliabilityLevel ranks a point from least to most durable; Rank orders runs and is the x axis of
// every chart, Name is what a reader sees there.
type ReliabilityLevel struct {
	Rank int    `json:"rank"`
	Name string `json:"name"`
}

// Point is one fully resolved run of a sweep: everything the runner needs, nothing it must guess.
type Point struct {
	ID       string           `json:"id"`                // stable across runs of the same profile (used to match points in compare)
	Label    string           `json:"label"`             // short human label, e.g. "acks=all idem isr=2 flush=1000"
	Level    ReliabilityLevel `json:"reliability_level"` //
	Workload Workload         `json:"workload"`          // the profile's workload with this point's overrides applied
	Settings Settings         `json:"settings"`          // everything this point sets, including the workload's fixed settings
	Notes    []string         `json:"notes,omitempty"`   // warnings that belong to this point (e.g. flush.ms without a scheduler)
}

// ConsumeBacklog is the consume mode in which the consumers start only when the producers have
// finished and read the whole topic from the earliest offset. It measures catch-up: how fast a
// group drains a backlog (a consumer restarted after an outage, a new application reading
// history), which a live consumer bounded by the producers' rate never shows. Records then wait
// by design, so no end-to-end latency is recorded.
const ConsumeBacklog = "backlog"

// Backlog says whether the consumers read a backlog after the producers instead of live.
func (w Workload) Backlog() bool { return w.ConsumeMode == ConsumeBacklog }

// workloadJSON is Workload's result-file form: durations in the unit their name says, and the
// pass-through properties redacted (a result file must never carry a password).
type workloadJSON struct {
	MessageSizeMinBytes   int               `json:"message_size_min_bytes"`
	MessageSizeMaxBytes   int               `json:"message_size_max_bytes"`
	KeyDistribution       string            `json:"key_distribution"`
	Partitions            int               `json:"partitions"`
	ReplicationFactor     int               `json:"replication_factor"`
	Producers             int               `json:"producers"`
	Consumers             int               `json:"consumers"`
	TargetRate            int               `json:"target_rate_messages_per_second"` // 0 = max (closed loop)
	MaxOutstandingRecords int               `json:"max_outstanding_records_per_producer"`
	MeasuredSeconds       float64           `json:"measured_duration_seconds"`
	WarmupSeconds         float64           `json:"warmup_duration_seconds"`
	CompressionType       string            `json:"compression_type"`
	BatchSizeBytes        int               `json:"batch_size_bytes"`
	RequestTimeoutMs      int64             `json:"request_timeout_ms"`
	DeliveryTimeoutMs     int64             `json:"delivery_timeout_ms"`
	Retries               *int              `json:"retries,omitempty"`
	RetryBackoffMs        int64             `json:"retry_backoff_ms"`
	ProducerProperties    map[string]string `json:"producer_properties,omitempty"`
	ConsumerProperties    map[string]string `json:"consumer_properties,omitempty"`
	TopicProperties       map[string]string `json:"topic_properties,omitempty"`
	RateSearch            *RateSearch       `json:"rate_search,omitempty"`  // target_rate is 0 then: the search chooses it per trial
	ConsumeMode           string            `json:"consume_mode,omitempty"` // "backlog"; empty: live
	Latency               *LatencyLoad      `json:"latency_fixed_load,omitempty"`
}

// MarshalJSON writes the workload with long stable names and redacted pass-through properties.
func (w Workload) MarshalJSON() ([]byte, error) {
	return json.Marshal(workloadJSON{
		MessageSizeMinBytes:   w.MessageSizeMin,
		MessageSizeMaxBytes:   w.MessageSizeMax,
		KeyDistribution:       w.KeyDistribution,
		Partitions:            w.Partitions,
		ReplicationFactor:     w.ReplicationFactor,
		Producers:             w.Producers,
		Consumers:             w.Consumers,
		TargetRate:            w.Rate,
		MaxOutstandingRecords: w.MaxInFlight,
		MeasuredSeconds:       w.Duration.Seconds(),
		WarmupSeconds:         w.Warmup.Seconds(),
		CompressionType:       w.Compression,
		BatchSizeBytes:        w.BatchSize,
		RequestTimeoutMs:      w.RequestTimeout.Milliseconds(),
		DeliveryTimeoutMs:     w.DeliveryTimeout.Milliseconds(),
		Retries:               w.Retries,
		RetryBackoffMs:        w.RetryBackoff.Milliseconds(),
		ProducerProperties:    Redact(w.ProducerProps),
		ConsumerProperties:    Redact(w.ConsumerProps),
		TopicProperties:       Redact(w.TopicProps),
		RateSearch:            w.Search,
		ConsumeMode:           w.ConsumeMode,
		Latency:               w.Latency,
	})
}

// UnmarshalJSON reads what MarshalJSON wrote (redacted values stay redacted).
func (w *Workload) UnmarshalJSON(data []byte) error {
	var j workloadJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	*w = Workload{
		MessageSizeMin:    j.MessageSizeMinBytes,
		MessageSizeMax:    j.MessageSizeMaxBytes,
		KeyDistribution:   j.KeyDistribution,
		Partitions:        j.Partitions,
		ReplicationFactor: j.ReplicationFactor,
		Producers:         j.Producers,
		Consumers:         j.Consumers,
		Rate:              j.TargetRate,
		MaxInFlight:       j.MaxOutstandingRecords,
		Duration:          time.Duration(j.MeasuredSeconds * float64(time.Second)),
		Warmup:            time.Duration(j.WarmupSeconds * float64(time.Second)),
		Compression:       j.CompressionType,
		BatchSize:         j.BatchSizeBytes,
		RequestTimeout:    time.Duration(j.RequestTimeoutMs) * time.Millisecond,
		DeliveryTimeout:   time.Duration(j.DeliveryTimeoutMs) * time.Millisecond,
		Retries:           j.Retries,
		RetryBackoff:      time.Duration(j.RetryBackoffMs) * time.Millisecond,
		ProducerProps:     j.ProducerProperties,
		ConsumerProps:     j.ConsumerProperties,
		TopicProps:        j.TopicProperties,
		Search:            j.RateSearch,
		ConsumeMode:       j.ConsumeMode,
		Latency:           j.Latency,
	}
	return nil
}
