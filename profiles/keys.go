package profiles

import (
	"math"
	"strconv"
	"strings"
)

// valueDefault is the sweep value that leaves a setting unset, so the client's, topic's or
// broker's own default applies (e.g. flush.messages: [1, 100, default]).
const valueDefault = "default"

// valueKind says how a setting's YAML value is read.
type valueKind int

const (
	kindInt       valueKind = iota // a whole number, in the key's unit
	kindBool                       // true or false
	kindAcks                       // 0, 1 or all
	kindCommit                     // auto or after-processing
	kindIsolation                  // read_committed or read_uncommitted
	kindRatio                      // a share from 0 to 1
	kindClient                     // librdkafka or franz-go
	kindPipeline                   // direct or copy
)

// settingKey describes one sweepable setting: what the registry exports about it (Setting),
// how its YAML value is read, and how it appears in a point's id and label. The table below is
// the only list of sweepable settings; everything else (parsing, ids, labels, configs, the
// exported Registry the charts and the report read) is driven by it.
type settingKey struct {
	Setting
	name     string // YAML key (Setting.YAML)
	kind     valueKind
	unit     string // for "want a number of <unit>"
	min, max int64
	slug     func(v string) string // id fragment
	label    func(v string) string // label fragment
	get      func(s *Settings) (string, bool)
	set      func(s *Settings, v string) // v is canonical and valid
	clear    func(s *Settings)
}

// settingKeys lists every sweepable setting in canonical order: the order of id and label
// fragments and of the plan.
var settingKeys = []settingKey{
	enumKey(kindAcks, Setting{YAML: "acks", Kafka: "acks", JSON: "acks", Kind: Durability, Place: PlaceProducer},
		func(s *Settings) **Acks { return &s.Acks },
		func(v string) string { return "acks-" + v }, func(v string) string { return "acks=" + v }),
	boolKey(Setting{YAML: "enable.idempotence", Kafka: "enable.idempotence", JSON: "enable_idempotence", Kind: Durability, Place: PlaceProducer},
		func(s *Settings) **bool { return &s.Idempotence }, "idem", "noidem", "idem", "no-idem"),
	numKey(Setting{YAML: "linger.ms", Kafka: "linger.ms", JSON: "linger_ms", Unit: "ms", Kind: Performance, Place: PlaceProducer},
		0, 900000, "linger", "linger", func(s *Settings) **int { return &s.LingerMs }),
	numKey(Setting{YAML: "max.in.flight.requests.per.connection", Kafka: "max.in.flight.requests.per.connection",
		JSON: "max_in_flight_requests_per_connection", Unit: "requests", Kind: Performance, Place: PlaceProducer},
		1, 1000000, "inflight", "inflight", func(s *Settings) **int { return &s.MaxInFlightRequests }),
	numKey(Setting{YAML: "replication.factor", JSON: "replication_factor", Display: "replication factor", Unit: "replicas", Kind: Durability, Place: PlaceTopic},
		1, math.MaxInt16, "rf", "rf", func(s *Settings) **int { return &s.ReplicationFactor }),
	numKey(Setting{YAML: "min.insync.replicas", Kafka: "min.insync.replicas", JSON: "min_insync_replicas", Unit: "replicas", Kind: Durability, Place: PlaceTopic},
		1, math.MaxInt16, "isr", "isr", func(s *Settings) **int { return &s.MinInsyncReplicas }),
	boolKey(Setting{YAML: "unclean.leader.election.enable", Kafka: "unclean.leader.election.enable", JSON: "unclean_leader_election_enable", Kind: Durability, Place: PlaceTopic},
		func(s *Settings) **bool { return &s.UncleanLeaderElection }, "unclean-on", "unclean-off", "unclean=on", "unclean=off"),
	numKey(Setting{YAML: "flush.messages", Kafka: "flush.messages", JSON: "topic_flush_messages", Unit: "messages", Kind: Durability, Place: PlaceTopic},
		1, math.MaxInt64, "flush", "flush", func(s *Settings) **int64 { return &s.FlushMessages }),
	numKey(Setting{YAML: "flush.ms", Kafka: "flush.ms", JSON: "topic_flush_ms", Unit: "ms", Kind: Durability, Place: PlaceTopic},
		0, math.MaxInt64, "flushms", "flush.ms", func(s *Settings) **int64 { return &s.FlushMs }),
	numKey(Setting{YAML: "log.flush.interval.messages", Kafka: "log.flush.interval.messages", JSON: "broker_log_flush_interval_messages",
		Unit: "messages", Kind: Durability, Place: PlaceBrokerDynamic},
		1, math.MaxInt64, "logflush", "log.flush", func(s *Settings) **int64 { return &s.BrokerFlushIntervalMessages }),
	numKey(Setting{YAML: "log.flush.interval.ms", Kafka: "log.flush.interval.ms", JSON: "broker_log_flush_interval_ms",
		Unit: "ms", Kind: Durability, Place: PlaceBrokerDynamic},
		0, math.MaxInt64, "logflushms", "log.flush.ms", func(s *Settings) **int64 { return &s.BrokerFlushIntervalMs }),
	numKey(Setting{YAML: "log.flush.scheduler.interval.ms", Kafka: FlushSchedulerKey, JSON: "broker_log_flush_scheduler_interval_ms",
		Unit: "ms", Kind: Durability, Place: PlaceBrokerStatic},
		1, math.MaxInt64, "flushsched", "flush.sched", func(s *Settings) **int64 { return &s.BrokerFlushSchedulerIntervalMs }),
	enumKey(kindCommit, Setting{YAML: "commit.mode", Kafka: "enable.auto.commit", JSON: "consumer_commit_mode", Display: "commit.mode", Kind: Durability, Place: PlaceConsumer},
		func(s *Settings) **CommitMode { return &s.CommitMode },
		func(v string) string {
			if v == string(CommitAfterProcessing) {
				return "commit-after"
			}
			return "commit-" + v
		}, func(v string) string { return "commit=" + v }),
	enumKey(kindClient, Setting{YAML: "client", JSON: "client", Display: "client", Kind: Durability, Place: PlaceClient},
		func(s *Settings) **Client { return &s.Client },
		func(v string) string { return "client-" + v }, func(v string) string { return "client=" + v }),
	enumKey(kindClient, Setting{YAML: "consumer.client", JSON: "consumer_client", Display: "consumer.client", Kind: Durability, Place: PlaceClient},
		func(s *Settings) **Client { return &s.ConsumerClient },
		func(v string) string { return "cclient-" + v }, func(v string) string { return "consumer.client=" + v }),
	// Transactions (issue 19): appended, so the ids of older points do not change.
	boolKey(Setting{YAML: "transactional", Kafka: "transactional.id", JSON: "transactional", Display: "transactional", Kind: Durability, Place: PlaceProducer},
		func(s *Settings) **bool { return &s.Transactional }, "txn", "notxn", "txn", "no-txn"),
	numKey(Setting{YAML: "transaction.records", JSON: "transaction_records", Display: "transaction.records", Unit: "records", Kind: Performance, Place: PlaceProducer},
		1, 10000000, "txnrec", "txn.records", func(s *Settings) **int { return &s.TransactionRecords }),
	numKey(Setting{YAML: "transaction.ms", JSON: "transaction_ms", Display: "transaction.ms", Unit: "ms", Kind: Performance, Place: PlaceProducer},
		1, 900000, "txnms", "txn.ms", func(s *Settings) **int { return &s.TransactionMs }),
	enumKey(kindIsolation, Setting{YAML: "isolation.level", Kafka: "isolation.level", JSON: "consumer_isolation_level", Kind: Durability, Place: PlaceConsumer},
		func(s *Settings) **IsolationLevel { return &s.IsolationLevel },
		func(v string) string { return strings.ReplaceAll(v, "_", "-") }, func(v string) string { return "isolation=" + v }),
	ratioKey(Setting{YAML: "transaction.abort.ratio", JSON: "transaction_abort_ratio", Display: "transaction.abort.ratio", Kind: Durability, Place: PlaceProducer},
		"abort", "abort", func(s *Settings) **float64 { return &s.TransactionAbortRatio }),
	// power-loss.brokers narrows a power-loss fault of target all to the first N brokers (by id):
	// a single machine against the whole cluster, in one sweep.
	numKey(Setting{YAML: "power-loss.brokers", JSON: "fault_power_loss_brokers", Display: "brokers powered off together", Unit: "brokers", Kind: Scenario, Place: PlaceFault},
		1, math.MaxInt16, "plbrokers", "power-loss.brokers", func(s *Settings) **int { return &s.PowerLossBrokers }),
	// The copy pipeline (issue 19): appended likewise.
	enumKey(kindPipeline, Setting{YAML: "pipeline", JSON: "pipeline", Display: "pipeline", Kind: Durability, Place: PlaceConsumer},
		func(s *Settings) **Pipeline { return &s.Pipeline },
		func(v string) string { return "pipe-" + v }, func(v string) string { return "pipeline=" + v }),
}

// settingKeyByName finds a sweepable setting by its YAML key.
func settingKeyByName(name string) (settingKey, bool) {
	for _, k := range settingKeys {
		if k.name == name {
			return k, true
		}
	}
	return settingKey{}, false
}

func numKey[T int | int64](info Setting, lo, hi int64, slug, label string, field func(*Settings) **T) settingKey {
	unit := info.Unit
	if unit == "ms" {
		unit = "milliseconds"
	}
	return settingKey{
		Setting: info, name: info.YAML, kind: kindInt, unit: unit, min: lo, max: hi,
		slug:  func(v string) string { return slug + "-" + v },
		label: func(v string) string { return label + "=" + v },
		get: func(s *Settings) (string, bool) {
			if p := *field(s); p != nil {
				return strconv.FormatInt(int64(*p), 10), true
			}
			return "", false
		},
		set: func(s *Settings, v string) {
			n, _ := strconv.ParseInt(v, 10, 64)
			t := T(n)
			*field(s) = &t
		},
		clear: func(s *Settings) { *field(s) = nil },
	}
}

// ratioKey is a share from 0 to 1 (canonical form: the shortest decimal, "0.1").
func ratioKey(info Setting, slug, label string, field func(*Settings) **float64) settingKey {
	return settingKey{
		Setting: info, name: info.YAML, kind: kindRatio,
		slug:  func(v string) string { return slug + "-" + v },
		label: func(v string) string { return label + "=" + v },
		get: func(s *Settings) (string, bool) {
			if p := *field(s); p != nil {
				return strconv.FormatFloat(*p, 'g', -1, 64), true
			}
			return "", false
		},
		set: func(s *Settings, v string) {
			f, _ := strconv.ParseFloat(v, 64)
			*field(s) = &f
		},
		clear: func(s *Settings) { *field(s) = nil },
	}
}

func boolKey(info Setting, field func(*Settings) **bool, slugTrue, slugFalse, labelTrue, labelFalse string) settingKey {
	pick := func(v, t, f string) string {
		if v == "true" {
			return t
		}
		return f
	}
	return settingKey{
		Setting: info, name: info.YAML, kind: kindBool,
		slug:  func(v string) string { return pick(v, slugTrue, slugFalse) },
		label: func(v string) string { return pick(v, labelTrue, labelFalse) },
		get: func(s *Settings) (string, bool) {
			if p := *field(s); p != nil {
				return strconv.FormatBool(*p), true
			}
			return "", false
		},
		set: func(s *Settings, v string) {
			b := v == "true"
			*field(s) = &b
		},
		clear: func(s *Settings) { *field(s) = nil },
	}
}

func enumKey[T ~string](kind valueKind, info Setting, field func(*Settings) **T, slug, label func(string) string) settingKey {
	return settingKey{
		Setting: info, name: info.YAML, kind: kind, slug: slug, label: label,
		get: func(s *Settings) (string, bool) {
			if p := *field(s); p != nil {
				return string(*p), true
			}
			return "", false
		},
		set: func(s *Settings, v string) {
			t := T(v)
			*field(s) = &t
		},
		clear: func(s *Settings) { *field(s) = nil },
	}
}

// settingsFromMap builds Settings from canonical values; "default" leaves a key unset.
func settingsFromMap(m map[string]string) Settings {
	var s Settings
	for _, k := range settingKeys {
		if v, ok := m[k.name]; ok && v != valueDefault {
			k.set(&s, v)
		}
	}
	return s
}

// settingsMap lists the keys s sets, by YAML key, with canonical values.
func settingsMap(s Settings) map[string]string {
	m := map[string]string{}
	for _, k := range settingKeys {
		if v, ok := k.get(&s); ok {
			m[k.name] = v
		}
	}
	return m
}

// merge returns base with every key over sets replaced.
func merge(base, over Settings) Settings {
	out := base
	for _, k := range settingKeys {
		if v, ok := k.get(&over); ok {
			k.set(&out, v)
		}
	}
	return out
}

// slugAndLabel builds a point's id and label from the settings a sweep gave it, in canonical
// key order. The id is injective: distinct settings give distinct ids.
func slugAndLabel(s Settings) (id, label string) {
	for _, k := range settingKeys {
		v, ok := k.get(&s)
		if !ok {
			continue
		}
		if id != "" {
			id += "_"
			label += " "
		}
		id += k.slug(v)
		label += k.label(v)
	}
	if id == "" {
		return "defaults", "defaults"
	}
	return id, label
}
