// Package driver is kbench's client seam: what the measuring engine needs from a Kafka client,
// in Go form of OpenMessaging Benchmark's BenchmarkDriver (create a producer, a consumer, an
// admin). The engine imports only this package; an implementation (driver/librdkafka today,
// franz-go next) fills it. The per-record calls (Produce, the delivery handler, Poll) are shaped
// so an implementation need not allocate or lock on kbench's behalf: records go in by pointer,
// delivery results come back through one reused Delivery, polled records into the caller's slice.
package driver

import "time"

// Driver creates clients. cfg holds client properties; today they are librdkafka's property
// names (kafkaconf translates Java names to them), which another driver maps to its own options.
type Driver interface {
	// Name is the driver's short name ("librdkafka"); Version its client library's version.
	Name() string
	Version() string
	NewProducer(cfg map[string]string) (Producer, error)
	NewConsumer(cfg map[string]string) (Consumer, error)
	NewAdmin(cfg map[string]string) (Admin, error)
}

// Record is one record to produce. Key and Value are copied by Produce, so the caller reuses
// them. Partition is the partition the caller chose (kbench picks partitions itself).
type Record struct {
	Topic     string
	Partition int32
	Key       []byte
	Value     []byte
}

// Delivery is the result of producing one record. Key identifies the record (kbench writes its
// sequence into the key); Err's Code is ErrNoError when the record was written at Offset.
type Delivery struct {
	Key       []byte
	Partition int32
	Offset    int64
	Err       Error
}

// DeliveryHandler receives a producer's results on the producer's one delivery goroutine. The
// Delivery is reused: it is valid only during the call.
type DeliveryHandler interface {
	Delivered(d *Delivery)
	// ClientError reports a client-level error not tied to one record (all brokers down,
	// authentication failed, ...).
	ClientError(e Error)
}

// Producer sends records and reports each record's delivery.
type Producer interface {
	// Produce enqueues r for sending. It returns ErrQueueFull (the sentinel, no allocation) when
	// the client's queue is full: the caller waits for deliveries and retries. Produce is not
	// safe for concurrent use (kbench has one sending goroutine per producer).
	Produce(r *Record) error
	// ProduceSync sends r and waits, bounded by timeout, for its delivery; it returns the offset.
	// It is for rare control records (leases), not for measured records.
	ProduceSync(r *Record, timeout time.Duration) (int64, error)
	// Deliveries calls h for every delivery result and client error until Close; run it on one
	// goroutine. It returns when the producer is closed.
	Deliveries(h DeliveryHandler)
	// Purge drops queued and in-flight records without blocking; their results arrive as
	// failures with the ErrPurgeQueue or ErrPurgeInflight code.
	Purge()
	// Metadata asks the cluster for metadata (topic nil: no topic; all: every topic).
	Metadata(topic *string, all bool, timeout time.Duration) (*Metadata, error)
	// Close releases the client; results still outstanding are lost. It may block while the
	// client tears down: callers bound it (see CloseBounded).
	Close()
}

// Message is one consumed record.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Timestamp time.Time
}

// Consumer reads records, in a group (Subscribe) or from assigned partitions (Assign).
type Consumer interface {
	Subscribe(topic string) error
	// Assign reads the given partitions from their Offset (OffsetBeginning, OffsetEnd or an offset).
	Assign(parts []TopicPartition) error
	// Poll waits up to timeout for records and fills batch with as many as are ready, returning
	// how many. A client error ends the batch: the records before it are returned with it.
	Poll(timeout time.Duration, batch []Message) (int, error)
	// StoreOffsets marks offsets as processed, for the next Commit (commit after processing).
	StoreOffsets(offsets []TopicPartition) error
	// Commit commits the stored (or, with auto store, consumed) offsets synchronously.
	Commit() error
	Assignment() ([]TopicPartition, error)
	// Position is the next offset to read per partition (OffsetInvalid when none yet).
	Position(parts []TopicPartition) ([]TopicPartition, error)
	Committed(parts []TopicPartition, timeout time.Duration) ([]TopicPartition, error)
	// CachedWatermarks are the partition's low and high watermarks as the client last saw them
	// (no network call); QueryWatermarks asks the leader.
	CachedWatermarks(topic string, partition int32) (low, high int64, err error)
	QueryWatermarks(topic string, partition int32, timeout time.Duration) (low, high int64, err error)
	Metadata(topic *string, all bool, timeout time.Duration) (*Metadata, error)
	Close() error
}

// Offsets with a meaning of their own (Kafka's ListOffsets sentinels and "no offset").
const (
	OffsetBeginning int64 = -2
	OffsetEnd       int64 = -1
	OffsetInvalid   int64 = -1001
)

// TopicPartition names a partition and an offset in it; Err is a per-partition error.
type TopicPartition struct {
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

// CloseBounded runs a client's Close with a bound: against a gone cluster a client can take long
// to tear down, and a sweep must go on (the client then finishes in the background). It says
// whether Close returned in time.
func CloseBounded(closeFn func(), limit time.Duration) bool {
	done := make(chan struct{})
	go func() { closeFn(); close(done) }()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
