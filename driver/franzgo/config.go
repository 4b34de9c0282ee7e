package franzgo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kbench/kbench/kafkaconf"
)

// role is which client a configuration is for: each applies the properties that mean something
// to it (a producer ignores fetch sizes, as librdkafka does) and records what it applied.
type role uint8

const (
	roleProducer role = iota
	roleConsumer
	roleAdmin
)

// settings is a configuration read from librdkafka properties: the kgo options, the driver's
// own bounds, and the effective configuration as property=value.
type settings struct {
	opts      []kgo.Opt
	group     string
	maxRecs   int64  // producer: buffered records before Produce says queue full
	maxBytes  int64  // producer: buffered key+value bytes before Produce says queue full
	autoStore bool   // consumer: enable.auto.offset.store
	autoCmt   bool   // consumer: enable.auto.commit
	txnID     string // producer: transactional.id ("": not transactional)
	effective map[string]string
}

// props is a property map with librdkafka's defaults filled in where franz-go's differ.
type props map[string]string

// get returns the first of names that is set, else the default of the first.
func (p props) get(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := p[n]; ok {
			return strings.TrimSpace(v), true
		}
	}
	v, ok := kafkaconf.FranzGoDefaults[names[0]]
	return v, ok
}

// has says whether name has a value, given or by default.
func (p props) has(name string) bool {
	_, ok := p.get(name)
	return ok
}

// given says whether one of names was given (not a default).
func (p props) given(names ...string) bool {
	for _, n := range names {
		if _, ok := p[n]; ok {
			return true
		}
	}
	return false
}

func (p props) int(names ...string) (int64, bool) {
	v, ok := p.get(names...)
	if !ok {
		return 0, false
	}
	n, _ := strconv.ParseInt(v, 10, 64) // checked by kafkaconf.CheckFranzGo
	return n, true
}

func (p props) ms(names ...string) (time.Duration, bool) {
	n, ok := p.int(names...)
	return time.Duration(n) * time.Millisecond, ok
}

func (p props) bool(name string, def bool) bool {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	b, _ := strconv.ParseBool(v)
	return b
}

// readSettings turns librdkafka properties into kgo options for r. Every property is checked
// against kafkaconf's franz-go table first: an unknown or refused one is an error naming it.
func readSettings(cfg map[string]string, r role) (*settings, error) {
	if err := kafkaconf.CheckFranzGo(cfg); err != nil {
		return nil, fmt.Errorf("franz-go client configuration: %w", err)
	}
	p := props(cfg)
	s := &settings{effective: map[string]string{}}
	set := func(key, value string, o kgo.Opt) {
		s.opts = append(s.opts, o)
		s.effective[key] = value
	}
	seeds, _ := p.get("bootstrap.servers", "metadata.broker.list")
	set("kgo.SeedBrokers", seeds, kgo.SeedBrokers(strings.Split(seeds, ",")...))
	if id, ok := p.get("client.id"); ok {
		set("kgo.ClientID", id, kgo.ClientID(id))
	}
	if v, ok := p.get("client.rack"); ok {
		set("kgo.Rack", v, kgo.Rack(v))
	}
	if err := s.connection(p); err != nil {
		return nil, err
	}
	switch r {
	case roleProducer:
		if err := s.producer(p); err != nil {
			return nil, err
		}
	case roleConsumer:
		if err := s.consumer(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// connection applies timeouts, metadata age and security (TLS, SASL).
func (s *settings) connection(p props) error {
	set := func(key, value string, o kgo.Opt) { s.opts, s.effective[key] = append(s.opts, o), value }
	if d, ok := p.ms("socket.connection.setup.timeout.ms"); ok {
		set("kgo.DialTimeout", d.String(), kgo.DialTimeout(d))
	}
	if d, ok := p.ms("socket.timeout.ms"); ok {
		set("kgo.RequestTimeoutOverhead", d.String(), kgo.RequestTimeoutOverhead(d))
	}
	if d, ok := p.ms("connections.max.idle.ms"); ok {
		set("kgo.ConnIdleTimeout", d.String(), kgo.ConnIdleTimeout(d))
	}
	if d, ok := p.ms("topic.metadata.refresh.interval.ms", "metadata.max.age.ms"); ok {
		set("kgo.MetadataMaxAge", d.String(), kgo.MetadataMaxAge(d))
	}
	if d, ok := p.ms("retry.backoff.ms"); ok {
		set("kgo.RetryBackoffFn", d.String(), kgo.RetryBackoffFn(func(int) time.Duration { return d }))
	}
	if n, ok := p.int("message.max.bytes"); ok {
		set("kgo.BrokerMaxWriteBytes", strconv.FormatInt(n, 10), kgo.BrokerMaxWriteBytes(int32(min(n, 1<<30))))
	}
	allow := p.bool("allow.auto.create.topics", false)
	if allow {
		set("kgo.AllowAutoTopicCreation", "true", kgo.AllowAutoTopicCreation())
	}
	proto, _ := p.get("security.protocol")
	proto = strings.ToLower(proto)
	if proto == "" {
		proto = "plaintext"
	}
	s.effective["security.protocol"] = proto
	if proto == "ssl" || proto == "sasl_ssl" {
		tc, err := tlsConfig(p)
		if err != nil {
			return err
		}
		set("kgo.DialTLSConfig", tlsSummary(p), kgo.DialTLSConfig(tc))
	} else {
		for _, k := range []string{"ssl.ca.location", "ssl.certificate.location", "ssl.key.location"} {
			if _, ok := p[k]; ok {
				return fmt.Errorf("%s given with security.protocol=%s: TLS needs security.protocol=ssl or sasl_ssl", k, proto)
			}
		}
	}
	if strings.HasPrefix(proto, "sasl_") {
		m, err := saslMechanism(p)
		if err != nil {
			return err
		}
		mech, _ := p.get("sasl.mechanisms", "sasl.mechanism")
		set("kgo.SASL", strings.ToUpper(mech)+" user "+p["sasl.username"], kgo.SASL(m))
	} else if _, ok := p["sasl.username"]; ok {
		return fmt.Errorf("sasl.username given with security.protocol=%s: SASL needs security.protocol=sasl_plaintext or sasl_ssl", proto)
	}
	return nil
}

// saslMechanism is the PLAIN or SCRAM mechanism with the configured user.
func saslMechanism(p props) (sasl.Mechanism, error) {
	mech, ok := p.get("sasl.mechanisms", "sasl.mechanism")
	if !ok {
		return nil, errors.New("sasl.mechanisms: not given (franz-go: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
	}
	user, pass := p["sasl.username"], p["sasl.password"]
	if user == "" || pass == "" {
		return nil, fmt.Errorf("sasl.username and sasl.password: both needed for %s", mech)
	}
	switch strings.ToUpper(mech) {
	case "PLAIN":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("sasl.mechanisms=%s: franz-go driver supports PLAIN, SCRAM-SHA-256, SCRAM-SHA-512", mech)
}

// tlsConfig reads the CA, the client certificate and key (PEM files) and the verification
// switches into a tls.Config.
func tlsConfig(p props) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca, ok := p["ssl.ca.location"]; ok {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("ssl.ca.location: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl.ca.location %s: no PEM certificate in it", ca)
		}
	}
	cert, hasCert := p["ssl.certificate.location"]
	key, hasKey := p["ssl.key.location"]
	if hasCert != hasKey {
		return nil, errors.New("ssl.certificate.location and ssl.key.location: give both or neither")
	}
	if hasCert {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("ssl.certificate.location/ssl.key.location: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	if !p.bool("enable.ssl.certificate.verification", true) {
		tc.InsecureSkipVerify = true
		return tc, nil
	}
	if alg, _ := p.get("ssl.endpoint.identification.algorithm"); strings.EqualFold(alg, "none") {
		// Verify the chain against the CA but not the host name, as librdkafka does for none.
		roots := tc.RootCAs
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: the broker sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	return tc, nil
}

// tlsSummary is the effective TLS configuration without secrets.
func tlsSummary(p props) string {
	parts := []string{"TLS 1.2+"}
	for _, k := range []string{"ssl.ca.location", "ssl.certificate.location", "ssl.key.location", "ssl.endpoint.identification.algorithm", "enable.ssl.certificate.verification"} {
		if v, ok := p[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// producer applies the producer properties.
func (s *settings) producer(p props) error {
	set := func(key, value string, o kgo.Opt) { s.opts, s.effective[key] = append(s.opts, o), value }
	set("kgo.RecordPartitioner", "manual (kbench chooses partitions)", kgo.RecordPartitioner(kgo.ManualPartitioner()))
	acks, _ := p.get("acks", "request.required.acks")
	if acks == "" {
		acks = "all"
	}
	switch acks {
	case "0":
		set("kgo.RequiredAcks", "0", kgo.RequiredAcks(kgo.NoAck()))
	case "1":
		set("kgo.RequiredAcks", "1", kgo.RequiredAcks(kgo.LeaderAck()))
	default:
		acks = "all"
		set("kgo.RequiredAcks", "all", kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	idem := p.bool("enable.idempotence", false)
	if id, ok := p["transactional.id"]; ok {
		if err := s.transactional(p, strings.TrimSpace(id)); err != nil {
			return err
		}
		idem = true
	}
	inflight, inflightSet := p.int("max.in.flight", "max.in.flight.requests.per.connection")
	if idem {
		if acks != "all" {
			return fmt.Errorf("enable.idempotence=true needs acks=all (acks=%s)", acks)
		}
		if given := p.given("max.in.flight", "max.in.flight.requests.per.connection"); given && inflight > 5 {
			return fmt.Errorf("max.in.flight.requests.per.connection=%d: at most 5 with enable.idempotence=true", inflight)
		}
		s.effective["kgo.DisableIdempotentWrite"] = "no (idempotent; franz-go keeps up to 5 requests in flight per broker)"
	} else {
		set("kgo.DisableIdempotentWrite", "yes", kgo.DisableIdempotentWrite())
		if inflightSet {
			n := int(max(1, min(inflight, 1<<20)))
			set("kgo.MaxProduceRequestsInflightPerBroker", strconv.Itoa(n), kgo.MaxProduceRequestsInflightPerBroker(n))
		}
	}
	if d, ok := p.ms("linger.ms", "queue.buffering.max.ms"); ok {
		set("kgo.ProducerLinger", d.String(), kgo.ProducerLinger(d))
	}
	if n, ok := p.int("batch.size"); ok {
		set("kgo.ProducerBatchMaxBytes", strconv.FormatInt(n, 10), kgo.ProducerBatchMaxBytes(int32(min(n, 1<<30))))
	}
	codec, _ := p.get("compression.type", "compression.codec")
	set("kgo.ProducerBatchCompression", strings.ToLower(codec), kgo.ProducerBatchCompression(compression(codec)))
	if n, ok := p.int("retries", "message.send.max.retries"); ok {
		set("kgo.RecordRetries", strconv.FormatInt(n, 10), kgo.RecordRetries(int(min(n, 1<<31-1))))
	}
	if d, ok := p.ms("delivery.timeout.ms", "message.timeout.ms"); ok || p.has("message.timeout.ms") {
		if !ok {
			d, _ = p.ms("message.timeout.ms")
		}
		set("kgo.RecordDeliveryTimeout", d.String(), kgo.RecordDeliveryTimeout(d))
	}
	if d, ok := p.ms("request.timeout.ms"); ok {
		set("kgo.ProduceRequestTimeout", d.String(), kgo.ProduceRequestTimeout(d))
	}
	s.maxRecs, _ = p.int("queue.buffering.max.messages")
	kb, _ := p.int("queue.buffering.max.kbytes")
	s.maxBytes = kb * 1024
	s.maxRecs = max(1, min(s.maxRecs, 1<<40))
	// kgo's own bound sits above the driver's: the driver says queue full first, without a
	// failed promise (kgo fails a record over its bound only through the promise).
	set("kgo.MaxBufferedRecords", strconv.FormatInt(s.maxRecs, 10)+" (+64 margin)", kgo.MaxBufferedRecords(int(min(s.maxRecs+64, 1<<40))))
	s.effective["queue.buffering.max.kbytes"] = strconv.FormatInt(kb, 10)
	return nil
}

// transactional applies transactional.id and transaction.timeout.ms. Like librdkafka, a
// transactional.id turns the idempotent producer on; an explicit enable.idempotence=false is
// refused (transactions need it).
func (s *settings) transactional(p props, id string) error {
	if id == "" {
		return errors.New("transactional.id: empty (give an id or leave the property out)")
	}
	if p.given("enable.idempotence") && !p.bool("enable.idempotence", true) {
		return errors.New("transactional.id with enable.idempotence=false: transactions need the idempotent producer")
	}
	s.txnID = id
	s.opts, s.effective["kgo.TransactionalID"] = append(s.opts, kgo.TransactionalID(id)), id
	if d, ok := p.ms("transaction.timeout.ms"); ok {
		s.opts, s.effective["kgo.TransactionTimeout"] = append(s.opts, kgo.TransactionTimeout(d)), d.String()
	}
	return nil
}

// compression is the kgo codec for a librdkafka compression name.
func compression(name string) kgo.CompressionCodec {
	switch strings.ToLower(name) {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// consumer applies the consumer properties (the group itself is joined on Subscribe).
func (s *settings) consumer(p props) error {
	set := func(key, value string, o kgo.Opt) { s.opts, s.effective[key] = append(s.opts, o), value }
	s.group = p["group.id"]
	reset, _ := p.get("auto.offset.reset")
	switch strings.ToLower(reset) {
	case "earliest", "smallest", "beginning":
		set("kgo.ConsumeResetOffset", "start", kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	default:
		set("kgo.ConsumeResetOffset", "end", kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
	}
	if v, _ := p.get("isolation.level"); strings.EqualFold(v, "read_committed") {
		set("kgo.FetchIsolationLevel", "read_committed", kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	} else {
		s.effective["kgo.FetchIsolationLevel"] = "read_uncommitted"
		s.opts = append(s.opts, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	}
	if n, ok := p.int("fetch.min.bytes"); ok {
		set("kgo.FetchMinBytes", strconv.FormatInt(n, 10), kgo.FetchMinBytes(int32(min(n, 1<<30))))
	}
	if n, ok := p.int("fetch.max.bytes"); ok {
		set("kgo.FetchMaxBytes", strconv.FormatInt(n, 10), kgo.FetchMaxBytes(int32(min(n, 1<<30))))
	}
	if n, ok := p.int("max.partition.fetch.bytes", "fetch.message.max.bytes"); ok {
		set("kgo.FetchMaxPartitionBytes", strconv.FormatInt(n, 10), kgo.FetchMaxPartitionBytes(int32(min(n, 1<<30))))
	}
	if d, ok := p.ms("fetch.wait.max.ms", "fetch.max.wait.ms"); ok {
		set("kgo.FetchMaxWait", d.String(), kgo.FetchMaxWait(d))
	}
	s.autoCmt = p.bool("enable.auto.commit", true)
	s.autoStore = p.bool("enable.auto.offset.store", true)
	s.effective["enable.auto.commit"] = strconv.FormatBool(s.autoCmt)
	s.effective["enable.auto.offset.store"] = strconv.FormatBool(s.autoStore)
	return nil
}

// groupOpts are the options of a group consumer (applied on Subscribe).
func (s *settings) groupOpts(p props) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	set := func(key, value string, o kgo.Opt) { opts, s.effective[key] = append(opts, o), value }
	if s.group == "" {
		return nil, errors.New("group.id: not given (Subscribe joins a group)")
	}
	set("kgo.ConsumerGroup", s.group, kgo.ConsumerGroup(s.group))
	if !s.autoCmt {
		set("kgo.DisableAutoCommit", "yes", kgo.DisableAutoCommit())
	} else if d, ok := p.ms("auto.commit.interval.ms"); ok {
		set("kgo.AutoCommitInterval", d.String(), kgo.AutoCommitInterval(d))
	}
	if !s.autoStore && s.autoCmt {
		set("kgo.AutoCommitMarks", "yes", kgo.AutoCommitMarks())
	}
	if d, ok := p.ms("session.timeout.ms"); ok {
		set("kgo.SessionTimeout", d.String(), kgo.SessionTimeout(d))
	}
	if d, ok := p.ms("heartbeat.interval.ms"); ok {
		set("kgo.HeartbeatInterval", d.String(), kgo.HeartbeatInterval(d))
	}
	if d, ok := p.ms("max.poll.interval.ms"); ok {
		set("kgo.RebalanceTimeout", d.String(), kgo.RebalanceTimeout(d))
	}
	if v, ok := p.get("group.instance.id"); ok && v != "" {
		set("kgo.InstanceID", v, kgo.InstanceID(v))
	}
	strategy, _ := p.get("partition.assignment.strategy")
	var bals []kgo.GroupBalancer
	for _, name := range strings.Split(strategy, ",") {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "range":
			bals = append(bals, kgo.RangeBalancer())
		case "roundrobin":
			bals = append(bals, kgo.RoundRobinBalancer())
		case "cooperative-sticky":
			bals = append(bals, kgo.CooperativeStickyBalancer())
		default:
			return nil, fmt.Errorf("partition.assignment.strategy=%s: franz-go driver knows range, roundrobin, cooperative-sticky", strategy)
		}
	}
	set("kgo.Balancers", strategy, kgo.Balancers(bals...))
	return opts, nil
}

// formatEffective renders an effective configuration as "k=v" lines in key order.
func formatEffective(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out
}
