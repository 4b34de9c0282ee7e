package driver

import (
	"context"
	"time"
)

// Admin is the cluster administration kbench does: metadata, its own topics, broker settings
// (read, change and put back), and the start offsets of its consumer groups.
type Admin interface {
	// Metadata asks for brokers and topics (topic nil and all false: brokers only).
	Metadata(topic *string, all bool, timeout time.Duration) (*Metadata, error)
	CreateTopics(ctx context.Context, topics []TopicSpec, o AdminOptions) ([]TopicResult, error)
	DeleteTopics(ctx context.Context, topics []string, o AdminOptions) ([]TopicResult, error)
	DescribeConfigs(ctx context.Context, resources []ConfigResource) ([]ConfigResourceResult, error)
	// IncrementalAlterConfigs sets or deletes single entries (o.ValidateOnly: check only).
	IncrementalAlterConfigs(ctx context.Context, resources []ConfigResource, o AdminOptions) ([]ConfigResourceResult, error)
	// AlterGroupOffsets commits offsets for a group that has no live members.
	AlterGroupOffsets(ctx context.Context, group string, offsets []TopicPartition) error
	Close()
}

// AdminOptions are the options of an admin request.
type AdminOptions struct {
	ValidateOnly     bool          // ask the broker to check, not to do
	OperationTimeout time.Duration // how long the broker waits for the operation (0: its default)
}

// Metadata is the cluster's brokers and the requested topics.
type Metadata struct {
	Brokers []BrokerMetadata
	Topics  map[string]TopicMetadata
}

// BrokerMetadata is one broker as the metadata lists it.
type BrokerMetadata struct {
	ID   int32
	Host string
	Port int
}

// TopicMetadata is one topic's partitions; Error is the topic-level error (ErrNoError: none).
type TopicMetadata struct {
	Topic      string
	Partitions []PartitionMetadata
	Error      Error
}

// PartitionMetadata is one partition's leader and replicas (Leader < 0: none).
type PartitionMetadata struct {
	ID       int32
	Leader   int32
	Replicas []int32
	Isrs     []int32
	Error    Error
}

// TopicSpec is a topic to create.
type TopicSpec struct {
	Topic             string
	NumPartitions     int
	ReplicationFactor int
	Config            map[string]string
}

// TopicResult is the per-topic result of a create or delete (Error's code ErrNoError: done).
type TopicResult struct {
	Topic string
	Error Error
}

// ResourceType is the kind of a config resource (Kafka's numbering).
type ResourceType int8

// The resource types kbench uses.
const (
	ResourceTopic  ResourceType = 2
	ResourceBroker ResourceType = 4
)

// AlterOp is an incremental alter operation (Kafka's numbering).
type AlterOp int8

// The alter operations kbench uses.
const (
	AlterSet    AlterOp = 0
	AlterDelete AlterOp = 1
)

// ConfigResource is a topic or broker (Name: its name or broker id) and, for an alter, the
// entries to change.
type ConfigResource struct {
	Type   ResourceType
	Name   string
	Config []ConfigEntry
}

// ConfigEntry is one entry to alter.
type ConfigEntry struct {
	Name  string
	Value string
	Op    AlterOp
}

// ConfigResourceResult is one resource's described (or altered) configuration.
type ConfigResourceResult struct {
	Type   ResourceType
	Name   string
	Config map[string]ConfigEntryResult
	Error  Error
}

// ConfigSource says where a config value comes from (Kafka's DescribeConfigs numbering).
type ConfigSource int8

// Config sources.
const (
	ConfigSourceUnknown              ConfigSource = 0
	ConfigSourceDynamicTopic         ConfigSource = 1
	ConfigSourceDynamicBroker        ConfigSource = 2
	ConfigSourceDynamicDefaultBroker ConfigSource = 3
	ConfigSourceStaticBroker         ConfigSource = 4
	ConfigSourceDefault              ConfigSource = 5
)

// ConfigEntryResult is one described config entry.
type ConfigEntryResult struct {
	Name      string
	Value     string
	Source    ConfigSource
	IsDefault bool
}

// EndOffsetLister is an Admin that can list a topic's end offsets at either isolation level
// (Kafka's ListOffsets with the latest-offset sentinel): at read_uncommitted the high watermark,
// at read_committed the last stable offset (LSO), the first offset of the oldest transaction
// still open on the partition (the high watermark when none is). A read_committed consumer reads
// only below the LSO, so the difference is what it waits for. Optional (an Admin that cannot
// leaves the LSO lag unmeasured); both shipped drivers implement it. Per second, never per record.
type EndOffsetLister interface {
	// EndOffsets returns the end offset of each of topic's partitions 0..partitions-1, at
	// read_committed (the LSO) or read_uncommitted (the high watermark). An error for any
	// partition fails the whole call: a partial sample would read as a smaller lag.
	EndOffsets(ctx context.Context, topic string, partitions int, readCommitted bool) ([]int64, error)
}

// TransactionInspector is an Admin that can ask the cluster which transactions are open (the
// KIP-664 requests behind Kafka's kafka-transactions tool): what each partition's leader holds
// open, and what the transaction coordinators know. kbench asks only when a read_committed
// verification read did not complete, to name a transaction that holds the last stable offset
// back. Optional: franz-go's admin implements it; confluent-kafka-go has no DescribeProducers.
type TransactionInspector interface {
	// OpenTransactions returns the producers that hold a transaction open on the given
	// partitions of topic (DescribeProducers; producers without an open transaction are left
	// out). An error for any partition fails the call: a partial answer would read as "none open".
	OpenTransactions(ctx context.Context, topic string, partitions []int32) ([]OpenTransaction, error)
	// CoordinatorTransactions returns what the coordinators know of the transactional.ids that
	// now hold any of producerIDs (ListTransactions) and of the transactional.ids txnIDs
	// (DescribeTransactions), one entry per transactional.id; an id the coordinator does not
	// know is left out.
	CoordinatorTransactions(ctx context.Context, producerIDs []int64, txnIDs []string) ([]CoordinatorTransaction, error)
}

// OpenTransaction is one producer's transaction open on one partition, as its leader sees it.
type OpenTransaction struct {
	Partition     int32
	Leader        int32
	ProducerID    int64
	ProducerEpoch int16
	StartOffset   int64     // first offset of the open transaction (the LSO cannot pass it)
	LastWrite     time.Time // the producer's last write to the partition; zero: not known
}

// CoordinatorTransaction is a transaction coordinator's state for one transactional.id.
type CoordinatorTransaction struct {
	TransactionalID string
	Coordinator     int32
	ProducerID      int64
	ProducerEpoch   int16
	State           string // Kafka's name: Empty, Ongoing, PrepareCommit, CompleteAbort, ...
	Partitions      []TopicPartition
}
