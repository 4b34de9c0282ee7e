package safety

import (
	"errors"
	"maps"

	"github.com/kbench/kbench/kafkaconf"
)

// Conn is what every client needs to reach the cluster: the bootstrap servers and the client
// config's (security) properties, in librdkafka's names.
type Conn struct {
	Bootstrap string
	Props     map[string]string
}

// ResolveConn picks the bootstrap servers (the flag, else the client config's) and the client
// config's properties.
func ResolveConn(bootstrap string, cc *kafkaconf.ClientConfig) (Conn, error) {
	if bootstrap == "" {
		bootstrap = cc.Bootstrap()
	}
	if bootstrap == "" {
		return Conn{}, BadInput(errors.New("no bootstrap servers: give --bootstrap HOST:PORT or bootstrap.servers in the client config"))
	}
	if err := ValidateBootstrap(bootstrap, "bootstrap servers"); err != nil {
		return Conn{}, err
	}
	var props map[string]string
	if cc != nil {
		props = maps.Clone(cc.Props)
	}
	return Conn{Bootstrap: bootstrap, Props: props}, nil
}

// Base is a fresh map with the connection's properties and bootstrap servers.
func (c Conn) Base() map[string]string {
	m := make(map[string]string, len(c.Props)+8)
	for k, v := range c.Props {
		m[k] = v
	}
	m["bootstrap.servers"] = c.Bootstrap
	return m
}

// AdminConfig is the configuration of kbench's AdminClient.
func (c Conn) AdminConfig() map[string]string {
	m := c.Base()
	m["client.id"], m["log_level"] = "kbench-admin", "0"
	return m
}

// FetchQueueBackoff replaces librdkafka's fetch.queue.backoff.ms default (1000), which leaves a
// consumer that drains its queue quickly idle for up to a second at a time (see the runner's
// consumerConfig for the measurement).
const FetchQueueBackoff = "10"

// ReaderConfig is the configuration of a reader that assigns partitions itself and commits
// nothing (the verification read, the lease read): it must read everything, so no point setting
// applies. isolation.level=read_uncommitted so nothing written is hidden.
func (c Conn) ReaderConfig(clientID string) map[string]string {
	m := c.Base()
	for k, v := range map[string]string{
		"group.id":               clientID, // required by librdkafka even when only assigning
		"client.id":              clientID,
		"enable.auto.commit":     "false",
		"auto.offset.reset":      "earliest",
		"enable.partition.eof":   "false",
		"isolation.level":        "read_uncommitted",
		"log_level":              "0",
		"fetch.queue.backoff.ms": FetchQueueBackoff,
	} {
		m[k] = v
	}
	return m
}

// User names the client config's SASL user for messages ("the client" without one).
func (c Conn) User() string {
	if u := c.Props["sasl.username"]; u != "" {
		return "user " + u
	}
	return "the client"
}
