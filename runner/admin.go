package runner

import (
	"github.com/kbench/kbench/safety"

	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/kbench/kbench/driver"
)

// adminAPI is the part of driver.Admin the runner's topic and broker-settings code uses. It is
// an interface of its own so the settings restore logic can be tested against a fake that
// records every call.
type adminAPI interface {
	CreateTopics(ctx context.Context, topics []driver.TopicSpec, o driver.AdminOptions) ([]driver.TopicResult, error)
	DeleteTopics(ctx context.Context, topics []string, o driver.AdminOptions) ([]driver.TopicResult, error)
	DescribeConfigs(ctx context.Context, resources []driver.ConfigResource) ([]driver.ConfigResourceResult, error)
	IncrementalAlterConfigs(ctx context.Context, resources []driver.ConfigResource, o driver.AdminOptions) ([]driver.ConfigResourceResult, error)
	Metadata(topic *string, allTopics bool, timeout time.Duration) (*driver.Metadata, error)
}

// Bounded waits for admin work. A gone cluster must turn into an error, never a hang.
const (
	adminTimeout    = 30 * time.Second // one admin request (create, delete, describe, alter)
	metadataTimeout = 10 * time.Second // one metadata request; also the bootstrap reachability check
	cleanupTimeout  = 30 * time.Second // restore + delete after a point, even after Ctrl-C
)

// ErrUnreachable says the bootstrap servers did not answer a metadata request in time.
var ErrUnreachable = errors.New("kafka cluster unreachable")

// checkReachable asks for cluster metadata with a bounded wait and returns the broker count.
func checkReachable(a adminAPI, bootstrap string) (*driver.Metadata, error) {
	md, err := a.Metadata(nil, false, metadataTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: no metadata from %s within %s: %v", ErrUnreachable, bootstrap, metadataTimeout, err)
	}
	if len(md.Brokers) == 0 {
		return nil, fmt.Errorf("%w: %s answered with no brokers", ErrUnreachable, bootstrap)
	}
	return md, nil
}

// topicResultErr turns the per-topic results of a create or delete into one error.
func topicResultErr(op string, res []driver.TopicResult) error {
	for _, r := range res {
		if r.Error.Code() != driver.ErrNoError {
			return fmt.Errorf("%s topic %s: %w", op, r.Topic, r.Error)
		}
	}
	return nil
}

// ErrTopicTimeout says the cluster did not create a topic (or elect its leaders) in time: a
// broker or the controller is down or stuck, and the next point would wait the same way.
var ErrTopicTimeout = errors.New("topic creation timed out")

// createTopic creates a fresh topic and waits (bounded) until every partition has a leader. A
// timeout says what it waited for and which brokers the metadata lists, never a bare "context
// deadline exceeded".
func createTopic(ctx context.Context, a adminAPI, name string, partitions, rf int, cfg map[string]string) error {
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	res, err := a.CreateTopics(cctx, []driver.TopicSpec{{
		Topic: name, NumPartitions: partitions, ReplicationFactor: rf, Config: cfg,
	}}, driver.AdminOptions{OperationTimeout: adminTimeout})
	if err == nil {
		err = topicResultErr("create", res)
	}
	var ke driver.Error
	timedOut := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ke) && ke.Code() == driver.ErrRequestTimedOut)
	switch {
	case timedOut:
		return fmt.Errorf("%w: create topic %s (%d partitions, replication factor %d): no answer within %s from the broker the metadata names as controller or from the KRaft controller it forwards to; %s",
			ErrTopicTimeout, name, partitions, rf, adminTimeout, listedBrokers(a))
	case err != nil && !errors.As(err, &ke):
		return fmt.Errorf("create topic %s: %w", name, err)
	case err != nil:
		return err // topicResultErr named the topic
	}
	deadline := time.Now().Add(adminTimeout)
	for {
		md, err := a.Metadata(&name, false, metadataTimeout)
		if err == nil {
			if t, ok := md.Topics[name]; ok && t.Error.Code() == driver.ErrNoError && len(t.Partitions) == partitions && allLeaders(t) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: topic %s created but its partitions had no leader within %s; %s", ErrTopicTimeout, name, adminTimeout, listedBrokers(a))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// listedBrokers says which brokers the cluster's metadata lists right now (bounded: a few
// seconds), for timeout messages.
func listedBrokers(a adminAPI) string {
	md, err := a.Metadata(nil, false, 5*time.Second)
	if err != nil {
		return fmt.Sprintf("metadata did not answer either (%v): is the cluster down?", err)
	}
	ids := make([]int, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		ids = append(ids, int(b.ID))
	}
	sort.Ints(ids)
	return fmt.Sprintf("the metadata lists brokers %s now: is a broker or the controller down?", safety.JoinIDs(ids))
}

func allLeaders(t driver.TopicMetadata) bool {
	for _, p := range t.Partitions {
		if p.Leader < 0 || p.Error.Code() != driver.ErrNoError {
			return false
		}
	}
	return true
}

// deleteTopic deletes a topic this run created. It uses its own bounded context so that it also
// runs after Ctrl-C.
func deleteTopic(a adminAPI, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	res, err := a.DeleteTopics(ctx, []string{name}, driver.AdminOptions{OperationTimeout: cleanupTimeout})
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	return topicResultErr("delete", res)
}

// describeTopic reads a topic's configuration back: every entry that is not at its default,
// plus every key in swept (the keys the point asked for), and replication factor and partition
// count from metadata (the smallest replica set over all partitions).
func describeTopic(ctx context.Context, a adminAPI, name string, swept map[string]string) (cfg map[string]string, rf, partitions int, err error) {
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	var res []driver.ConfigResourceResult
	for {
		res, err = a.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceTopic, Name: name}})
		if err != nil {
			return nil, 0, 0, fmt.Errorf("describe topic %s configs: %w", name, err)
		}
		// A topic just created may not have reached the broker that answers yet: retry
		// (bounded by cctx) rather than fail the point.
		if len(res) == 0 || res[0].Error.Code() != driver.ErrUnknownTopicOrPart || cctx.Err() != nil {
			break
		}
		select {
		case <-cctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	cfg = map[string]string{}
	for _, r := range res {
		if r.Error.Code() != driver.ErrNoError {
			return nil, 0, 0, fmt.Errorf("describe topic %s configs: %w", name, r.Error)
		}
		for k, e := range r.Config {
			if _, ok := swept[k]; ok || !e.IsDefault {
				cfg[k] = e.Value
			}
		}
	}
	for _, k := range []string{"min.insync.replicas", "unclean.leader.election.enable", "flush.messages", "flush.ms"} {
		if _, ok := cfg[k]; !ok {
			for _, r := range res {
				if e, ok := r.Config[k]; ok {
					cfg[k] = e.Value
				}
			}
		}
	}
	md, err := a.Metadata(&name, false, metadataTimeout)
	if err != nil {
		return cfg, 0, 0, fmt.Errorf("metadata of topic %s: %w", name, err)
	}
	t := md.Topics[name]
	rf = -1
	for _, p := range t.Partitions {
		if rf < 0 || len(p.Replicas) < rf {
			rf = len(p.Replicas)
		}
	}
	if rf < 0 {
		rf = 0
	}
	return cfg, rf, len(t.Partitions), nil
}

// savedSetting is how to put one dynamic broker setting of one broker back.
type savedSetting struct {
	Broker string
	Key    string
	Value  string
	Had    bool // the broker had a per-broker dynamic value; false: delete it to restore
}

// brokerRestore undoes applyBrokerDynamic. It is safe to call more than once.
type brokerRestore struct {
	a     adminAPI
	saved []savedSetting
	done  bool
	// onRestored runs after every setting was put back (removes the restore file); nil: nothing.
	onRestored func()
	hint       string // added to a restore error: how else to restore (the restore file)
}

// applyBrokerDynamic sets cfg as a dynamic per-broker value on every broker (brokers are ids),
// after reading each broker's current per-broker dynamic values. Kafka's cluster-wide default
// (the empty-named broker resource) would be the natural place, but librdkafka refuses an empty
// resource name; the cluster-wide flush settings may also be set per broker, and setting them on
// every broker has the same effect for the point. The returned restore puts the previous values
// back; it is returned even when setting failed part-way, so the caller's deferred restore undoes
// whatever was applied. With an empty cfg it does nothing and needs no cluster. beforeChange, if
// not nil, receives what the restore will put back before anything changes (the restore file); if
// it fails, nothing is changed.
func applyBrokerDynamic(ctx context.Context, a adminAPI, brokers []string, cfg map[string]string, beforeChange func([]savedSetting) error) (*brokerRestore, error) {
	r := &brokerRestore{a: a}
	if len(cfg) == 0 {
		r.done = true
		return r, nil
	}
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	for _, b := range brokers {
		res, err := a.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: b}})
		if err != nil {
			return r, fmt.Errorf("read broker %s configs before changing them: %w", b, err)
		}
		current := map[string]driver.ConfigEntryResult{}
		for _, rr := range res {
			if rr.Error.Code() != driver.ErrNoError {
				return r, fmt.Errorf("read broker %s configs before changing them: %w", b, rr.Error)
			}
			for k, e := range rr.Config {
				current[k] = e
			}
		}
		for _, k := range sortedKeys(cfg) {
			e, ok := current[k]
			had := ok && e.Source == driver.ConfigSourceDynamicBroker
			s := savedSetting{Broker: b, Key: k, Had: had}
			if had {
				s.Value = e.Value
			}
			r.saved = append(r.saved, s)
		}
	}
	if beforeChange != nil {
		if err := beforeChange(r.saved); err != nil {
			r.done = true
			return r, err
		}
	}
	for _, b := range brokers {
		entries := make([]driver.ConfigEntry, 0, len(cfg))
		for _, k := range sortedKeys(cfg) {
			entries = append(entries, driver.ConfigEntry{Name: k, Value: cfg[k], Op: driver.AlterSet})
		}
		if err := alterBroker(cctx, a, b, entries); err != nil {
			return r, fmt.Errorf("set broker %s configs %s: %w", b, formatConfig(cfg), err)
		}
	}
	return r, nil
}

// Restore puts back the settings saved by applyBrokerDynamic, with its own bounded context so it
// runs after Ctrl-C and after errors. It tries every broker even when one fails.
func (r *brokerRestore) Restore() error {
	if r == nil || r.done {
		return nil
	}
	r.done = true
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	byBroker := map[string][]driver.ConfigEntry{}
	var order []string
	for _, s := range r.saved {
		if _, ok := byBroker[s.Broker]; !ok {
			order = append(order, s.Broker)
		}
		if s.Had {
			byBroker[s.Broker] = append(byBroker[s.Broker], driver.ConfigEntry{Name: s.Key, Value: s.Value, Op: driver.AlterSet})
		} else {
			byBroker[s.Broker] = append(byBroker[s.Broker], driver.ConfigEntry{Name: s.Key, Op: driver.AlterDelete})
		}
	}
	var errs []error
	for _, b := range order {
		if err := alterBroker(ctx, r.a, b, byBroker[b]); err != nil {
			errs = append(errs, fmt.Errorf("restore broker %s configs (%s): %w; restore them by hand with kafka-configs.sh --alter --entity-type brokers --entity-name %s", b, describeEntries(byBroker[b]), err, b))
		}
	}
	if len(errs) == 0 && r.onRestored != nil {
		r.onRestored()
	}
	if len(errs) > 0 && r.hint != "" {
		errs = append(errs, errors.New(r.hint))
	}
	return errors.Join(errs...)
}

func describeEntries(es []driver.ConfigEntry) string {
	m := map[string]string{}
	for _, e := range es {
		if e.Op == driver.AlterDelete {
			m[e.Name] = "(delete)"
		} else {
			m[e.Name] = e.Value
		}
	}
	return formatConfig(m)
}

func alterBroker(ctx context.Context, a adminAPI, broker string, entries []driver.ConfigEntry) error {
	res, err := a.IncrementalAlterConfigs(ctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: broker, Config: entries}}, driver.AdminOptions{})
	if err != nil {
		return err
	}
	for _, rr := range res {
		if rr.Error.Code() != driver.ErrNoError {
			return rr.Error
		}
	}
	return nil
}

// describeBrokers reads keys back from every broker (broker id -> key -> value), so the result
// file says what each broker actually ran with.
func describeBrokers(ctx context.Context, a adminAPI, brokers []driver.BrokerMetadata, keys []string) (map[string]map[string]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	m := map[string]map[string]string{}
	for _, b := range brokers {
		// One broker resource per request: librdkafka allows no more.
		name := strconv.Itoa(int(b.ID))
		out, err := a.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: name}})
		if err != nil {
			return nil, fmt.Errorf("describe broker %s configs: %w", name, err)
		}
		for _, r := range out {
			if r.Error.Code() != driver.ErrNoError {
				return nil, fmt.Errorf("describe broker %s configs: %w", r.Name, r.Error)
			}
			bm := map[string]string{}
			for _, k := range keys {
				if e, ok := r.Config[k]; ok {
					bm[k] = e.Value
				}
			}
			m[name] = bm
		}
	}
	return m, nil
}
