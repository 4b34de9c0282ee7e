package safety

// Preflight: before anything changes on the cluster, check that the points can run here, and say
// in one line why not (brokers down, no permission, a profile that does not fit).

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/profiles"
)

// Sentinel errors of the preflight; cmd/kbench maps them to exit codes.
var (
	// ErrBadPoints says the profile does not fit the cluster (replication factor above the
	// brokers, settings the brokers refuse, messages above their limits).
	ErrBadPoints = errors.New("profile does not fit the cluster")
	// ErrNotPermitted says the user may not do what the profile needs (create topics, alter
	// broker configs); nothing was changed.
	ErrNotPermitted = errors.New("not permitted")
	// ErrBrokerConfigNotAllowed says points change broker settings on a cluster kbench did not
	// start, without --allow-broker-config.
	ErrBrokerConfigNotAllowed = errors.New("broker settings would change")
)

// Preflight is what the checks before a sweep need: the cluster, the run's names, and what the
// user allowed.
type Preflight struct {
	Admin        driver.Admin
	Conn         Conn
	Brokers      []driver.BrokerMetadata // as the first metadata listed them
	LocalBrokers []LocalBroker           // the local cluster's brokers (nil: none)
	Local        bool                    // the cluster is one kbench started (it may change broker settings)
	RunID        string
	TopicPrefix  string
	// ExistingTopic is --existing-topic ("": kbench creates a topic per point).
	ExistingTopic     string
	OutDir            string // where the restore file goes ("": none)
	AllowBrokerConfig bool
	// ProducerConfig is a point's producer configuration (its message.max.bytes limits the
	// message size).
	ProducerConfig func(profiles.Point) map[string]string
	Warn           func(format string, args ...any)
}

// brokerIDs are the brokers' ids as strings, the names of their config resources.
func brokerIDs(brokers []driver.BrokerMetadata) []string {
	ids := make([]string, len(brokers))
	for i, b := range brokers {
		ids[i] = strconv.Itoa(int(b.ID))
	}
	return ids
}

// recordOverhead is a generous bound on what a record adds to its value in a record batch (batch
// header, record framing, kbench's 16-byte key), for the message size check.
const recordOverhead = 128

// librdkafkaMessageMax is librdkafka's default message.max.bytes, the producer's own limit.
const librdkafkaMessageMax = 1000000

// Check checks, before anything changes on the cluster, that the points can run here: brokers
// that are down (checkBrokersUp), replication factor against the broker count, --existing-topic
// rules, permission to alter broker configs (and --allow-broker-config) and to create the topics,
// and the largest message against the brokers' and topics' limits. Permission checks use
// validate-only requests: the broker authorizes and validates them and changes nothing.
func (s Preflight) Check(ctx context.Context, points []profiles.Point) error {
	if s.ExistingTopic != "" {
		if err := s.checkExistingTopicPoints(points); err != nil {
			return err
		}
		if _, err := ExistingPartitions(s.Admin, s.ExistingTopic); err != nil {
			return err
		}
	} else {
		if err := s.checkBrokersUp(points); err != nil {
			return err
		}
		if err := profiles.CheckAgainstCluster(points, len(s.Brokers)); err != nil {
			return fmt.Errorf("%w: %w", ErrBadPoints, err)
		}
	}
	if err := s.checkBrokerConfigAllowed(ctx, points); err != nil {
		return err
	}
	if s.ExistingTopic == "" {
		if err := s.checkCreateTopics(ctx, points); err != nil {
			return err
		}
	}
	return s.checkMessageSize(ctx, points)
}

// checkExistingTopicPoints refuses points that set topic settings or a replication factor: on an
// existing topic they cannot be applied, and kbench never alters a topic it did not create.
func (s Preflight) checkExistingTopicPoints(points []profiles.Point) error {
	var bad []string
	for _, p := range points {
		keys := slices.Sorted(maps.Keys(p.TopicConfig()))
		if p.Settings.ReplicationFactor != nil {
			keys = append(keys, "replication.factor")
		}
		if len(keys) > 0 {
			bad = append(bad, fmt.Sprintf("%s (%s)", p.ID, strings.Join(keys, ", ")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: --existing-topic %s: kbench sweeps no topic settings on a topic it did not create, but these points set them: %s; use a profile that sweeps only client or broker settings",
			ErrBadPoints, s.ExistingTopic, strings.Join(bad, "; "))
	}
	s.Warn("--existing-topic %s: topic settings are the topic's own (read back where permitted, never changed); kbench produces and audits only its own records there and never deletes the topic", s.ExistingTopic)
	return nil
}

// checkBrokerConfigAllowed refuses broker setting changes on a cluster kbench did not start
// without --allow-broker-config, and checks with a validate-only request that the user may make
// them.
func (s Preflight) checkBrokerConfigAllowed(ctx context.Context, points []profiles.Point) error {
	var first map[string]string
	keys := map[string]bool{}
	for _, p := range points {
		cfg := p.BrokerDynamicConfig()
		if len(cfg) > 0 && first == nil {
			first = cfg
		}
		for k := range cfg {
			keys[k] = true
		}
	}
	if len(keys) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(keys))
	if !s.Local && !s.AllowBrokerConfig {
		return fmt.Errorf("%w: the profile changes broker settings (%s) cluster-wide on %s, a cluster kbench did not start: pass --allow-broker-config to allow it (each change is restored after its point, and a restore file for `kbench restore` is written first)",
			ErrBrokerConfigNotAllowed, strings.Join(names, ", "), s.Conn.Bootstrap)
	}
	if s.OutDir == "" && !s.Local {
		return fmt.Errorf("%w: broker settings (%s) change only with a results folder, where the restore file goes", ErrBrokerConfigNotAllowed, strings.Join(names, ", "))
	}
	ids := brokerIDs(s.Brokers)
	if len(ids) == 0 {
		return nil
	}
	entries := make([]driver.ConfigEntry, 0, len(first))
	for _, k := range slices.Sorted(maps.Keys(first)) {
		entries = append(entries, driver.ConfigEntry{Name: k, Value: first[k], Op: driver.AlterSet})
	}
	cctx, cancel := context.WithTimeout(ctx, AdminTimeout)
	defer cancel()
	res, err := s.Admin.IncrementalAlterConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: ids[0], Config: entries}}, driver.AdminOptions{ValidateOnly: true})
	if err == nil {
		for _, r := range res {
			if r.Error.Code() != driver.ErrNoError {
				err = r.Error
			}
		}
	}
	if err != nil {
		if IsAuthz(err) {
			return fmt.Errorf("%w: %s may not alter broker configs (%s) on %s: %v; nothing was changed (it needs ALTER_CONFIGS on the cluster, or use a profile without broker settings)",
				ErrNotPermitted, s.Conn.User(), strings.Join(names, ", "), s.Conn.Bootstrap, err)
		}
		return fmt.Errorf("%w: broker settings %s refused by broker %s: %v", ErrBadPoints, kafkaconf.FormatConfig(first), ids[0], err)
	}
	return nil
}

// checkCreateTopics asks the cluster, validate-only, to create each point's topic: it checks the
// permission, the replication factor and the topic configs without creating anything.
func (s Preflight) checkCreateTopics(ctx context.Context, points []profiles.Point) error {
	seen := map[string]bool{}
	for _, p := range points {
		spec := driver.TopicSpec{
			Topic: TopicName(s.TopicPrefix, s.RunID, p.ID), NumPartitions: max(1, p.Workload.Partitions),
			ReplicationFactor: p.TopicReplicationFactor(), Config: p.TopicConfig(),
		}
		key := fmt.Sprintf("%d/%d/%s", spec.NumPartitions, spec.ReplicationFactor, kafkaconf.FormatConfig(spec.Config))
		if seen[key] {
			continue
		}
		seen[key] = true
		cctx, cancel := context.WithTimeout(ctx, AdminTimeout)
		res, err := s.Admin.CreateTopics(cctx, []driver.TopicSpec{spec}, driver.AdminOptions{ValidateOnly: true, OperationTimeout: AdminTimeout})
		cancel()
		if err == nil {
			err = TopicResultErr("create", res)
		}
		if err == nil {
			continue
		}
		var ke driver.Error
		switch {
		case IsAuthz(err):
			return fmt.Errorf("%w: %s may not create topics on %s: %v; nothing was changed (it needs CREATE on topics prefixed %q, or run with --existing-topic NAME on a topic it may write)",
				ErrNotPermitted, s.Conn.User(), s.Conn.Bootstrap, err, s.TopicPrefix)
		case errors.As(err, &ke) && ke.Code() == driver.ErrTopicAlreadyExists:
			return fmt.Errorf("%w: %s already exists; kbench uses only topics it creates", ErrNotOurTopic, spec.Topic)
		case errors.As(err, &ke) && (ke.Code() == driver.ErrInvalidReplicationFactor || ke.Code() == driver.ErrInvalidConfig ||
			ke.Code() == driver.ErrInvalidPartitions || ke.Code() == driver.ErrPolicyViolation || ke.Code() == driver.ErrInvalidRequest):
			return fmt.Errorf("%w: point %s: %v", ErrBadPoints, p.ID, err)
		case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ke) && ke.Code() == driver.ErrRequestTimedOut:
			return fmt.Errorf("%w: check topic creation for point %s (validate-only, %d partitions, replication factor %d): no answer within %s from the broker the metadata names as controller or from the KRaft controller it forwards to; %s",
				ErrTopicTimeout, p.ID, spec.NumPartitions, spec.ReplicationFactor, AdminTimeout, ListedBrokers(s.Admin))
		default:
			return fmt.Errorf("check topic creation for point %s: %w", p.ID, err)
		}
	}
	return nil
}

// checkMessageSize compares the largest message of every point with the limits that would
// reject it: the topic's max.message.bytes (a fresh topic's comes from the profile or the
// brokers' message.max.bytes; an existing topic's is read) and the producer's message.max.bytes.
func (s Preflight) checkMessageSize(ctx context.Context, points []profiles.Point) error {
	var brokerMax int64 = -1
	var existingMax int64 = -1
	readBroker := func() int64 {
		if brokerMax >= 0 || len(s.Brokers) == 0 {
			return brokerMax
		}
		m, err := DescribeBrokers(ctx, s.Admin, s.Brokers[:1], []string{"message.max.bytes"})
		if err != nil {
			s.Warn("could not read the brokers' message.max.bytes (%v): message sizes not checked against it", err)
			brokerMax = 0
			return 0
		}
		for _, bm := range m {
			brokerMax, _ = strconv.ParseInt(bm["message.max.bytes"], 10, 64)
		}
		return brokerMax
	}
	if t := s.ExistingTopic; t != "" {
		cctx, cancel := context.WithTimeout(ctx, AdminTimeout)
		res, err := s.Admin.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceTopic, Name: t}})
		cancel()
		if err == nil {
			for _, r := range res {
				if r.Error.Code() != driver.ErrNoError {
					err = r.Error
				} else if e, ok := r.Config["max.message.bytes"]; ok {
					existingMax, _ = strconv.ParseInt(e.Value, 10, 64)
				}
			}
		}
		if existingMax < 0 {
			s.Warn("could not read max.message.bytes of %s (%v): message sizes not checked against it", t, err)
		}
	}
	for _, p := range points {
		size := int64(max(p.Workload.MessageSizeMax, p.Workload.MessageSizeMin)) + recordOverhead
		limit, what := int64(0), ""
		switch {
		case existingMax > 0:
			limit, what = existingMax, "max.message.bytes of topic "+s.ExistingTopic
		case p.TopicConfig()["max.message.bytes"] != "":
			limit, _ = strconv.ParseInt(p.TopicConfig()["max.message.bytes"], 10, 64)
			what = "the profile's topic max.message.bytes"
		case s.ExistingTopic == "":
			limit, what = readBroker(), "the brokers' message.max.bytes (the default of a new topic's max.message.bytes)"
		}
		if limit > 0 && size > limit {
			return fmt.Errorf("%w: point %s sends messages of up to %d bytes (%d with record overhead), above %s = %d: the brokers would reject them; lower message.size or raise the limit",
				ErrBadPoints, p.ID, size-recordOverhead, size, what, limit)
		}
		clientMax := int64(librdkafkaMessageMax)
		if v, err := strconv.ParseInt(s.ProducerConfig(p)["message.max.bytes"], 10, 64); err == nil {
			clientMax = v
		}
		if size > clientMax {
			return fmt.Errorf("%w: point %s sends messages of up to %d bytes (%d with record overhead), above the producer's message.max.bytes = %d: set message.max.bytes in the profile's producer properties",
				ErrBadPoints, p.ID, size-recordOverhead, size, clientMax)
		}
	}
	return nil
}

// checkBrokersUp takes a fresh census of the cluster (bounded by MetadataTimeout) and refuses
// points the brokers that are up cannot carry; it warns when brokers are missing but every point
// fits (the points then run on a degraded cluster).
func (s Preflight) checkBrokersUp(points []profiles.Point) error {
	md, err := s.Admin.Metadata(nil, true, MetadataTimeout)
	if err != nil {
		return fmt.Errorf("%w: no metadata from %s within %s: %v", ErrUnreachable, s.Conn.Bootstrap, MetadataTimeout, err)
	}
	c := TakeCensus(md, s.LocalBrokers, RefusingBrokers(md.Brokers))
	if err := c.Check(points); err != nil {
		return err
	}
	if miss := c.Missing(); len(miss) > 0 {
		s.Warn("brokers %s of %s are not up (%s): the points run on a degraded cluster", JoinIDs(miss), JoinIDs(c.Known()), c.DescribeMissing())
	}
	return nil
}

// ExistingPartitions checks that the --existing-topic exists and returns its partition count.
func ExistingPartitions(a Admin, name string) (int, error) {
	md, err := a.Metadata(&name, false, MetadataTimeout)
	if err != nil {
		return 0, fmt.Errorf("metadata of --existing-topic %s: %w", name, err)
	}
	t, ok := md.Topics[name]
	if !ok || t.Error.Code() != driver.ErrNoError || len(t.Partitions) == 0 {
		why := "it does not exist"
		if ok && t.Error.Code() != driver.ErrNoError {
			why = t.Error.String()
		}
		return 0, fmt.Errorf("%w: --existing-topic %s: %s", ErrBadPoints, name, why)
	}
	return len(t.Partitions), nil
}
