package profiles

import (
	"fmt"
	"strings"

	"github.com/kbench/kbench/kafkaconf"
)

// Client names the Kafka client library that runs a point's clients. Clients differ in rate, CPU
// and in how they retry and deduplicate under faults, so the client is part of what a point
// measures: a sweep may vary it (client: [librdkafka, franz-go]) to compare both at the same
// settings.
type Client string

// The clients kbench can measure with.
const (
	ClientLibrdkafka Client = "librdkafka" // confluent-kafka-go over librdkafka (cgo): the default producer client
	ClientFranzGo    Client = "franz-go"   // twmb/franz-go (pure Go): per-broker multi-partition requests, batch polls
)

// Clients lists the clients a profile may name, the default first.
func Clients() []Client { return []Client{ClientLibrdkafka, ClientFranzGo} }

func clientNames() []string {
	var out []string
	for _, c := range Clients() {
		out = append(out, string(c))
	}
	return out
}

// DefaultClient runs a point's producers and live consumers when the point sets no client: the
// project's design names librdkafka, the client most Kafka tools are built on.
const DefaultClient = ClientLibrdkafka

// DefaultReaderClient reads back what a point wrote (the audit's verification read) and reads a
// consume.mode backlog, whatever client produced, unless the point sets consumer.client: those
// reads only have to be fast and complete, and franz-go hands over a whole fetch per poll where
// confluent-kafka-go hands over one record per cgo call (issue 15: 0.34-0.39 times Kafka's
// ConsumerPerformance).
const DefaultReaderClient = ClientFranzGo

// ProducerClient is the client of the point's producers: its client setting, else DefaultClient.
func (p Point) ProducerClient() Client {
	if c := p.Settings.Client; c != nil {
		return *c
	}
	return DefaultClient
}

// MeasuringConsumerClient is the client of the point's measuring consumers (in kbench's process
// or as worker processes): consumer.client if set; else for consume.mode backlog the reader
// default (the backlog read is a read of what is there); else the point's client, so a live
// point's producers and consumers use one library unless the profile says otherwise.
func (p Point) MeasuringConsumerClient() Client {
	switch {
	case p.Settings.ConsumerClient != nil:
		return *p.Settings.ConsumerClient
	case p.Workload.Backlog():
		return DefaultReaderClient
	}
	return p.ProducerClient()
}

// VerifyClient is the client of the audit's verification read: consumer.client if set, else
// DefaultReaderClient, whatever client produced.
func (p Point) VerifyClient() Client {
	if c := p.Settings.ConsumerClient; c != nil {
		return *c
	}
	return DefaultReaderClient
}

// ClientProperty says whether client can honour the client property name (in the seam's names,
// the keys ProducerConfig and ConsumerConfig return); reason says why not. librdkafka takes all
// of them (librdkafka itself refuses an unknown one when the client is created).
func ClientProperty(client Client, name string) (reason string, ok bool) {
	if client != ClientFranzGo {
		return "", true
	}
	return kafkaconf.FranzGoProperty(name)
}

// checkClientProperties refuses, at the line that sets it, every producer or consumer property of
// point pt that the client running it cannot honour: dropping it would measure something else
// than the profile says.
func (p *Profile) checkClientProperties(c candidate, pt Point, errs *problemList) {
	check := func(class string, client Client, cfg, passThrough map[string]string, reserved map[string]string) {
		for _, k := range sortedKeys(cfg) {
			reason, ok := ClientProperty(client, k)
			if ok {
				continue
			}
			field, line := p.propertyOrigin(c, class, k, passThrough, reserved)
			errs.add(p.problem(line, field, "%s cannot honour %s: %s; the point runs %s because %s", client, k, reason, client, p.clientOrigin(c, class, pt)))
		}
	}
	check("producer", pt.ProducerClient(), pt.ProducerConfig(), pt.Workload.ProducerProps, producerReserved)
	if pt.Workload.Consumers > 0 {
		check("consumer", pt.MeasuringConsumerClient(), pt.ConsumerConfig(), pt.Workload.ConsumerProps, consumerReserved)
	}
}

// propertyOrigin finds the field and line that put client property k into a point's config: a
// pass-through property, a workload key or a sweep setting.
func (p *Profile) propertyOrigin(c candidate, class, k string, passThrough, reserved map[string]string) (string, int) {
	if _, ok := passThrough[k]; ok {
		f := "workload." + class + "." + k
		return f, p.line(f)
	}
	owner := reserved[k]
	if strings.HasPrefix(owner, "workload.") {
		return owner, p.line(owner)
	}
	if o, ok := c.origins[owner]; ok {
		return o.field, o.line
	}
	return "workload." + class, p.line("workload")
}

// clientOrigin says why a point's producers or consumers run the client they run.
func (p *Profile) clientOrigin(c candidate, class string, pt Point) string {
	key, client := "client", pt.Settings.Client
	switch {
	case class == "consumer" && pt.Settings.ConsumerClient != nil:
		key, client = "consumer.client", pt.Settings.ConsumerClient
	case class == "consumer" && pt.Workload.Backlog():
		return fmt.Sprintf("consume.mode backlog reads with %s unless consumer.client says otherwise (consumer.client: %s reads with librdkafka)",
			DefaultReaderClient, ClientLibrdkafka)
	}
	if o, ok := c.origins[key]; ok && client != nil {
		return fmt.Sprintf("of %s=%s (line %d)", key, *client, o.line)
	}
	return "of " + key
}
