// Package stats owns what a run leaves behind: latency histograms, their percentiles and merges,
// and the result files that every later command (plot, report, compare, export) reads. Result
// files outlive the code that wrote them, so their field names are long, stable and documented,
// and every file carries a format version.
//
// A results folder (one per run) holds:
//
//	index.json            the run: profile name and YAML, environment, start/end, one entry per point
//	points/<id>.json      one Result per point (PointFile)
//	points/<id>.hlog      the point's per-second latency histograms, an HdrHistogram interval log (PointLogFile)
//
// Result and index files are written atomically, so an interrupted run leaves whole files only.
package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kbench/kbench/profiles"
)

// FormatVersion is written into every result and index file; bump it only with a reader for the
// old version.
//
// Version 2: Audit.Lost is null when the verification read did not complete (version 1 counted
// every record not yet read as lost), and Audit.VerificationRead says how far the read got.
// Version 1 files are read with their lost count made unknown where their read had not
// completed (see upgradeResult).
//
// Version 3: a point may have been measured several times (`repeat: N`): each repetition is a
// Result of its own with Repetition set, in its own file (RepetitionFile), listed under its
// point's index entry (IndexPoint.Repetitions); the index records the rounds' order and the seed
// that shuffled it (Index.Repeat, Index.OrderSeed, Index.Rounds). A version 3 run without
// repetitions is laid out exactly as version 2 was; version 1 and 2 files read unchanged (no
// repetitions).
const FormatVersion = 3

// Status says whether a point's numbers can be trusted as a whole.
type Status string

// Point statuses.
const (
	StatusOK         Status = "ok"         // the measured phase ran to its end and the audit drained
	StatusIncomplete Status = "incomplete" // interrupted (Ctrl-C) or a bounded wait ran out
	StatusFailed     Status = "failed"     // no measurement (topic refused, cluster gone ...); see Error
)

// Environment records where a number came from, so a chart can say it in its caption.
type Environment struct {
	KbenchVersion     string `json:"kbench_version"`
	KbenchCommit      string `json:"kbench_commit"`
	LibrdkafkaVersion string `json:"librdkafka_version"`
	KafkaVersion      string `json:"kafka_version"` // as reported by the cluster (ApiVersions / broker metadata) or the local jars
	Brokers           int    `json:"brokers"`
	Bootstrap         string `json:"bootstrap"`
	LocalCluster      bool   `json:"local_cluster"`
	HostCores         int    `json:"host_cores"`
	HostMemoryBytes   uint64 `json:"host_memory_bytes"`
	HostOS            string `json:"host_os"`
	// BrokerStorage is what the brokers' data folders were on ("" unknown: a remote cluster). On
	// kbench's power-loss filesystem every flush cost is measured on the simulated filesystem.
	BrokerStorage string `json:"broker_storage,omitempty"`
	// EligibleLeaderReplicas says whether KIP-966's ELR was on (nil: not known).
	EligibleLeaderReplicas *bool `json:"eligible_leader_replicas,omitempty"`
}

// EffectiveSettings are the settings as applied and read back, not as asked for.
type EffectiveSettings struct {
	Topic             string                       `json:"topic"`
	TopicConfig       map[string]string            `json:"topic_config"`       // DescribeConfigs of the topic, non-default and swept keys
	ReplicationFactor int                          `json:"replication_factor"` // read back from metadata
	Partitions        int                          `json:"partitions"`
	BrokerConfig      map[string]map[string]string `json:"broker_config"`   // broker id -> swept broker keys read back
	ProducerConfig    map[string]string            `json:"producer_config"` // as handed to the producer client, in the seam's (librdkafka's) names (secrets redacted)
	ConsumerConfig    map[string]string            `json:"consumer_config"` // as handed to the measuring consumers' client, likewise

	// The client library each of the point's clients ran on: its producers, its measuring
	// consumers (live, worker processes or the backlog read) and the audit's verification read.
	// Absent in files written before kbench had a second client: every client was librdkafka then
	// (Environment.LibrdkafkaVersion); see Clients.
	ProducerClient *ClientLibrary `json:"producer_client,omitempty"`
	ConsumerClient *ClientLibrary `json:"consumer_client,omitempty"`
	VerifyClient   *ClientLibrary `json:"verification_read_client,omitempty"`
	// ProducerClientOptions and ConsumerClientOptions are the client's own options as applied,
	// "option=value" lines, for a client that maps the properties above to options of its own
	// (franz-go: kgo options); absent for librdkafka, whose properties are its options.
	ProducerClientOptions []string `json:"producer_client_options,omitempty"`
	ConsumerClientOptions []string `json:"consumer_client_options,omitempty"`
}

// ClientLibrary names a Kafka client library and its version ("librdkafka" "2.11.1",
// "franz-go" "v1.20.0").
type ClientLibrary struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// String is "name version" (the name alone when the version is unknown).
func (c *ClientLibrary) String() string {
	if c.Version == "" {
		return c.Name
	}
	return c.Name + " " + c.Version
}

// LatencySummary is one latency distribution reduced to the numbers people quote, in
// milliseconds (float, so sub-millisecond values survive).
type LatencySummary struct {
	Count    int64   `json:"count"`
	MinMs    float64 `json:"min_ms"`
	MeanMs   float64 `json:"mean_ms"`
	P50Ms    float64 `json:"p50_ms"`
	P75Ms    float64 `json:"p75_ms"`
	P95Ms    float64 `json:"p95_ms"`
	P99Ms    float64 `json:"p99_ms"`
	P999Ms   float64 `json:"p999_ms"`
	P9999Ms  float64 `json:"p9999_ms"`
	MaxMs    float64 `json:"max_ms"`
	Overflow int64   `json:"overflow"` // values above the histogram's range, clamped to its maximum
}

// BytesPerMB is the "MB" of every MB/s kbench prints or stores: 1024*1024 bytes, the unit
// kafka-producer-perf-test and kafka-consumer-perf-test print as "MB/sec", so numbers compare.
const BytesPerMB = 1024 * 1024

// Throughput is counts and rates over the measured phase.
type Throughput struct {
	Records          int64   `json:"records"`
	Bytes            int64   `json:"bytes"`
	RecordsPerSecond float64 `json:"records_per_second"`
	MBPerSecond      float64 `json:"mb_per_second"` // Bytes / BytesPerMB / MeasuredSeconds (MB = 1024*1024 bytes, as kafka-producer-perf-test prints)
}

// HostCPU is how the cores of the machine kbench ran on spent the measured phase, as shares of
// all cores' time (0 to 1, adding up to 1), from /proc/stat. On the local cluster the brokers ran
// there too, so at saturation Idle is near 0 and the split says where the cores went: on a 2-core
// VM whose hypervisor backs guest memory lazily, the slow repetitions spent 50 to 65 % of it in
// the kernel copying into fresh page-cache pages, the fast ones 15 to 45 %.
type HostCPU struct {
	Cores  int     `json:"cores"`
	User   float64 `json:"user"`   // user code (niced included): the client, the brokers' JVMs
	Kernel float64 `json:"kernel"` // system, irq and softirq: system calls (file writes, sockets), page faults
	IOWait float64 `json:"iowait"`
	Steal  float64 `json:"steal"` // taken by the hypervisor for other guests
	Idle   float64 `json:"idle"`
}

// Metrics are the measured phase's numbers. Names say what was measured.
type Metrics struct {
	MeasuredSeconds float64 `json:"measured_seconds"`
	TargetRate      float64 `json:"target_rate"` // msgs/s over all producers; 0 = max (closed loop)

	Sent  Throughput `json:"sent"`  // handed to the client
	Acked Throughput `json:"acked"` // delivery report without error
	// ScheduledAckedPerSecond is set only when the producers fell behind their target: the
	// window's records (by scheduled time) were acknowledged at this rate if counted whenever their
	// acknowledgement came, while acknowledgements arrived in the window at the lower
	// Acked.RecordsPerSecond (and Acked.MBPerSecond), which is then what the cluster delivered.
	ScheduledAckedPerSecond float64    `json:"scheduled_acked_per_second,omitempty"`
	Consumed                Throughput `json:"consumed"` // received by the measuring consumers (group)

	// ProduceLatency is send to delivery report. In rate mode it is measured from the scheduled
	// send time (no coordinated omission); ProduceLatencyRaw is from the actual Produce call.
	// At acks=0 it is enqueue-to-socket only (see ProduceLatencyKind).
	ProduceLatency     LatencySummary `json:"produce_latency"`
	ProduceLatencyRaw  LatencySummary `json:"produce_latency_raw"`
	ProduceLatencyKind string         `json:"produce_latency_kind"` // "send-to-ack", "enqueue-to-socket (acks=0)"
	EndToEndLatency    LatencySummary `json:"end_to_end_latency"`   // send time in the record to consumer receipt
	// EndToEndClock says how EndToEndLatency was taken when producers and consumers ran on
	// several machines (kbench workers) and by how much clock error it may be off (nil: one
	// process, one clock).
	EndToEndClock *EndToEndClock `json:"end_to_end_clock,omitempty"`

	FailedByError  map[string]int64 `json:"failed_by_error"` // Kafka error code name -> count
	ConsumerLagEnd int64            `json:"consumer_lag_end"`
	ConsumerBehind bool             `json:"consumer_behind"` // e2e latency then measures the consumer's backlog
	// ConsumerLag is the consumers' lag through the measured phase against the bound within
	// which end-to-end latency is about Kafka (nil: not tracked, files of older kbench).
	ConsumerLag *ConsumerLagCheck `json:"consumer_lag_check,omitempty"`

	// Backlog is set when the consumers read a backlog after the producers (consume.mode
	// backlog); Consumed is then its rate over the read, not over the measured phase.
	Backlog *BacklogRead `json:"backlog_read,omitempty"`

	// Transactions is set when the point's producers ran transactions (see TxnMetrics).
	Transactions *TxnMetrics `json:"transactions,omitempty"`
	// HostCPU is how the cores of kbench's machine spent the measured phase (nil: not read, files
	// of older kbench, or not Linux).
	HostCPU *HostCPU `json:"host_cpu,omitempty"`
	// LastStableOffsetLag is set when the topic the measuring consumers read is written in
	// transactions (transactional producers, or the copy pipeline's output); see LSOLag.
	LastStableOffsetLag *LSOLag `json:"last_stable_offset_lag,omitempty"`
}

// BacklogRead is how a fresh consumer group caught up with a topic the producers had filled:
// the rate a restarted or new application reads history at, comparable with Kafka's
// ConsumerPerformance (which also reads a filled topic and leaves the group join out).
type BacklogRead struct {
	Records     int64   `json:"records"`      // kbench records read by the group, warmup ones included
	Bytes       int64   `json:"bytes"`        // their value bytes
	JoinSeconds float64 `json:"join_seconds"` // subscribe to the first record (group join and first fetch), left out of the rate
	ReadSeconds float64 `json:"read_seconds"` // first record to the last one
	// CPUSeconds is kbench's process CPU (user+system) during the read; the producers are idle
	// then, so it is the consumers' cost (and librdkafka's threads).
	CPUSeconds float64 `json:"cpu_seconds"`
	Complete   bool    `json:"complete"` // every acknowledged record was read before the drain bound
}

// Audit is the record-level account of a point, judged by record identity (producer, sequence).
type Audit struct {
	Sent            int64   `json:"sent"`
	Acked           int64   `json:"acked"`
	Failed          int64   `json:"failed"`            // definitely not written
	Indeterminate   int64   `json:"indeterminate"`     // timed out / connection lost: may or may not be written
	Consumed        int64   `json:"consumed"`          // unique records read back in the verification read
	Lost            *int64  `json:"lost"`              // acked but never read back; null (unknown) when the verification read did not complete
	Duplicates      int64   `json:"duplicates"`        // a record identity at more than one offset
	OutOfOrder      int64   `json:"out_of_order"`      // a producer's sequence went backwards within a partition
	UnackedConsumed int64   `json:"unacked_consumed"`  // read back but never acked: failed, indeterminate or no report
	ConsumedNotSent int64   `json:"consumed_not_sent"` // read back but not sent by this point's producers (foreign or corrupt identity)
	DrainTimedOut   bool    `json:"drain_timed_out"`   // the verification read's bound ran out
	DrainSeconds    float64 `json:"drain_seconds"`     // how long the verification read took
	// VerificationRead says whether the read reached every partition's high watermark and, when
	// it did not, how far it got. Lost is known only when it completed: a record not read yet is
	// not a lost record. Nil: no audit (the point failed before measuring).
	VerificationRead *VerificationRead `json:"verification_read,omitempty"`
	// ReadCPUSeconds is kbench's process CPU (user+system) during the verification read: what
	// the audit costs on the client, which Kafka's perf tools do not pay (they read nothing back).
	ReadCPUSeconds float64 `json:"read_cpu_seconds,omitempty"`

	// Set by the runner beside Reconcile's counts.
	FailedButConsumed         int64 `json:"failed_but_consumed,omitempty"`                   // reported definitely failed, yet read back: a misclassified error
	IndeterminateConsumed     int64 `json:"indeterminate_consumed,omitempty"`                // indeterminate sends that were in fact written
	IdempotenceEnabled        bool  `json:"idempotence_enabled,omitempty"`                   // enable.idempotence=true as applied
	DuplicatesDefect          bool  `json:"duplicates_are_defect,omitempty"`                 // duplicates > 0 although idempotence was on
	VerifiedAfterFaultsHealed bool  `json:"verification_read_after_faults_healed,omitempty"` // every fault had healed before the read began

	// Transactions is set when the point's producers ran transactions (see TxnAudit).
	Transactions *TxnAudit `json:"transactions,omitempty"`
}

// VerificationRead is how far the audit's read-back got.
type VerificationRead struct {
	Complete bool `json:"complete"` // every partition was read to the high watermark taken when the read began
	// Stopped says why an incomplete read stopped: interrupted, the bound ran out, an error, or
	// skipped (interrupted before the read began).
	Stopped     string `json:"stopped,omitempty"`
	Attempts    int    `json:"attempts"`     // more than 1 when a retryable error made it start over (fresh metadata)
	RecordsRead int64  `json:"records_read"` // this point's records observed, duplicates included
	// OffsetsRead and OffsetsToRead sum over the partitions whose high watermark was known:
	// offsets read from the start offset on, and the high watermark minus the start offset.
	OffsetsRead   int64 `json:"offsets_read"`
	OffsetsToRead int64 `json:"offsets_to_read"`
	// AckedNotReadBack is how many acknowledged records the read had not seen when it stopped: an
	// upper bound on the lost records of an incomplete read, not a count of lost records.
	AckedNotReadBack int64           `json:"acked_not_read_back"`
	Partitions       []PartitionRead `json:"partitions,omitempty"`
	// OpenTransactions are the transactions the cluster held open, when an incomplete
	// read_committed read stopped, on the partitions it did not finish (DescribeProducers,
	// KIP-664): what holds their last stable offset back. TransactionsChecked says whether
	// they were asked ("" when not: the read completed, was interrupted or was not
	// read_committed): "none open" or "not checked: <why>" when the list is empty.
	OpenTransactions    []OpenTransaction `json:"open_transactions,omitempty"`
	TransactionsChecked string            `json:"transactions_checked,omitempty"`
}

// OpenTransaction is one producer's transaction held open on a partition, with what its
// transaction coordinator knows of it. Hanging says no coordinator will ever end it (the
// coordinator does not know the producer id, has moved on to another epoch, has finished the
// transaction, or does not list the partition): only an abort by hand lets the last stable
// offset pass it.
type OpenTransaction struct {
	Partition     int32      `json:"partition"`
	ProducerID    int64      `json:"producer_id"`
	ProducerEpoch int16      `json:"producer_epoch"`
	StartOffset   int64      `json:"start_offset"`         // first offset of the open transaction
	LastWrite     *time.Time `json:"last_write,omitempty"` // the producer's last write there; absent: not known
	// TransactionalID and CoordinatorState are the coordinator's transactional.id holding this
	// producer id and its state; both absent when no coordinator knows the producer id.
	TransactionalID  string `json:"transactional_id,omitempty"`
	CoordinatorState string `json:"coordinator_state,omitempty"`
	Hanging          bool   `json:"hanging"`
	// NowMapsTo gives the point's transactional.ids the coordinator knows, with the producer id
	// each holds now (when no coordinator knows this transaction's producer id).
	NowMapsTo map[string]int64 `json:"now_maps_to,omitempty"`
	// AbortCommand is Kafka's command that aborts a hanging transaction (kbench never runs it).
	AbortCommand string `json:"abort_command,omitempty"`
}

// PartitionRead is how far the verification read got in one partition.
type PartitionRead struct {
	Partition     int32 `json:"partition"`
	StartOffset   int64 `json:"start_offset"`   // first offset read (0 on a fresh topic)
	ReachedOffset int64 `json:"reached_offset"` // next offset the read would have read
	HighWatermark int64 `json:"high_watermark"` // -1: not known (the read failed before)
}

// Percent is the share of the offsets to read that were read, 0 to 100 (100 when complete).
func (v *VerificationRead) Percent() float64 {
	switch {
	case v == nil:
		return 0
	case v.Complete:
		return 100
	case v.OffsetsToRead <= 0:
		return 0
	}
	return 100 * float64(v.OffsetsRead) / float64(v.OffsetsToRead)
}

// ReadComplete says the verification read reached every high watermark, so Lost is known.
func (a *Audit) ReadComplete() bool {
	return a.VerificationRead != nil && a.VerificationRead.Complete && a.Lost != nil
}

// LostCount is the number of acknowledged records never read back, and whether it is known.
func (a *Audit) LostCount() (int64, bool) {
	if a.Lost == nil {
		return 0, false
	}
	return *a.Lost, true
}

// NoneLost says the audit is complete and found no lost record; an unknown count is not none.
func (a *Audit) NoneLost() bool {
	n, ok := a.LostCount()
	return ok && n == 0
}

// LostText is the lost count for tables and progress lines: the number, "unknown" when the
// verification read did not complete, "-" when there was no audit (nothing measured).
func (a *Audit) LostText() string {
	if n, ok := a.LostCount(); ok {
		return strconv.FormatInt(n, 10)
	}
	if a.VerificationRead == nil {
		return "-"
	}
	return "unknown"
}

// ReadSummary says in a few words how the verification read went, e.g. "complete in 1.4 s" or
// "incomplete (interrupted) at 41 %: 120000 records read, 3 of 6 partitions at their high
// watermark; loss unknown".
func (a *Audit) ReadSummary() string {
	v := a.VerificationRead
	switch {
	case v == nil:
		return "not run"
	case v.Complete:
		s := fmt.Sprintf("complete in %.1f s", a.DrainSeconds)
		if v.Attempts > 1 {
			s += fmt.Sprintf(" (%d attempts)", v.Attempts)
		}
		return s
	}
	why := v.Stopped
	if why == "" {
		why = "stopped"
	}
	s := fmt.Sprintf("incomplete (%s)", why)
	if v.Attempts == 0 {
		return s + "; loss unknown" // never started
	}
	if v.OffsetsToRead > 0 {
		s += fmt.Sprintf(" at %.0f %%", math.Floor(v.Percent()))
	}
	s += fmt.Sprintf(": %d records read", v.RecordsRead)
	if n := len(v.Partitions); n > 0 {
		at := 0
		for _, p := range v.Partitions {
			if p.HighWatermark >= 0 && p.ReachedOffset >= p.HighWatermark {
				at++
			}
		}
		s += fmt.Sprintf(", %d of %d partitions at their high watermark", at, n)
	}
	if t := v.transactionsSummary(); t != "" {
		s += "; " + t
	}
	return s + "; loss unknown"
}

// transactionsSummary is the open transactions an incomplete read found, in a few words ("":
// not asked).
func (v *VerificationRead) transactionsSummary() string {
	if len(v.OpenTransactions) == 0 {
		if v.TransactionsChecked == "" {
			return ""
		}
		return "open transactions: " + v.TransactionsChecked
	}
	var parts []string
	for _, o := range v.OpenTransactions {
		kind := "open transaction"
		if o.Hanging {
			kind = "HANGING transaction"
		}
		parts = append(parts, fmt.Sprintf("%s on partition %d from offset %d (producer %d)", kind, o.Partition, o.StartOffset, o.ProducerID))
	}
	return strings.Join(parts, ", ")
}

// Second is one row of the per-second time series of the measured phase.
type Second struct {
	Offset            float64 `json:"offset_seconds"` // since the start of the measured phase
	SentPerSecond     float64 `json:"sent_per_second"`
	AckedPerSecond    float64 `json:"acked_per_second"`
	ConsumedPerSecond float64 `json:"consumed_per_second"`
	ProduceP99Ms      float64 `json:"produce_p99_ms"`
	EndToEndP99Ms     float64 `json:"end_to_end_p99_ms"`
	ConsumerLag       int64   `json:"consumer_lag"`
	Errors            int64   `json:"errors"`
}

// Result is everything kbench knows about one point. One JSON file per point.
type Result struct {
	FormatVersion int               `json:"format_version"`
	RunID         string            `json:"run_id"`
	Profile       string            `json:"profile"`
	Point         profiles.Point    `json:"point"`
	Status        Status            `json:"status"`
	Error         string            `json:"error,omitempty"`
	Notes         []string          `json:"notes,omitempty"`
	Start         time.Time         `json:"start"`
	End           time.Time         `json:"end"`
	Environment   Environment       `json:"environment"`
	Effective     EffectiveSettings `json:"effective_settings"`
	Metrics       Metrics           `json:"metrics"`
	Audit         Audit             `json:"audit"`
	Series        []Second          `json:"series"`
	// Histograms holds each full-phase histogram in HdrHistogram's compressed V2 Base64 encoding,
	// keyed "produce", "produce_raw", "end_to_end", "send_delay" (see HistProduce ...); values in
	// microseconds.
	Histograms map[string]string `json:"histograms"`

	// Availability is how long producers went without an acknowledgement, overall and after
	// each fault. Faults is the fault schedule and what happened (nil: no faults). ConsumerAudit
	// is the consumer group's account across worker crashes (nil: consumers ran in-process).
	Availability  *Availability  `json:"availability,omitempty"`
	Faults        *FaultReport   `json:"faults,omitempty"`
	ConsumerAudit *ConsumerAudit `json:"consumer_audit,omitempty"`
	// CopyAudit is the copy pipeline's account (nil: pipeline direct). See CopyAudit.
	CopyAudit *CopyAudit `json:"copy_audit,omitempty"`

	// Search is the capacity search of a `rate: search` point: every trial and the confirmed
	// sustainable rate (nil: a fixed-rate point). See SearchReport.
	Search *SearchReport `json:"rate_search,omitempty"`

	// Repetition says which measurement of its point this is when the point was measured more
	// than once (`repeat: N`); nil: the point's only measurement.
	Repetition *Repetition `json:"repetition,omitempty"`
	// Warmup is how the point's warmup ended (a fixed minimum, then at steady state; nil in
	// files written before kbench recorded it). See WarmupReport.
	Warmup *WarmupReport `json:"warmup,omitempty"`

	// FixedLoad is set on a level's fixed-load point (latency: in the profile): its offered rate
	// and how it was derived. Latency charts and the recommendation use these points' latencies.
	FixedLoad *FixedLoad `json:"fixed_load,omitempty"`
	// Fleet is how the point was split over `kbench worker` processes (nil: one process).
	Fleet *FleetReport `json:"fleet,omitempty"`
	// FsyncProbe is the disk's fdatasync rate measured just before a point that forces flushes or
	// powers brokers off, on a local cluster (nil: not measured).
	FsyncProbe *FsyncProbe `json:"fsync_probe,omitempty"`
}

// FleetReport is a point measured by several kbench workers: each worker's share, its clock
// offset to the coordinator with the uncertainty, and the workers whose share is missing.
type FleetReport struct {
	Workers []FleetWorker `json:"workers"`
	// Lost lists the workers whose result never came (died, lost the cluster): their share of
	// the target rate is missing from the measured rates, which count only the others.
	Lost []int `json:"lost_workers,omitempty"`
	// EndToEnd says how end-to-end latency is handled across machines.
	EndToEnd string `json:"end_to_end"`
}

// EndToEndClock is how end-to-end latency was measured across kbench workers, whose clocks
// differ: every record's send time was put on the consuming worker's clock with the two
// workers' offsets to the coordinator (estimated when they joined: lowest of the round trips),
// so the figure is off by at most UncertaintyMs either way (the sum of the two workers' offset
// uncertainties, the largest pair). SameWorker is the subset that needs no correction: records
// a worker both produced and consumed (one clock).
type EndToEndClock struct {
	Method        string         `json:"method"`
	UncertaintyMs float64        `json:"clock_uncertainty_ms"`
	SameWorker    LatencySummary `json:"same_worker_latency"`
}

// EndToEndClockCorrected is EndToEndClock.Method when send times were offset-corrected.
const EndToEndClockCorrected = "offset-corrected: send time put on the consuming worker's clock with both workers' offsets to the coordinator"

// Label is what every shown end-to-end figure of the point carries: "± 9.0 ms clock".
func (c *EndToEndClock) Label() string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("± %.1f ms clock", c.UncertaintyMs)
}

// FleetWorker is one worker's share of a point and what became of it.
type FleetWorker struct {
	Index         int     `json:"index"`
	Producers     int     `json:"producers"`
	FirstID       uint32  `json:"first_producer_id"`
	Rate          int     `json:"target_rate"` // records/s; 0: max rate
	Acked         int64   `json:"acked"`
	Consumers     int     `json:"consumers,omitempty"` // its members of the point's consumer group
	Consumed      int64   `json:"consumed,omitempty"`  // records they read in the measured phase
	ClockOffsetMs float64 `json:"clock_offset_ms"`     // coordinator = worker + offset
	UncertaintyMs float64 `json:"clock_uncertainty_ms"`
	Status        Status  `json:"status"` // its own share's status; "lost" when no result came
	Error         string  `json:"error,omitempty"`
}

// FsyncProbe is how many small appends, each followed by fdatasync, the disk under the local
// cluster took per second: the ceiling of flush.messages=1 on that disk.
type FsyncProbe struct {
	Folder             string  `json:"folder"` // where the probe file was (the cluster folder, on the real disk)
	AppendBytes        int     `json:"append_bytes"`
	Syncs              int     `json:"syncs"`
	Seconds            float64 `json:"seconds"`
	FdatasyncPerSecond float64 `json:"fdatasync_per_second"`
}

// Availability is what faults cost producers in time, measured from a 10 ms timeline of
// successful acknowledgements over all producers (warmup and drain included).
type Availability struct {
	TimelineResolutionMs float64 `json:"ack_timeline_resolution_ms"`
	// LongestNoAckSeconds is the longest stretch of the measured phase without a single
	// successful acknowledgement.
	LongestNoAckSeconds float64 `json:"longest_no_ack_seconds"`
	// AfterFault has one entry per fault that fired, in firing order.
	AfterFault []FaultImpact `json:"after_fault,omitempty"`
}

// FaultImpact is what one fault cost, from the moment it fired until the next fault fired (or
// the timeline ended).
type FaultImpact struct {
	Fault               string  `json:"fault"`          // the fault in its flag form
	OffsetSeconds       float64 `json:"offset_seconds"` // when it fired, since the start of the measured phase
	Target              string  `json:"target_node"`    // what it hit, e.g. "broker 2"
	LongestNoAckSeconds float64 `json:"longest_no_ack_seconds"`
	// PreFaultAckedPerSecond is the acknowledgement rate over the 5 s before the fault.
	PreFaultAckedPerSecond float64 `json:"pre_fault_acked_per_second"`
	// RecoverySeconds is the time from the fault until the end of the first one-second window,
	// after the rate first fell below 90 % of the pre-fault rate, whose rate is back at 90 %; 0
	// when it never fell; -1 when it was not back before the timeline ended (see Recovered).
	RecoverySeconds float64          `json:"recovery_to_90pct_seconds"`
	Recovered       bool             `json:"recovered"`
	FailedByError   map[string]int64 `json:"failed_by_error,omitempty"` // failed sends in this window, by error name
}

// FaultReport is the fault schedule of a point and what happened when it ran.
type FaultReport struct {
	Schedule []profiles.Fault `json:"schedule"`
	// Injector says how faults were carried out: "local" (signals to the local cluster's
	// processes by pid) or "remote-commands" (the user's shell commands).
	Injector      string         `json:"injector"`
	Events        []FaultEvent   `json:"events"`
	LeaderChanges []LeaderChange `json:"leader_changes,omitempty"`
	// Healed says every node was back (and every ISR full, where it could be checked) before
	// the verification read.
	Healed     bool   `json:"healed_before_verification"`
	HealDetail string `json:"heal_detail,omitempty"`
}

// FaultEvent is one step of a fault: the injection or the heal, with what ran and what came out.
// ScheduledOffsetSeconds is when the step was due (an inject: its place in the schedule; a heal:
// the inject's actual start plus the fault's "for"); StartOffsetSeconds is when it really began
// (the signal or command went out). The two differ when a step ran late.
type FaultEvent struct {
	Fault                  string  `json:"fault"`               // the fault in its flag form
	Step                   string  `json:"step"`                // "inject" or "heal"
	Operation              string  `json:"operation"`           // kill, start, pause, resume, restart, kill-consumer, start-consumer
	NodeRole               string  `json:"node_role"`           // broker, controller, consumer
	NodeID                 int     `json:"node_id"`             // broker or controller id, consumer index
	Partition              *int    `json:"partition,omitempty"` // for a leader target: the partition whose leader was hit
	ScheduledOffsetSeconds float64 `json:"scheduled_offset_seconds"`
	StartOffsetSeconds     float64 `json:"start_offset_seconds"`
	DurationSeconds        float64 `json:"duration_seconds"`
	Command                string  `json:"command"`               // the command run, or the signal and pid
	ExitStatus             int     `json:"exit_status"`           // 0 on success; -1 when it could not run or timed out
	OutputTail             string  `json:"output_tail,omitempty"` // the end of a command's output
	Error                  string  `json:"error,omitempty"`
	// Leaders is partition -> leader broker id (-1: none): for an inject, from a metadata request
	// just before it; for a heal, the leadership poll's last answer during the fault (absent when
	// no poll answered then: a heal never waits for metadata).
	Leaders map[string]int `json:"partition_leaders_before,omitempty"`
	// NodeIDs are the brokers a power loss of several hit at one instant (NodeID is then -1).
	NodeIDs []int `json:"node_ids,omitempty"`
	// UnsyncedBytesDropped is, for a power-loss inject on kbench's power-loss filesystem, broker
	// id -> the bytes written but not fsync'ed that its disk forgot. Absent when not known (a
	// remote cluster's power-loss command): never read an absent figure as zero.
	UnsyncedBytesDropped map[string]int64 `json:"unsynced_bytes_dropped,omitempty"`
	// UnsyncedSegmentBytesDropped is the part of UnsyncedBytesDropped in the log segments of the
	// point's topic (where its records live; the rest is indexes, checkpoints, the metadata log
	// copy and other topics).
	UnsyncedSegmentBytesDropped map[string]int64 `json:"unsynced_log_segment_bytes_dropped,omitempty"`
}

// LeaderChange is a change of a partition's leader seen by the once-a-second metadata poll.
type LeaderChange struct {
	OffsetSeconds float64 `json:"offset_seconds"`
	Partition     int     `json:"partition"`
	From          int     `json:"from_leader"` // -1: none
	To            int     `json:"to_leader"`   // -1: none
}

// ConsumerAudit is the consumer group's account when consumers ran as separate worker
// processes that faults could kill: what the application processed, judged by record identity
// against the verification read. It is separate from broker-side loss (Audit.Lost).
type ConsumerAudit struct {
	CommitMode string `json:"commit_mode"` // auto or after-processing
	// ProcessingDelayMs is how long after polling a worker "processes" a record (an asynchronous
	// pipeline), the window in which an auto-commit can get ahead of processing.
	ProcessingDelayMs float64 `json:"processing_delay_ms"`
	Workers           int     `json:"workers"`
	Crashes           int     `json:"crashes"`
	Processed         int64   `json:"processed"`        // processing events, redeliveries included
	ProcessedUnique   int64   `json:"processed_unique"` // distinct record identities processed
	// Redelivered counts processing events beyond the first for an identity: work done twice
	// because offsets were committed after it was processed and a crash came in between.
	Redelivered int64 `json:"redelivered"`
	// Skipped counts records in the topic (verification read) the group never processed:
	// committed before they were processed, then the worker crashed.
	Skipped int64 `json:"skipped"`
	// CaughtUp says the group's committed offsets reached every partition's end (bounded wait).
	CaughtUp bool `json:"caught_up"`
	// Duplicated counts records whose effect is visible more than once downstream (nil: not
	// measured, older files). With the copy pipeline it is the records read_committed readers
	// see more than once in the output; a redelivery inside an aborted transaction is work
	// redone, not a duplicate.
	Duplicated *int64 `json:"duplicated,omitempty"`
}

// CopyAudit is the copy pipeline's account (pipeline: copy): copier worker processes read the
// producers' topic with read_committed and write each record to the output topic in
// transactions that also commit their consumed offsets. The promise is exactly once: every
// acknowledged input record appears once in the output as read_committed readers see it,
// across copier kills and restarts, and nothing a fenced copier (a zombie) wrote after its
// replacement took over ever becomes visible. Output figures come from the point's
// verification read of the output topic with read_committed.
type CopyAudit struct {
	InputTopic  string `json:"input_topic"`
	OutputTopic string `json:"output_topic"`
	Copiers     int    `json:"copiers"` // copier slots (workload.consumers)
	// TxnTimeoutMs is the copiers' transaction.timeout.ms (0: not recorded, older files): a copier
	// paused longer than this has its open transaction aborted by the coordinator.
	TxnTimeoutMs int `json:"transaction_timeout_ms,omitempty"`
	Instances    int `json:"instances"` // copier processes started (replacements included)
	Kills        int `json:"kills"`     // copiers SIGKILLed by faults
	Zombies      int `json:"zombies"`   // copiers paused while a replacement took over, then resumed
	Pauses       int `json:"pauses"`    // copiers paused and resumed without a replacement
	// RestartsAfterError counts copiers that ended on their own (an abortable or fatal
	// transaction error: they exit and are replaced, resuming from the committed offsets).
	RestartsAfterError int `json:"restarts_after_error"`
	// RestartReasons says, per such restart, which copier process ended and why.
	RestartReasons []string `json:"restart_reasons,omitempty"`
	// ZombiesFenced counts zombies that, once resumed, reported being fenced (or exited) within
	// the bound; ZombieExits names how each ended.
	ZombiesFenced int      `json:"zombies_fenced"`
	ZombieExits   []string `json:"zombie_exits,omitempty"`

	// What the copiers reported: transactions committed and aborted, fatal errors (fenced
	// included), records copied in transactions (redeliveries included), commit latency (from
	// sending the offsets to the commit's return: what ending a transaction costs).
	TxnCommitted  int64          `json:"transactions_committed"`
	TxnAborted    int64          `json:"transactions_aborted"`
	TxnFenced     int64          `json:"transactions_fenced"`
	CopyEvents    int64          `json:"copy_events"`
	Redelivered   int64          `json:"redelivered"` // copy events beyond the first per record identity
	CommitLatency LatencySummary `json:"commit_latency"`

	// Against the producers' ledgers, by record identity (producer id, sequence): Missing
	// acknowledged input records not in the output (nil: unknown, the read did not complete),
	// Duplicates output records read more than once, AbortedVisible records of aborted input
	// transactions visible in the output, ZombieVisible output records a copier wrote after it
	// was made a zombie (named in ZombieVisibleExamples).
	OutputRead            int64    `json:"output_records_read"`
	Missing               *int64   `json:"missing,omitempty"`
	Duplicates            int64    `json:"duplicates"`
	AbortedVisible        int64    `json:"aborted_visible"`
	ZombieVisible         int64    `json:"zombie_visible"`
	ZombieVisibleExamples []string `json:"zombie_visible_examples,omitempty"`
	// ExactlyOnce is the verdict: the read completed and nothing is missing, duplicated,
	// aborted-but-visible or zombie-visible.
	ExactlyOnce bool `json:"exactly_once"`
}
