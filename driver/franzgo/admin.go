package franzgo

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kbench/kbench/driver"
)

// Admin is a franz-go admin client: the Kafka requests kbench's admin calls need, sent through
// kgo (which routes broker resources to their broker and topic requests to the controller).
type Admin struct {
	cl  *kgo.Client
	adm *kadm.Client
	s   *settings
}

// NewAdmin creates an admin client from librdkafka properties.
func NewAdmin(cfg map[string]string) (*Admin, error) {
	s, err := readSettings(cfg, roleAdmin)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(s.opts...)
	if err != nil {
		return nil, fmt.Errorf("franz-go admin: %w", err)
	}
	return &Admin{cl: cl, adm: kadm.NewClient(cl), s: s}, nil
}

// Effective is the configuration franz-go runs with, as option=value.
func (a *Admin) Effective() map[string]string { return a.s.effective }

// Metadata asks the cluster for metadata.
func (a *Admin) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	return metadata(a.cl, topic, all, timeout)
}

// timeoutMs is the broker-side operation timeout (0: Kafka's 60 s default, as librdkafka).
func timeoutMs(o driver.AdminOptions) int32 {
	if o.OperationTimeout > 0 {
		return int32(o.OperationTimeout / time.Millisecond)
	}
	return 60000
}

// answers sends req and turns each entry of its response into one result: the request-and-answer
// shape every admin call here shares. The error is the request's own (as the driver's error
// classes); each entry carries the broker's answer for that topic or resource.
func answers[Resp kmsg.Response, E, R any](ctx context.Context, cl *kgo.Client, req kmsg.Request, entries func(Resp) []E, result func(E) R) ([]R, error) {
	kresp, err := cl.Request(ctx, req)
	if err != nil {
		return nil, wrap(err)
	}
	resp, ok := kresp.(Resp)
	if !ok {
		return nil, fmt.Errorf("franz-go admin: %s answered with %T", kmsg.NameForKey(req.Key()), kresp)
	}
	in := entries(resp)
	out := make([]R, len(in))
	for i, e := range in {
		out[i] = result(e)
	}
	return out, nil
}

// CreateTopics creates topics (or, validate-only, checks that they could be).
func (a *Admin) CreateTopics(ctx context.Context, topics []driver.TopicSpec, o driver.AdminOptions) ([]driver.TopicResult, error) {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis, req.ValidateOnly = timeoutMs(o), o.ValidateOnly
	for _, t := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = t.Topic, int32(t.NumPartitions), int16(t.ReplicationFactor)
		for k, v := range t.Config {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, kmsg.StringPtr(v)
			rt.Configs = append(rt.Configs, c)
		}
		req.Topics = append(req.Topics, rt)
	}
	return answers(ctx, a.cl, req, func(r *kmsg.CreateTopicsResponse) []kmsg.CreateTopicsResponseTopic { return r.Topics },
		func(t kmsg.CreateTopicsResponseTopic) driver.TopicResult {
			return driver.TopicResult{Topic: t.Topic, Error: codeError(t.ErrorCode, t.ErrorMessage)}
		})
}

// DeleteTopics deletes topics.
func (a *Admin) DeleteTopics(ctx context.Context, topics []string, o driver.AdminOptions) ([]driver.TopicResult, error) {
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = timeoutMs(o)
	for _, t := range topics {
		req.TopicNames = append(req.TopicNames, t)
		rt := kmsg.NewDeleteTopicsRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	return answers(ctx, a.cl, req, func(r *kmsg.DeleteTopicsResponse) []kmsg.DeleteTopicsResponseTopic { return r.Topics },
		func(t kmsg.DeleteTopicsResponseTopic) driver.TopicResult {
			name := ""
			if t.Topic != nil {
				name = *t.Topic
			}
			return driver.TopicResult{Topic: name, Error: codeError(t.ErrorCode, t.ErrorMessage)}
		})
}

// DescribeConfigs reads resources' configurations.
func (a *Admin) DescribeConfigs(ctx context.Context, resources []driver.ConfigResource) ([]driver.ConfigResourceResult, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, r := range resources {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceType(r.Type), r.Name
		req.Resources = append(req.Resources, rr)
	}
	return answers(ctx, a.cl, req, func(r *kmsg.DescribeConfigsResponse) []kmsg.DescribeConfigsResponseResource { return r.Resources },
		func(r kmsg.DescribeConfigsResponseResource) driver.ConfigResourceResult {
			cfg := make(map[string]driver.ConfigEntryResult, len(r.Configs))
			for _, e := range r.Configs {
				v := ""
				if e.Value != nil {
					v = *e.Value
				}
				src := driver.ConfigSource(e.Source)
				cfg[e.Name] = driver.ConfigEntryResult{Name: e.Name, Value: v, Source: src, IsDefault: src == driver.ConfigSourceDefault || e.IsDefault}
			}
			return driver.ConfigResourceResult{Type: driver.ResourceType(r.ResourceType), Name: r.ResourceName, Config: cfg, Error: codeError(r.ErrorCode, r.ErrorMessage)}
		})
}

// IncrementalAlterConfigs sets or deletes single entries.
func (a *Admin) IncrementalAlterConfigs(ctx context.Context, resources []driver.ConfigResource, o driver.AdminOptions) ([]driver.ConfigResourceResult, error) {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.ValidateOnly = o.ValidateOnly
	for _, r := range resources {
		rr := kmsg.NewIncrementalAlterConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceType(r.Type), r.Name
		for _, e := range r.Config {
			c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			c.Name = e.Name
			if e.Op == driver.AlterDelete {
				c.Op = kmsg.IncrementalAlterConfigOpDelete
			} else {
				c.Op, c.Value = kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(e.Value)
			}
			rr.Configs = append(rr.Configs, c)
		}
		req.Resources = append(req.Resources, rr)
	}
	return answers(ctx, a.cl, req, func(r *kmsg.IncrementalAlterConfigsResponse) []kmsg.IncrementalAlterConfigsResponseResource {
		return r.Resources
	},
		func(r kmsg.IncrementalAlterConfigsResponseResource) driver.ConfigResourceResult {
			return driver.ConfigResourceResult{Type: driver.ResourceType(r.ResourceType), Name: r.ResourceName, Error: codeError(r.ErrorCode, r.ErrorMessage)}
		})
}

// AlterGroupOffsets commits offsets for a group without live members; the first per-partition
// error is returned.
func (a *Admin) AlterGroupOffsets(ctx context.Context, group string, offsets []driver.TopicPartition) error {
	os := make(kadm.Offsets)
	for _, tp := range offsets {
		os.Add(kadm.Offset{Topic: tp.Topic, Partition: tp.Partition, At: tp.Offset, LeaderEpoch: -1})
	}
	res, err := a.adm.CommitOffsets(ctx, group, os)
	if err != nil {
		return wrap(err)
	}
	if err := res.Error(); err != nil {
		return wrap(err)
	}
	return nil
}

// Close closes the client.
func (a *Admin) Close() { a.cl.Close() }

var _ driver.EndOffsetLister = (*Admin)(nil)

// EndOffsets lists the topic's end offsets: kadm's ListEndOffsets (read_uncommitted, the high
// watermark) or ListCommittedOffsets (read_committed, the last stable offset).
func (a *Admin) EndOffsets(ctx context.Context, topic string, partitions int, readCommitted bool) ([]int64, error) {
	list := a.adm.ListEndOffsets
	if readCommitted {
		list = a.adm.ListCommittedOffsets
	}
	res, err := list(ctx, topic)
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]int64, partitions)
	for p := range partitions {
		o, ok := res.Lookup(topic, int32(p))
		if !ok {
			return nil, fmt.Errorf("end offset of %s/%d: not in the answer", topic, p)
		}
		if o.Err != nil {
			return nil, fmt.Errorf("end offset of %s/%d: %w", topic, p, toError(o.Err))
		}
		out[p] = o.Offset
	}
	return out, nil
}
