package profiles

import "strconv"

// The methods below say where each of a point's settings goes. They are the only place that
// knows Kafka's property names for kbench's knobs. Each returns only keys the profile set, so
// everything else keeps the client's, topic's or broker's own default (which the runner reads
// back and records).

// ProducerConfig returns the librdkafka producer properties for this point (no bootstrap or
// security settings: the runner adds those). The profile's pass-through producer properties are
// included; validation guarantees they never name a key kbench sets itself.
//
// librdkafka's enable.idempotence forces acks=all and max.in.flight <= 5 and refuses
// conflicting explicit values, so Validate rejects such points instead of sending them here.
func (p Point) ProducerConfig() map[string]string {
	m := copyMap(p.Workload.ProducerProps)
	if m == nil {
		m = map[string]string{}
	}
	s, w := p.Settings, p.Workload
	if s.Acks != nil {
		m["acks"] = string(*s.Acks)
	}
	if s.Idempotence != nil {
		m["enable.idempotence"] = strconv.FormatBool(*s.Idempotence)
	}
	if s.LingerMs != nil {
		m["linger.ms"] = strconv.Itoa(*s.LingerMs)
	}
	if s.MaxInFlightRequests != nil {
		m["max.in.flight.requests.per.connection"] = strconv.Itoa(*s.MaxInFlightRequests)
	}
	if w.Compression != "" {
		m["compression.type"] = w.Compression
	}
	if w.BatchSize > 0 {
		m["batch.size"] = strconv.Itoa(w.BatchSize)
	}
	if w.RequestTimeout > 0 {
		m["request.timeout.ms"] = strconv.FormatInt(w.RequestTimeout.Milliseconds(), 10)
	}
	if w.DeliveryTimeout > 0 {
		m["delivery.timeout.ms"] = strconv.FormatInt(w.DeliveryTimeout.Milliseconds(), 10)
	}
	if w.Retries != nil {
		m["retries"] = strconv.Itoa(*w.Retries)
	}
	if w.RetryBackoff > 0 {
		m["retry.backoff.ms"] = strconv.FormatInt(w.RetryBackoff.Milliseconds(), 10)
	}
	return m
}

// ConsumerConfig returns the librdkafka consumer properties for this point (no bootstrap,
// group.id or security settings: the runner adds those). commit.mode auto sets
// enable.auto.commit=true; after-processing sets it to false and the runner commits after each
// processed batch.
func (p Point) ConsumerConfig() map[string]string {
	m := copyMap(p.Workload.ConsumerProps)
	if m == nil {
		m = map[string]string{}
	}
	if c := p.Settings.CommitMode; c != nil {
		m["enable.auto.commit"] = strconv.FormatBool(*c == CommitAuto)
	}
	if l := p.Settings.IsolationLevel; l != nil {
		m["isolation.level"] = string(*l)
	}
	return m
}

// Transactional says whether the point's producers run transactions (the runner then gives each
// producer instance its transactional.id; librdkafka turns idempotence on with it).
func (p Point) Transactional() bool {
	return p.Settings.Transactional != nil && *p.Settings.Transactional
}

// Copy says whether the point runs the copy pipeline (copiers between the producers' topic and
// the one the measuring consumers read).
func (p Point) Copy() bool {
	return p.Settings.Pipeline != nil && *p.Settings.Pipeline == PipelineCopy
}

// TopicConfig returns the topic-level configs for this point's fresh topic: the swept topic
// settings plus the profile's pass-through topic properties.
func (p Point) TopicConfig() map[string]string {
	m := copyMap(p.Workload.TopicProps)
	if m == nil {
		m = map[string]string{}
	}
	s := p.Settings
	if s.MinInsyncReplicas != nil {
		m["min.insync.replicas"] = strconv.Itoa(*s.MinInsyncReplicas)
	}
	if s.FlushMessages != nil {
		m["flush.messages"] = strconv.FormatInt(*s.FlushMessages, 10)
	}
	if s.FlushMs != nil {
		m["flush.ms"] = strconv.FormatInt(*s.FlushMs, 10)
	}
	if s.UncleanLeaderElection != nil {
		m["unclean.leader.election.enable"] = strconv.FormatBool(*s.UncleanLeaderElection)
	}
	return m
}

// TopicReplicationFactor is the replication factor of this point's fresh topic: the point's
// own replication.factor if it sweeps one, else the workload's.
func (p Point) TopicReplicationFactor() int {
	if p.Settings.ReplicationFactor != nil {
		return *p.Settings.ReplicationFactor
	}
	return p.Workload.ReplicationFactor
}

// BrokerDynamicConfig returns cluster-wide dynamic broker configs this point changes; the
// runner sets them with IncrementalAlterConfigs before the point and restores them after.
func (p Point) BrokerDynamicConfig() map[string]string {
	m := map[string]string{}
	s := p.Settings
	if s.BrokerFlushIntervalMessages != nil {
		m["log.flush.interval.messages"] = strconv.FormatInt(*s.BrokerFlushIntervalMessages, 10)
	}
	if s.BrokerFlushIntervalMs != nil {
		m["log.flush.interval.ms"] = strconv.FormatInt(*s.BrokerFlushIntervalMs, 10)
	}
	return m
}

// BrokerStaticConfig returns read-only broker configs this point needs: they take effect only
// at broker start, so the runner does a rolling restart of a local cluster (and refuses on a
// remote one).
func (p Point) BrokerStaticConfig() map[string]string {
	m := map[string]string{}
	if v := p.Settings.BrokerFlushSchedulerIntervalMs; v != nil {
		m["log.flush.scheduler.interval.ms"] = strconv.FormatInt(*v, 10)
	}
	return m
}

// TransactionPlan describes the point's transactions for the plan ("" when it runs none).
func (p Point) TransactionPlan() string {
	if !p.Transactional() {
		return ""
	}
	s := p.Settings
	out := "transactional.id per producer instance (kbench-<run>-<point>-txn-<n>); a transaction ends after"
	if s.TransactionRecords != nil {
		out += " " + strconv.Itoa(*s.TransactionRecords) + " record"
		if *s.TransactionRecords != 1 {
			out += "s"
		}
		if s.TransactionMs != nil {
			out += " or"
		}
	}
	if s.TransactionMs != nil {
		out += " " + strconv.Itoa(*s.TransactionMs) + " ms"
	}
	if r := s.TransactionAbortRatio; r != nil && *r > 0 {
		out += "; " + strconv.FormatFloat(*r*100, 'g', 4, 64) + "% of transactions aborted on purpose"
	}
	return out
}
