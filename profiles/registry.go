package profiles

// The settings registry: what kbench knows about each sweepable setting, exported so that the
// charts, the report and the analysis name, group and judge settings from the same table that
// parses and validates them (settingKeys in keys.go), instead of keeping lists of their own.

// SettingKind says whether a setting changes what survives a failure or only how fast.
type SettingKind string

// The setting kinds.
const (
	Durability  SettingKind = "durability"  // changes what a failure can lose, duplicate or reorder
	Performance SettingKind = "performance" // changes speed (batching, pipelining), not durability
	Scenario    SettingKind = "scenario"    // changes what fails (the fault schedule), not how Kafka is set up
)

// Place says where a setting takes effect, and so how the runner applies it.
type Place string

// The places a setting lives.
const (
	PlaceProducer      Place = "producer"       // producer client property
	PlaceConsumer      Place = "consumer"       // consumer client property
	PlaceTopic         Place = "topic"          // the point's fresh topic (config or creation argument)
	PlaceBrokerDynamic Place = "broker dynamic" // cluster-wide dynamic broker config, restored after the point
	PlaceBrokerStatic  Place = "broker static"  // read-only broker config: a rolling restart of the local cluster
	PlaceClient        Place = "client"         // which client library runs the point's clients (no property)
	PlaceFault         Place = "fault"          // kbench's fault schedule of the point (no Kafka property)
)

// Setting is one sweepable setting as the registry describes it.
type Setting struct {
	YAML    string      // key in a profile (Kafka's own property name where one exists)
	Kafka   string      // the Kafka (or librdkafka) property it sets; "" when it is no property (replication.factor is a creation argument)
	JSON    string      // name in a result file's settings (profiles.Settings' JSON tag)
	Display string      // how charts and the report name it, when not the Kafka name
	Unit    string      // of a numeric value, short ("ms", "replicas"); "" for flags and enums
	Kind    SettingKind // durability or performance
	Place   Place       // where it takes effect
}

// Name is how a reader knows the setting: its Kafka name unless Display says otherwise.
func (s Setting) Name() string {
	if s.Display != "" {
		return s.Display
	}
	return s.Kafka
}

// Registry lists every sweepable setting in canonical order (the order of ids, labels and plans).
func Registry() []Setting {
	out := make([]Setting, len(settingKeys))
	for i, k := range settingKeys {
		out[i] = k.Setting
	}
	return out
}

// SettingByJSON finds a setting by its result-file name.
func SettingByJSON(name string) (Setting, bool) {
	for _, k := range settingKeys {
		if k.JSON == name {
			return k.Setting, true
		}
	}
	return Setting{}, false
}

// ByJSON returns the settings s sets, keyed by their result-file (JSON) names, with canonical
// values ("all", "true", "5").
func (s Settings) ByJSON() map[string]string {
	out := map[string]string{}
	for _, k := range settingKeys {
		if v, ok := k.get(&s); ok {
			out[k.JSON] = v
		}
	}
	return out
}

// EnqueueToSocket says whether a producer with this config, as applied, runs acks=0, so that its
// delivery report fires when the request is written to the socket: its "produce latency" is
// enqueue-to-socket time, not send-to-acknowledgement, and nothing is acknowledged. Idempotence
// forces acks=all. This is the one place kbench decides it: the runner records the decision in
// the result file (stats.Metrics.ProduceLatencyKind), and readers interpret that record.
func EnqueueToSocket(producerConfig map[string]string) bool {
	if producerConfig["enable.idempotence"] == "true" {
		return false
	}
	for _, k := range []string{"acks", "request.required.acks"} {
		if v, ok := producerConfig[k]; ok {
			return v == string(AcksNone)
		}
	}
	return false
}

// KafkaNames lists, in canonical order, the Kafka names of the settings that live in place (the
// settings the runner reads back there).
func KafkaNames(place Place) []string {
	var out []string
	for _, k := range settingKeys {
		if k.Place == place && k.Kafka != "" {
			out = append(out, k.Kafka)
		}
	}
	return out
}
