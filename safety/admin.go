package safety

// Kafka administration for kbench's own topics: create (waiting, bounded, for every leader),
// delete, and the messages that say what a timeout waited for.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kbench/kbench/driver"
)

// Admin is the part of driver.Admin the topic and broker-settings code uses. It is
// an interface of its own so the settings restore logic can be tested against a fake that
// records every call.
type Admin interface {
	CreateTopics(ctx context.Context, topics []driver.TopicSpec, o driver.AdminOptions) ([]driver.TopicResult, error)
	DeleteTopics(ctx context.Context, topics []string, o driver.AdminOptions) ([]driver.TopicResult, error)
	DescribeConfigs(ctx context.Context, resources []driver.ConfigResource) ([]driver.ConfigResourceResult, error)
	IncrementalAlterConfigs(ctx context.Context, resources []driver.ConfigResource, o driver.AdminOptions) ([]driver.ConfigResourceResult, error)
	Metadata(topic *string, allTopics bool, timeout time.Duration) (*driver.Metadata, error)
}

// Bounded waits for admin work. A gone cluster must turn into an error, never a hang.
const (
	AdminTimeout    = 30 * time.Second // one admin request (create, delete, describe, alter)
	MetadataTimeout = 10 * time.Second // one metadata request; also the bootstrap reachability check
	CleanupTimeout  = 30 * time.Second // restore + delete after a point, even after Ctrl-C
)

// ErrUnreachable says the bootstrap servers did not answer a metadata request in time.
var ErrUnreachable = errors.New("kafka cluster unreachable")

// TopicResultErr turns the per-topic results of a create or delete into one error.
func TopicResultErr(op string, res []driver.TopicResult) error {
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

// CreateTopic creates a fresh topic and waits (bounded) until every partition has a leader. A
// timeout says what it waited for and which brokers the metadata lists, never a bare "context
// deadline exceeded".
func CreateTopic(ctx context.Context, a Admin, name string, partitions, rf int, cfg map[string]string) error {
	cctx, cancel := context.WithTimeout(ctx, AdminTimeout)
	defer cancel()
	res, err := a.CreateTopics(cctx, []driver.TopicSpec{{
		Topic: name, NumPartitions: partitions, ReplicationFactor: rf, Config: cfg,
	}}, driver.AdminOptions{OperationTimeout: AdminTimeout})
	if err == nil {
		err = TopicResultErr("create", res)
	}
	var ke driver.Error
	timedOut := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ke) && ke.Code() == driver.ErrRequestTimedOut)
	switch {
	case timedOut:
		return fmt.Errorf("%w: create topic %s (%d partitions, replication factor %d): no answer within %s from the broker the metadata names as controller or from the KRaft controller it forwards to; %s",
			ErrTopicTimeout, name, partitions, rf, AdminTimeout, ListedBrokers(a))
	case err != nil && !errors.As(err, &ke):
		return fmt.Errorf("create topic %s: %w", name, err)
	case err != nil:
		return err // TopicResultErr named the topic
	}
	deadline := time.Now().Add(AdminTimeout)
	for {
		md, err := a.Metadata(&name, false, MetadataTimeout)
		if err == nil {
			if t, ok := md.Topics[name]; ok && t.Error.Code() == driver.ErrNoError && len(t.Partitions) == partitions && allLeaders(t) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: topic %s created but its partitions had no leader within %s; %s", ErrTopicTimeout, name, AdminTimeout, ListedBrokers(a))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ListedBrokers says which brokers the cluster's metadata lists right now (bounded: a few
// seconds), for timeout messages.
func ListedBrokers(a Admin) string {
	md, err := a.Metadata(nil, false, 5*time.Second)
	if err != nil {
		return fmt.Sprintf("metadata did not answer either (%v): is the cluster down?", err)
	}
	ids := make([]int, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		ids = append(ids, int(b.ID))
	}
	sort.Ints(ids)
	return fmt.Sprintf("the metadata lists brokers %s now: is a broker or the controller down?", JoinIDs(ids))
}

// allLeaders says whether every partition of t has a leader.
func allLeaders(t driver.TopicMetadata) bool {
	for _, p := range t.Partitions {
		if p.Leader < 0 || p.Error.Code() != driver.ErrNoError {
			return false
		}
	}
	return true
}

// DeleteTopic deletes a topic this run created. It uses its own bounded context so that it also
// runs after Ctrl-C.
func DeleteTopic(a Admin, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), CleanupTimeout)
	defer cancel()
	res, err := a.DeleteTopics(ctx, []string{name}, driver.AdminOptions{OperationTimeout: CleanupTimeout})
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	return TopicResultErr("delete", res)
}

// IsAuthz says whether err is one of Kafka's authorization failures.
func IsAuthz(err error) bool {
	var ke driver.Error
	if errors.As(err, &ke) {
		switch ke.Code() {
		case driver.ErrTopicAuthorizationFailed, driver.ErrClusterAuthorizationFailed, driver.ErrGroupAuthorizationFailed,
			driver.ErrTransactionalIDAuthorizationFailed, driver.ErrDelegationTokenAuthorizationFailed:
			return true
		}
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "authorization failed") || strings.Contains(s, "not authorized")
}
