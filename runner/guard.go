package runner

// The session's side of the guards in package safety (probe, preflight, topic names, lease):
// the point's topic and consumer group, named with the prefix and the run id, deleted only when
// this run created it, and an existing topic's settings never touched.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/safety"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
)

// The guards' sentinel errors live in package safety; these aliases keep errors.Is working for
// callers that name them through runner.
var (
	ErrAuthFailed             = safety.ErrAuthFailed
	ErrNotPermitted           = safety.ErrNotPermitted
	ErrBrokerConfigNotAllowed = safety.ErrBrokerConfigNotAllowed
	ErrNotOurTopic            = safety.ErrNotOurTopic
	ErrBadInput               = safety.ErrBadInput
	ErrBrokersDown            = safety.ErrBrokersDown
	ErrLeaseHeld              = safety.ErrLeaseHeld
)

// DefaultTopicPrefix starts every topic name kbench creates unless --topic-prefix says otherwise
// (see safety.DefaultTopicPrefix).
const DefaultTopicPrefix = safety.DefaultTopicPrefix

// groupFor is the fresh consumer group of one point: named like the point's topic, so it carries
// the prefix (ACLs on a shared cluster are often by prefix) and the run id.
func (s *session) groupFor(p profiles.Point) string {
	return safety.TopicName(s.opts.topicPrefix(), s.runID, p.ID)
}

// warn reports a warning to the run's events.
func (s *session) warn(format string, args ...any) {
	s.opts.events().Message(events.Message{Warning: true, Text: fmt.Sprintf(format, args...)})
}

// topicLease is the topic a point measures on and how to give it back.
type topicLease struct {
	name       string
	partitions int
	existing   bool
	start      []int64 // existing topic: each partition's end offset before the point produced
}

// acquireTopic creates the point's fresh topic, or, with --existing-topic, checks that topic and
// notes where its partitions end (the audit reads from there, so older records are not ours).
func (s *session) acquireTopic(ctx context.Context, p profiles.Point) (*topicLease, error) {
	if name := s.opts.ExistingTopic; name != "" {
		parts, err := s.existingPartitions(name)
		if err != nil {
			return nil, err
		}
		l := &topicLease{name: name, partitions: parts, existing: true}
		if l.start, err = endOffsets(s.conn, name, parts); err != nil {
			return nil, err
		}
		if p.Workload.Consumers > 0 {
			if err := s.startGroupAt(ctx, s.groupFor(p), name, l.start); err != nil {
				return nil, err
			}
		}
		return l, nil
	}
	name := safety.TopicName(s.opts.topicPrefix(), s.runID, p.ID)
	parts := max(1, p.Workload.Partitions)
	if err := safety.CreateTopic(ctx, s.admin, name, parts, p.TopicReplicationFactor(), p.TopicConfig()); err != nil {
		var ke driver.Error
		if errors.As(err, &ke) && ke.Code() == driver.ErrTopicAlreadyExists {
			return nil, fmt.Errorf("%w: %s already exists, and kbench uses only topics it creates: run `kbench clean --run %s` if a crashed kbench left it, or choose another --topic-prefix: %w", ErrNotOurTopic, name, s.runID, err)
		}
		return nil, err
	}
	if s.created == nil {
		s.created = map[string]bool{}
	}
	s.created[name] = true
	return &topicLease{name: name, partitions: parts}, nil
}

// release deletes the point's topic if, and only if, this run created it.
func (s *session) release(l *topicLease) error {
	if l == nil || l.existing {
		return nil
	}
	if !s.created[l.name] {
		return fmt.Errorf("%w: refusing to delete %s", ErrNotOurTopic, l.name)
	}
	if err := safety.DeleteTopic(s.admin, l.name); err != nil {
		return err
	}
	delete(s.created, l.name)
	return nil
}

// endOffsets reads every partition's high watermark.
func endOffsets(conn connection, topic string, partitions int) ([]int64, error) {
	c, err := clientDriver.NewConsumer(verifyConsumerConfig(conn, clientDriver.Name(), "kbench-offsets"))
	if err != nil {
		return nil, fmt.Errorf("offsets consumer: %w", err)
	}
	defer closeBounded(func() { _ = c.Close() }, 10*time.Second)
	out := make([]int64, partitions)
	for p := range out {
		_, hi, err := c.QueryWatermarks(topic, int32(p), metadataTimeout)
		if err != nil {
			return nil, fmt.Errorf("end offset of %s/%d: %w", topic, p, err)
		}
		out[p] = hi
	}
	return out, nil
}

// producerIDBase is the first producer id of a point. On a fresh topic it is 0; on an existing
// topic it is random (below 2^30, so ids stay positive as int32), which marks this point's records
// among anyone else's: the audit counts only records with the point's producer ids.
func (s *session) producerIDBase() uint32 {
	if s.opts.ExistingTopic == "" {
		return 0
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:]) % (1 << 30)
}

// startGroupAt commits the point's fresh consumer group at the given offsets, so its consumers
// begin exactly where the point's records will begin on an existing topic: neither the topic's
// older records nor, as auto.offset.reset=latest would, the point's first ones.
func (s *session) startGroupAt(ctx context.Context, group, topic string, offsets []int64) error {
	tps := make([]driver.TopicPartition, len(offsets))
	for p, o := range offsets {
		tps[p] = driver.TopicPartition{Topic: topic, Partition: int32(p), Offset: o}
	}
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	var err error
	for {
		err = s.admin.AlterGroupOffsets(cctx, group, tps)
		// The group coordinator may still be loading or moving (a fresh cluster creates
		// __consumer_offsets on first use): retry those within the bound.
		var ke driver.Error
		if err == nil || !errors.As(err, &ke) || cctx.Err() != nil || !(ke.IsRetriable() || ke.Code() == driver.ErrNotCoordinator ||
			ke.Code() == driver.ErrCoordinatorLoadInProgress || ke.Code() == driver.ErrCoordinatorNotAvailable) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		if safety.IsAuthz(err) {
			return fmt.Errorf("%w: %s may not commit offsets for consumer group %s: %v", ErrNotPermitted, s.conn.safe().User(), group, err)
		}
		return fmt.Errorf("start consumer group %s at the end of %s: %w", group, topic, err)
	}
	return nil
}

// localBrokers is the local cluster's brokers and whether their processes live (nil: no local
// cluster), for the census.
func localBrokers(cl *cluster.Cluster) []safety.LocalBroker {
	if cl == nil {
		return nil
	}
	var out []safety.LocalBroker
	for _, n := range cl.Brokers() {
		st := n.State()
		out = append(out, safety.LocalBroker{ID: n.ID, PID: n.PID, Dead: st == cluster.StateDown, Paused: st == cluster.StatePaused})
	}
	return out
}

// takeLease takes the lease on every broker setting the points change, before the first change;
// refused (ErrLeaseHeld) with one line naming the holder. Points that change no broker setting
// need none.
func (s *session) takeLease(ctx context.Context, points []profiles.Point) error {
	keys, static := safety.LeaseKeys(points)
	if len(keys) == 0 {
		return nil
	}
	rec := safety.NewClaim(s.runID, keys, static, s.rec.Path)
	topic := safety.LeaseTopic(s.opts.TopicPrefix)
	l, err := safety.AcquireLease(ctx, clientDriver, s.admin, s.conn.safe(), topic, rec, len(s.brokers), s.warn)
	if err != nil {
		return err
	}
	s.lease = l
	s.rec.File.LeaseTopic = topic
	return nil
}

// resolveConnection picks the bootstrap servers and the client config's properties (see
// safety.ResolveConn).
func resolveConnection(bootstrap string, cc *kafkaconf.ClientConfig) (connection, error) {
	c, err := safety.ResolveConn(bootstrap, cc)
	return connection{bootstrap: c.Bootstrap, props: c.Props}, err
}

// preflight checks, before anything changes on the cluster, that the points can run here (see
// safety.Preflight).
func (s *session) preflight(ctx context.Context, points []profiles.Point) error {
	pf := safety.Preflight{
		Admin: s.admin, Conn: s.conn.safe(), Brokers: s.brokers, LocalBrokers: localBrokers(s.opts.Cluster), Local: s.ctl().Local(),
		RunID: s.runID, TopicPrefix: s.opts.topicPrefix(), ExistingTopic: s.opts.ExistingTopic, OutDir: s.opts.OutDir,
		AllowBrokerConfig: s.opts.AllowBrokerConfig, Warn: s.warn,
		ProducerConfig: func(p profiles.Point) map[string]string { return producerConfig(s.conn, p, "check") },
	}
	return pf.Check(ctx, points)
}

// existingPartitions checks that the --existing-topic exists and returns its partition count.
func (s *session) existingPartitions(name string) (int, error) {
	return safety.ExistingPartitions(s.admin, name)
}
