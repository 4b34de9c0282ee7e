package librdkafka

import (
	"context"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// Admin is a librdkafka admin client.
type Admin struct{ a *kafka.AdminClient }

// NewAdmin creates an admin client from librdkafka properties.
func NewAdmin(cfg map[string]string) (*Admin, error) {
	a, err := kafka.NewAdminClient(ConfigMap(cfg))
	if err != nil {
		return nil, wrap(err)
	}
	return &Admin{a: a}, nil
}

// Metadata asks the cluster for metadata.
func (a *Admin) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	md, err := a.a.GetMetadata(topic, all, int(timeout/time.Millisecond))
	if err != nil {
		return nil, wrap(err)
	}
	return fromMetadata(md), nil
}

func topicResults(res []kafka.TopicResult, err error) ([]driver.TopicResult, error) {
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]driver.TopicResult, len(res))
	for i, r := range res {
		out[i] = driver.TopicResult{Topic: r.Topic, Error: toError(r.Error)}
	}
	return out, nil
}

// CreateTopics creates topics (or, validate-only, checks that they could be).
func (a *Admin) CreateTopics(ctx context.Context, topics []driver.TopicSpec, o driver.AdminOptions) ([]driver.TopicResult, error) {
	specs := make([]kafka.TopicSpecification, len(topics))
	for i, t := range topics {
		specs[i] = kafka.TopicSpecification{Topic: t.Topic, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor, Config: t.Config}
	}
	opts := []kafka.CreateTopicsAdminOption{kafka.SetAdminValidateOnly(o.ValidateOnly)}
	if o.OperationTimeout > 0 {
		opts = append(opts, kafka.SetAdminOperationTimeout(o.OperationTimeout))
	}
	return topicResults(a.a.CreateTopics(ctx, specs, opts...))
}

// DeleteTopics deletes topics.
func (a *Admin) DeleteTopics(ctx context.Context, topics []string, o driver.AdminOptions) ([]driver.TopicResult, error) {
	var opts []kafka.DeleteTopicsAdminOption
	if o.OperationTimeout > 0 {
		opts = append(opts, kafka.SetAdminOperationTimeout(o.OperationTimeout))
	}
	return topicResults(a.a.DeleteTopics(ctx, topics, opts...))
}

func configResources(rs []driver.ConfigResource) []kafka.ConfigResource {
	out := make([]kafka.ConfigResource, len(rs))
	for i, r := range rs {
		out[i] = kafka.ConfigResource{Type: kafka.ResourceType(r.Type), Name: r.Name}
		for _, e := range r.Config {
			op := kafka.AlterConfigOpTypeSet
			if e.Op == driver.AlterDelete {
				op = kafka.AlterConfigOpTypeDelete
			}
			out[i].Config = append(out[i].Config, kafka.ConfigEntry{Name: e.Name, Value: e.Value, IncrementalOperation: op})
		}
	}
	return out
}

func configResults(res []kafka.ConfigResourceResult, err error) ([]driver.ConfigResourceResult, error) {
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]driver.ConfigResourceResult, len(res))
	for i, r := range res {
		cfg := make(map[string]driver.ConfigEntryResult, len(r.Config))
		for k, e := range r.Config {
			cfg[k] = driver.ConfigEntryResult{Name: e.Name, Value: e.Value, Source: driver.ConfigSource(e.Source), IsDefault: e.IsDefault}
		}
		out[i] = driver.ConfigResourceResult{Type: driver.ResourceType(r.Type), Name: r.Name, Config: cfg, Error: toError(r.Error)}
	}
	return out, nil
}

// DescribeConfigs reads resources' configurations.
func (a *Admin) DescribeConfigs(ctx context.Context, resources []driver.ConfigResource) ([]driver.ConfigResourceResult, error) {
	return configResults(a.a.DescribeConfigs(ctx, configResources(resources)))
}

// IncrementalAlterConfigs sets or deletes single entries.
func (a *Admin) IncrementalAlterConfigs(ctx context.Context, resources []driver.ConfigResource, o driver.AdminOptions) ([]driver.ConfigResourceResult, error) {
	return configResults(a.a.IncrementalAlterConfigs(ctx, configResources(resources), kafka.SetAdminValidateOnly(o.ValidateOnly)))
}

// AlterGroupOffsets commits offsets for an empty group; the first per-partition error is
// returned.
func (a *Admin) AlterGroupOffsets(ctx context.Context, group string, offsets []driver.TopicPartition) error {
	res, err := a.a.AlterConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{Group: group, Partitions: topicPartitions(offsets)}})
	if err != nil {
		return wrap(err)
	}
	for _, g := range res.ConsumerGroupsTopicPartitions {
		for _, tp := range g.Partitions {
			if tp.Error != nil {
				return wrap(tp.Error)
			}
		}
	}
	return nil
}

// Close closes the client.
func (a *Admin) Close() { a.a.Close() }

var _ driver.EndOffsetLister = (*Admin)(nil)

// EndOffsets lists the topic's end offsets (AdminClient.ListOffsets, latest, at the isolation
// level asked for: read_committed answers the last stable offset).
func (a *Admin) EndOffsets(ctx context.Context, topic string, partitions int, readCommitted bool) ([]int64, error) {
	req := make(map[kafka.TopicPartition]kafka.OffsetSpec, partitions)
	for p := range partitions {
		req[kafka.TopicPartition{Topic: &topic, Partition: int32(p)}] = kafka.LatestOffsetSpec
	}
	iso := kafka.IsolationLevelReadUncommitted
	if readCommitted {
		iso = kafka.IsolationLevelReadCommitted
	}
	res, err := a.a.ListOffsets(ctx, req, kafka.SetAdminIsolationLevel(iso))
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]int64, partitions)
	found := make([]bool, partitions)
	for tp, info := range res.ResultInfos {
		if tp.Topic == nil || *tp.Topic != topic || tp.Partition < 0 || int(tp.Partition) >= partitions {
			continue
		}
		if info.Error.Code() != kafka.ErrNoError {
			return nil, fmt.Errorf("end offset of %s/%d: %w", topic, tp.Partition, toError(info.Error))
		}
		out[tp.Partition], found[tp.Partition] = int64(info.Offset), true
	}
	for p, ok := range found {
		if !ok {
			return nil, fmt.Errorf("end offset of %s/%d: not in the answer", topic, p)
		}
	}
	return out, nil
}
