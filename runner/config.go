package runner

import (
	"maps"
	"os"
	"slices"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/driver/franzgo"
	"github.com/kbench/kbench/driver/librdkafka"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// runnerProducerProps are producer settings the runner owns: they make the measurement itself
// work, so a profile cannot override them (a profile that tries is overridden, and the applied
// value is what the result file records).
//
//   - go.delivery.report.fields=key: the delivery report brings back only the 16-byte key
//     (sequence and send time), not the value: no per-record copy of the payload.
var runnerProducerProps = map[string]string{
	"go.delivery.report.fields": "key",
}

// runnerConsumerProps are consumer settings the runner owns (see runnerProducerProps).
//
//   - auto.offset.reset=earliest: a consumer that joins after the first records still sees them.
//   - enable.partition.eof=false: no end-of-partition events on the hot path.
var runnerConsumerProps = map[string]string{
	"auto.offset.reset":    "earliest",
	"enable.partition.eof": "false",
}

// quietLogs keeps librdkafka's own log lines off stderr (where the progress line is) unless the
// profile asks for a log_level: its errors reach the runner as error events and delivery
// reports, which are counted by code in the result, and a refused connection to a broker that a
// fault just killed is expected, not news.
func quietLogs(m map[string]string) {
	if _, ok := m["log_level"]; !ok {
		m["log_level"] = "0"
	}
}

// producerConfig is the one place that builds a producer's librdkafka configuration: the client
// config (security), then the point's settings, then the bootstrap servers and the settings the
// runner owns.
func producerConfig(conn connection, p profiles.Point, clientID string) map[string]string {
	m := conn.base()
	for k, v := range p.ProducerConfig() {
		m[k] = v
	}
	m["bootstrap.servers"] = conn.bootstrap
	m["client.id"] = clientID
	quietLogs(m)
	for k, v := range runnerProducerProps {
		m[k] = v
	}
	return m
}

// fetchQueueBackoff replaces librdkafka's fetch.queue.backoff.ms default (1000): once a
// partition's local queue passes queued.min.messages, librdkafka waits that long before fetching
// it again, so a consumer that drains its queue quickly sits idle for up to a second at a time.
// Measured on the local cluster, one consumer reading 3M records of 100 B: 148k records/s at the
// default, 934k at 10 ms (Java's consumer has no such pause). The measuring consumers take it
// as a default a profile can override; the verification read always uses it.
const fetchQueueBackoff = safety.FetchQueueBackoff

// consumerConfig builds a measuring consumer's configuration; group is the point's fresh group.
func consumerConfig(conn connection, p profiles.Point, group, clientID string) map[string]string {
	m := conn.base()
	if _, set := m["fetch.queue.backoff.ms"]; !set {
		m["fetch.queue.backoff.ms"] = fetchQueueBackoff
	}
	for k, v := range p.ConsumerConfig() {
		m[k] = v
	}
	m["bootstrap.servers"] = conn.bootstrap
	m["group.id"] = group
	m["client.id"] = clientID
	quietLogs(m)
	for k, v := range runnerConsumerProps {
		m[k] = v
	}
	if conn.consumerReset != "" {
		m["auto.offset.reset"] = conn.consumerReset
	}
	return m
}

// verifyConsumerConfig is the verification reader's configuration (see safety.Conn.ReaderConfig).
func verifyConsumerConfig(conn connection, clientID string) map[string]string {
	return conn.safe().ReaderConfig(clientID)
}

// adminConfig is the configuration of the runner's AdminClient.
func adminConfig(conn connection) map[string]string { return conn.safe().AdminConfig() }

// connection is what every client needs to reach the cluster: the bootstrap servers and the
// client config's (security) properties.
type connection struct {
	bootstrap string
	props     map[string]string
	// consumerReset overrides the measuring consumers' auto.offset.reset ("": earliest): latest
	// on an existing topic, whose older records are not this run's.
	consumerReset string
}

// plainConnection is a connection without security settings (the local cluster without auth).
func plainConnection(bootstrap string) connection { return connection{bootstrap: bootstrap} }

// base is a fresh map with the connection's properties and bootstrap servers.
func (c connection) base() map[string]string { return c.safe().Base() }

// safe is the connection as package safety takes it.
func (c connection) safe() safety.Conn { return safety.Conn{Bootstrap: c.bootstrap, Props: c.props} }

// clientDriver makes every Kafka client the runner uses. The property maps it is given use
// librdkafka's names (producerConfig, consumerConfig, ...); the franz-go driver maps them by
// kafkaconf's franz-go table.
var clientDriver = driverFromEnv()

// driverFromEnv is librdkafka unless the hidden KBENCH_CLIENT=franz-go asks for franz-go for
// every client of the process (consumer worker processes inherit it). It lets make bench measure
// franz-go until the client is chosen per point (`client:` / --client), which replaces it.
func driverFromEnv() driver.Driver {
	if os.Getenv("KBENCH_CLIENT") == "franz-go" {
		return franzgo.New()
	}
	return librdkafka.New()
}

// sortedKeys returns m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// formatConfig renders a config map as "k=v, k=v" in key order (for errors and notes).
func formatConfig(m map[string]string) string { return kafkaconf.FormatConfig(m) }
