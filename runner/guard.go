package runner

// Guards for running against a shared cluster: fail fast and clearly before anything changes
// (unreachable, wrong password, no permission, a profile that does not fit), name every topic with
// a prefix and the run id, delete only what this run created, and never touch an existing topic's
// settings.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/safety"

	"github.com/kbench/kbench/profiles"
)

// Sentinel errors of the guards; cmd/kbench maps them to exit codes.
var (
	// ErrAuthFailed says the cluster refused the credentials (wrong user or password, mechanism).
	ErrAuthFailed = errors.New("authentication failed")
	// ErrNotPermitted says the user may not do what the profile needs (create topics, alter
	// broker configs); nothing was changed.
	ErrNotPermitted = errors.New("not permitted")
	// ErrBrokerConfigNotAllowed says points change broker settings on a cluster kbench did not
	// start, without --allow-broker-config.
	ErrBrokerConfigNotAllowed = errors.New("broker settings would change")
	// ErrNotOurTopic says kbench was about to use or delete a topic it did not create.
	ErrNotOurTopic = safety.ErrNotOurTopic
	// ErrBadInput says a flag or file is wrong in itself (see safety.ErrBadInput).
	ErrBadInput = safety.ErrBadInput
	// ErrBrokersDown says brokers a point needs are down (see safety.ErrBrokersDown).
	ErrBrokersDown = safety.ErrBrokersDown
)

// probeTimeout bounds the first contact with the cluster; connectTimeout is the per-connection
// setup bound given to that probe (librdkafka's default is 30 s).
const (
	probeTimeout   = metadataTimeout
	connectTimeout = "5000"
	// allDownGrace is how long every bootstrap server may refuse connections before the probe
	// gives up early (a refused connection is definite; a broker restarting takes longer).
	allDownGrace = 2 * time.Second
)

// probe makes the first contact with the cluster through a short-lived producer handle, whose
// error events say within a second or two what librdkafka would otherwise retry forever: a wrong
// password (ErrAuthFailed), a TLS failure or refused connections (ErrUnreachable). It returns the
// cluster's metadata, bounded by probeTimeout.
func probe(conn connection) (*driver.Metadata, error) {
	cfg := conn.base()
	cfg["client.id"], cfg["log_level"] = "kbench-probe", "0"
	if _, ok := cfg["socket.connection.setup.timeout.ms"]; !ok {
		cfg["socket.connection.setup.timeout.ms"] = connectTimeout
	}
	p, err := clientDriver.NewProducer(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", kafkaconf.ErrClientConfig, err)
	}
	type result struct {
		md  *driver.Metadata
		err error
	}
	ch := make(chan result, 1)
	go func() {
		md, err := p.Metadata(nil, false, probeTimeout)
		ch <- result{md, err}
	}()
	events := probeEvents{ch: make(chan driver.Error), stop: make(chan struct{})}
	go p.Deliveries(events)
	consumed := false
	defer func() {
		close(events.stop)
		if consumed {
			p.Close()
			return
		}
		go func() { <-ch; p.Close() }() // never close under a running Metadata
	}()
	deadline := time.NewTimer(probeTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last driver.Error
	var downSince time.Time
	unreachable := func(why string) error {
		detail := ""
		if last.Code() != driver.ErrNoError {
			detail = " (" + last.String() + ")"
		}
		return fmt.Errorf("%w: no broker of %s answered: %s%s", ErrUnreachable, conn.bootstrap, why, detail)
	}
	for {
		select {
		case r := <-ch:
			consumed = true
			if r.err == nil && len(r.md.Brokers) > 0 {
				return r.md, nil
			}
			if last.Code() == driver.ErrAuthentication {
				return nil, authError(conn, last)
			}
			return nil, unreachable(fmt.Sprintf("no metadata within %s", probeTimeout))
		case e := <-events.ch:
			last = e
			switch e.Code() {
			case driver.ErrAuthentication:
				return nil, authError(conn, e)
			case driver.ErrSsl:
				return nil, (unreachable("TLS handshake failed"))
			case driver.ErrAllBrokersDown:
				if downSince.IsZero() {
					downSince = time.Now()
				}
			}
		case <-tick.C:
			if !downSince.IsZero() && time.Since(downSince) >= allDownGrace {
				return nil, (unreachable("every bootstrap server refused or dropped the connection"))
			}
		case <-deadline.C:
			return nil, (unreachable(fmt.Sprintf("no metadata within %s", probeTimeout)))
		}
	}
}

// probeEvents hands the probe producer's client errors to the probe until it stops listening.
type probeEvents struct {
	ch   chan driver.Error
	stop chan struct{}
}

// Delivered ignores deliveries: the probe sends nothing.
func (probeEvents) Delivered(*driver.Delivery) {}

// ClientError passes e to the probe, or drops it once the probe has returned.
func (e probeEvents) ClientError(err driver.Error) {
	select {
	case e.ch <- err:
	case <-e.stop:
	}
}

func authError(conn connection, e driver.Error) error {
	user := conn.props["sasl.username"]
	who := ""
	if user != "" {
		who = " for user " + user
	}
	return fmt.Errorf("%w%s at %s (%s %s): %s; check the password and sasl.mechanism in the client config",
		ErrAuthFailed, who, conn.bootstrap, conn.props["security.protocol"], conn.props["sasl.mechanisms"], e.String())
}

// groupFor is the fresh consumer group of one point: named like the point's topic, so it carries
// the prefix (ACLs on a shared cluster are often by prefix) and the run id.
func (s *session) groupFor(p profiles.Point) string {
	return safety.TopicName(s.opts.topicPrefix(), s.runID, p.ID)
}

// warn prints a line on the progress output (unless quiet).
func (s *session) warn(format string, args ...any) {
	if s.opts.Quiet || s.opts.Progress == nil {
		return
	}
	fmt.Fprintf(s.opts.Progress, "kbench: "+format+"\n", args...)
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
	if err := createTopic(ctx, s.admin, name, parts, p.TopicReplicationFactor(), p.TopicConfig()); err != nil {
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
	if err := deleteTopic(s.admin, l.name); err != nil {
		return err
	}
	delete(s.created, l.name)
	return nil
}

// existingPartitions checks that the --existing-topic exists and returns its partition count.
func (s *session) existingPartitions(name string) (int, error) {
	md, err := s.admin.Metadata(&name, false, metadataTimeout)
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

// endOffsets reads every partition's high watermark.
func endOffsets(conn connection, topic string, partitions int) ([]int64, error) {
	c, err := clientDriver.NewConsumer(verifyConsumerConfig(conn, "kbench-offsets"))
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

// recordOverhead is a generous bound on what a record adds to its value in a record batch (batch
// header, record framing, kbench's 16-byte key), for the message size check.
const recordOverhead = 128

// librdkafkaMessageMax is librdkafka's default message.max.bytes, the producer's own limit.
const librdkafkaMessageMax = 1000000

// preflight checks, before anything changes on the cluster, that the points can run here: brokers
// that are down (checkBrokersUp), replication factor against the broker count, --existing-topic
// rules, permission to alter broker configs (and --allow-broker-config) and to create the topics,
// and the largest message against the brokers' and topics' limits. Permission checks use
// validate-only requests: the broker authorizes and validates them and changes nothing.
func (s *session) preflight(ctx context.Context, points []profiles.Point) error {
	if s.opts.ExistingTopic != "" {
		if err := s.checkExistingTopicPoints(points); err != nil {
			return err
		}
		if _, err := s.existingPartitions(s.opts.ExistingTopic); err != nil {
			return err
		}
	} else {
		if err := s.checkBrokersUp(points); err != nil {
			return err
		}
		if err := profiles.CheckAgainstCluster(points, len(s.brokers)); err != nil {
			return fmt.Errorf("%w: %w", ErrBadPoints, err)
		}
	}
	if err := s.checkBrokerConfigAllowed(ctx, points); err != nil {
		return err
	}
	if s.opts.ExistingTopic == "" {
		if err := s.checkCreateTopics(ctx, points); err != nil {
			return err
		}
	}
	return s.checkMessageSize(ctx, points)
}

// checkExistingTopicPoints refuses points that set topic settings or a replication factor: on an
// existing topic they cannot be applied, and kbench never alters a topic it did not create.
func (s *session) checkExistingTopicPoints(points []profiles.Point) error {
	var bad []string
	for _, p := range points {
		keys := sortedKeys(p.TopicConfig())
		if p.Settings.ReplicationFactor != nil {
			keys = append(keys, "replication.factor")
		}
		if len(keys) > 0 {
			bad = append(bad, fmt.Sprintf("%s (%s)", p.ID, strings.Join(keys, ", ")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: --existing-topic %s: kbench sweeps no topic settings on a topic it did not create, but these points set them: %s; use a profile that sweeps only client or broker settings",
			ErrBadPoints, s.opts.ExistingTopic, strings.Join(bad, "; "))
	}
	s.warn("--existing-topic %s: topic settings are the topic's own (read back where permitted, never changed); kbench produces and audits only its own records there and never deletes the topic", s.opts.ExistingTopic)
	return nil
}

// checkBrokerConfigAllowed refuses broker setting changes on a cluster kbench did not start
// without --allow-broker-config, and checks with a validate-only request that the user may make
// them.
func (s *session) checkBrokerConfigAllowed(ctx context.Context, points []profiles.Point) error {
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
	names := sortedKeys(keys)
	if !s.ctl().Local() && !s.opts.AllowBrokerConfig {
		return fmt.Errorf("%w: the profile changes broker settings (%s) cluster-wide on %s, a cluster kbench did not start: pass --allow-broker-config to allow it (each change is restored after its point, and a restore file for `kbench restore` is written first)",
			ErrBrokerConfigNotAllowed, strings.Join(names, ", "), s.conn.bootstrap)
	}
	if s.opts.OutDir == "" && !s.ctl().Local() {
		return fmt.Errorf("%w: broker settings (%s) change only with a results folder, where the restore file goes", ErrBrokerConfigNotAllowed, strings.Join(names, ", "))
	}
	ids := s.brokerIDs()
	if len(ids) == 0 {
		return nil
	}
	entries := make([]driver.ConfigEntry, 0, len(first))
	for _, k := range sortedKeys(first) {
		entries = append(entries, driver.ConfigEntry{Name: k, Value: first[k], Op: driver.AlterSet})
	}
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	res, err := s.admin.IncrementalAlterConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: ids[0], Config: entries}}, driver.AdminOptions{ValidateOnly: true})
	if err == nil {
		for _, r := range res {
			if r.Error.Code() != driver.ErrNoError {
				err = r.Error
			}
		}
	}
	if err != nil {
		if isAuthz(err) {
			return fmt.Errorf("%w: %s may not alter broker configs (%s) on %s: %v; nothing was changed (it needs ALTER_CONFIGS on the cluster, or use a profile without broker settings)",
				ErrNotPermitted, s.user(), strings.Join(names, ", "), s.conn.bootstrap, err)
		}
		return fmt.Errorf("%w: broker settings %s refused by broker %s: %v", ErrBadPoints, formatConfig(first), ids[0], err)
	}
	return nil
}

// checkCreateTopics asks the cluster, validate-only, to create each point's topic: it checks the
// permission, the replication factor and the topic configs without creating anything.
func (s *session) checkCreateTopics(ctx context.Context, points []profiles.Point) error {
	seen := map[string]bool{}
	for _, p := range points {
		spec := driver.TopicSpec{
			Topic: safety.TopicName(s.opts.topicPrefix(), s.runID, p.ID), NumPartitions: max(1, p.Workload.Partitions),
			ReplicationFactor: p.TopicReplicationFactor(), Config: p.TopicConfig(),
		}
		key := fmt.Sprintf("%d/%d/%s", spec.NumPartitions, spec.ReplicationFactor, formatConfig(spec.Config))
		if seen[key] {
			continue
		}
		seen[key] = true
		cctx, cancel := context.WithTimeout(ctx, adminTimeout)
		res, err := s.admin.CreateTopics(cctx, []driver.TopicSpec{spec}, driver.AdminOptions{ValidateOnly: true, OperationTimeout: adminTimeout})
		cancel()
		if err == nil {
			err = topicResultErr("create", res)
		}
		if err == nil {
			continue
		}
		var ke driver.Error
		switch {
		case isAuthz(err):
			return fmt.Errorf("%w: %s may not create topics on %s: %v; nothing was changed (it needs CREATE on topics prefixed %q, or run with --existing-topic NAME on a topic it may write)",
				ErrNotPermitted, s.user(), s.conn.bootstrap, err, s.opts.topicPrefix())
		case errors.As(err, &ke) && ke.Code() == driver.ErrTopicAlreadyExists:
			return fmt.Errorf("%w: %s already exists; kbench uses only topics it creates", ErrNotOurTopic, spec.Topic)
		case errors.As(err, &ke) && (ke.Code() == driver.ErrInvalidReplicationFactor || ke.Code() == driver.ErrInvalidConfig ||
			ke.Code() == driver.ErrInvalidPartitions || ke.Code() == driver.ErrPolicyViolation || ke.Code() == driver.ErrInvalidRequest):
			return fmt.Errorf("%w: point %s: %v", ErrBadPoints, p.ID, err)
		case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ke) && ke.Code() == driver.ErrRequestTimedOut:
			return fmt.Errorf("%w: check topic creation for point %s (validate-only, %d partitions, replication factor %d): no answer within %s from the broker the metadata names as controller or from the KRaft controller it forwards to; %s",
				ErrTopicTimeout, p.ID, spec.NumPartitions, spec.ReplicationFactor, adminTimeout, listedBrokers(s.admin))
		default:
			return fmt.Errorf("check topic creation for point %s: %w", p.ID, err)
		}
	}
	return nil
}

// checkMessageSize compares the largest message of every point with the limits that would
// reject it: the topic's max.message.bytes (a fresh topic's comes from the profile or the
// brokers' message.max.bytes; an existing topic's is read) and the producer's message.max.bytes.
func (s *session) checkMessageSize(ctx context.Context, points []profiles.Point) error {
	var brokerMax int64 = -1
	var existingMax int64 = -1
	readBroker := func() int64 {
		if brokerMax >= 0 || len(s.brokers) == 0 {
			return brokerMax
		}
		m, err := describeBrokers(ctx, s.admin, s.brokers[:1], []string{"message.max.bytes"})
		if err != nil {
			s.warn("could not read the brokers' message.max.bytes (%v): message sizes not checked against it", err)
			brokerMax = 0
			return 0
		}
		for _, bm := range m {
			brokerMax, _ = strconv.ParseInt(bm["message.max.bytes"], 10, 64)
		}
		return brokerMax
	}
	if t := s.opts.ExistingTopic; t != "" {
		cctx, cancel := context.WithTimeout(ctx, adminTimeout)
		res, err := s.admin.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceTopic, Name: t}})
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
			s.warn("could not read max.message.bytes of %s (%v): message sizes not checked against it", t, err)
		}
	}
	for _, p := range points {
		size := int64(max(p.Workload.MessageSizeMax, p.Workload.MessageSizeMin)) + recordOverhead
		limit, what := int64(0), ""
		switch {
		case existingMax > 0:
			limit, what = existingMax, "max.message.bytes of topic "+s.opts.ExistingTopic
		case p.TopicConfig()["max.message.bytes"] != "":
			limit, _ = strconv.ParseInt(p.TopicConfig()["max.message.bytes"], 10, 64)
			what = "the profile's topic max.message.bytes"
		case s.opts.ExistingTopic == "":
			limit, what = readBroker(), "the brokers' message.max.bytes (the default of a new topic's max.message.bytes)"
		}
		if limit > 0 && size > limit {
			return fmt.Errorf("%w: point %s sends messages of up to %d bytes (%d with record overhead), above %s = %d: the brokers would reject them; lower message.size or raise the limit",
				ErrBadPoints, p.ID, size-recordOverhead, size, what, limit)
		}
		clientMax := int64(librdkafkaMessageMax)
		if v, err := strconv.ParseInt(producerConfig(s.conn, p, "check")["message.max.bytes"], 10, 64); err == nil {
			clientMax = v
		}
		if size > clientMax {
			return fmt.Errorf("%w: point %s sends messages of up to %d bytes (%d with record overhead), above the producer's message.max.bytes = %d: set message.max.bytes in the profile's producer properties",
				ErrBadPoints, p.ID, size-recordOverhead, size, clientMax)
		}
	}
	return nil
}

// user names the client config's SASL user for messages ("the client" without one).
func (s *session) user() string {
	if u := s.conn.props["sasl.username"]; u != "" {
		return "user " + u
	}
	return "the client"
}

// isAuthz says whether err is one of Kafka's authorization failures.
func isAuthz(err error) bool {
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

// CleanOptions say which run's topics `kbench clean` deletes and how to reach the cluster.
type CleanOptions struct {
	Bootstrap   string
	Client      *kafkaconf.ClientConfig
	RunID       string    // required
	TopicPrefix string    // "": safety.DefaultTopicPrefix
	DryRun      bool      // list, delete nothing
	Out         io.Writer // one line per topic (nil: none)
}

// Clean deletes the topics of one run, the ones a crashed or killed kbench left behind: every
// topic whose name starts with the prefix and the run id. It asks nothing and prints each topic
// before deleting it; with DryRun it only prints. It returns the topics it found.
func Clean(ctx context.Context, o CleanOptions) ([]string, error) {
	if strings.TrimSpace(o.RunID) == "" {
		return nil, safety.BadInput(errors.New("clean needs --run ID (the run id in the topic names and in index.json)"))
	}
	prefix := o.TopicPrefix
	if prefix == "" {
		prefix = safety.DefaultTopicPrefix
	}
	conn, err := resolveConnection(o.Bootstrap, o.Client)
	if err != nil {
		return nil, err
	}
	if _, err := probe(conn); err != nil {
		return nil, err
	}
	a, err := clientDriver.NewAdmin(adminConfig(conn))
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	md, err := a.Metadata(nil, true, metadataTimeout)
	if err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", conn.bootstrap, err)
	}
	want := safety.RunTopicPrefix(prefix, o.RunID)
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	var topics []string
	for name := range md.Topics {
		if name == LeaseTopic(prefix) {
			// kbench's broker-settings lease topic holds every run's claims: never deleted; the
			// run's own claim is released if the run is gone.
			if err := releaseLeaseOf(ctx, conn, name, o.RunID, o.DryRun, out); err != nil {
				fmt.Fprintf(out, "broker-settings lease of run %s not checked: %v\n", o.RunID, err)
			}
			continue
		}
		if strings.HasPrefix(name, want) {
			topics = append(topics, name)
		}
	}
	sort.Strings(topics)
	if len(topics) == 0 {
		fmt.Fprintf(out, "no topics named %s* on %s\n", want, conn.bootstrap)
		return nil, nil
	}
	verb := "deleting"
	if o.DryRun {
		verb = "would delete"
	}
	for _, t := range topics {
		fmt.Fprintf(out, "%s topic %s\n", verb, t)
	}
	if o.DryRun {
		return topics, nil
	}
	cctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	res, err := a.DeleteTopics(cctx, topics, driver.AdminOptions{OperationTimeout: cleanupTimeout})
	if err != nil {
		return topics, fmt.Errorf("delete topics: %w", err)
	}
	var errs []error
	for _, r := range res {
		if r.Error.Code() != driver.ErrNoError {
			e := fmt.Errorf("delete topic %s: %w", r.Topic, r.Error)
			if isAuthz(r.Error) {
				e = fmt.Errorf("%w: %w", ErrNotPermitted, e)
			}
			errs = append(errs, e)
		}
	}
	return topics, errors.Join(errs...)
}

// resolveConnection picks the bootstrap servers (the flag, else the client config's) and the
// client config's properties.
func resolveConnection(bootstrap string, cc *kafkaconf.ClientConfig) (connection, error) {
	if bootstrap == "" {
		bootstrap = cc.Bootstrap()
	}
	if bootstrap == "" {
		return connection{}, safety.BadInput(errors.New("no bootstrap servers: give --bootstrap HOST:PORT or bootstrap.servers in the client config"))
	}
	if err := safety.ValidateBootstrap(bootstrap, "bootstrap servers"); err != nil {
		return connection{}, err
	}
	var props map[string]string
	if cc != nil {
		props = maps.Clone(cc.Props)
	}
	return connection{bootstrap: bootstrap, props: props}, nil
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
		if isAuthz(err) {
			return fmt.Errorf("%w: %s may not commit offsets for consumer group %s: %v", ErrNotPermitted, s.user(), group, err)
		}
		return fmt.Errorf("start consumer group %s at the end of %s: %w", group, topic, err)
	}
	return nil
}

// checkBrokersUp takes a fresh census of the cluster (bounded by metadataTimeout) and refuses
// points the brokers that are up cannot carry; it warns when brokers are missing but every point
// fits (the points then run on a degraded cluster).
func (s *session) checkBrokersUp(points []profiles.Point) error {
	md, err := s.admin.Metadata(nil, true, metadataTimeout)
	if err != nil {
		return fmt.Errorf("%w: no metadata from %s within %s: %v", ErrUnreachable, s.conn.bootstrap, metadataTimeout, err)
	}
	c := safety.TakeCensus(md, localBrokers(s.opts.Cluster), safety.RefusingBrokers(md.Brokers))
	if err := c.Check(points); err != nil {
		return err
	}
	if miss := c.Missing(); len(miss) > 0 {
		s.warn("brokers %s of %s are not up (%s): the points run on a degraded cluster", safety.JoinIDs(miss), safety.JoinIDs(c.Known()), c.DescribeMissing())
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
