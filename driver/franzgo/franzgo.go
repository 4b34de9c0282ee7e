// Package franzgo is kbench's driver over github.com/twmb/franz-go (pure Go): it produces and
// fetches per broker with multi-partition requests and consumes in batches. Its properties are
// the librdkafka names the runner uses, mapped to kgo options by kafkaconf's franz-go table; it
// is the only package that imports the client, and everything above works with package driver.
package franzgo

import (
	"context"
	"errors"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kbench/kbench/driver"
)

// Driver creates franz-go clients from librdkafka properties.
type Driver struct{}

// New returns the franz-go driver.
func New() driver.Driver { return Driver{} }

// Name is "franz-go".
func (Driver) Name() string { return "franz-go" }

// Version is franz-go's module version as built into the binary ("unknown" when the binary
// carries no module information).
func (Driver) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/twmb/franz-go" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// NewProducer creates a producer.
func (Driver) NewProducer(cfg map[string]string) (driver.Producer, error) { return NewProducer(cfg) }

// NewConsumer creates a consumer.
func (Driver) NewConsumer(cfg map[string]string) (driver.Consumer, error) { return NewConsumer(cfg) }

// NewAdmin creates an admin client.
func (Driver) NewAdmin(cfg map[string]string) (driver.Admin, error) { return NewAdmin(cfg) }

// Effective is the franz-go configuration a client of the given kind ("producer", "consumer"
// or "admin") would run with for cfg, as sorted "option=value" lines: what the result records.
// A group consumer's group options are included.
func Effective(cfg map[string]string, kind string) ([]string, error) {
	r := roleAdmin
	switch kind {
	case "producer":
		r = roleProducer
	case "consumer":
		r = roleConsumer
	}
	s, err := readSettings(cfg, r)
	if err != nil {
		return nil, err
	}
	if r == roleConsumer && s.group != "" {
		if _, err := s.groupOpts(props(cfg)); err != nil {
			return nil, err
		}
	}
	return formatEffective(s.effective), nil
}

// Check reads props as a client would, without connecting: an unknown or refused property, a
// bad value or an unreadable certificate fails here.
func Check(props map[string]string) error {
	_, err := readSettings(props, roleAdmin)
	return err
}

// connState turns franz-go's connection hooks into client errors (driver.DeliveryHandler's
// ClientError): a refused login is _AUTHENTICATION, a failed TLS handshake _SSL, a refused
// connection _TRANSPORT, and, when no broker connection is open any more, _ALL_BROKERS_DOWN
// (librdkafka's signal that the cluster is unreachable).
type connState struct {
	mu     sync.Mutex
	open   map[int32]int // open connections per broker node
	report func(driver.Error)
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (c *connState) OnBrokerConnect(m kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	c.mu.Lock()
	if c.open == nil {
		c.open = map[int32]int{}
	}
	if err == nil {
		c.open[m.NodeID]++
		c.mu.Unlock()
		return
	}
	down := len(c.open) == 0
	c.mu.Unlock()
	c.fail(err, down)
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect.
func (c *connState) OnBrokerDisconnect(m kgo.BrokerMetadata, _ net.Conn) {
	c.mu.Lock()
	if c.open[m.NodeID]--; c.open[m.NodeID] <= 0 {
		delete(c.open, m.NodeID)
	}
	c.mu.Unlock()
}

// OnBrokerE2E implements kgo.HookBrokerE2E: a SASL handshake or login that fails arrives as
// a failed request of its own.
func (c *connState) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e kgo.BrokerE2E) {
	if err := e.Err(); err != nil && (key == 17 || key == 36) { // SaslHandshake, SaslAuthenticate
		c.fail(err, false)
	}
}

func (c *connState) fail(err error, down bool) {
	if c.report == nil || errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
		return
	}
	e := toError(err)
	switch e.Code() {
	case driver.ErrAuthentication, driver.ErrSsl:
	default:
		if down {
			e = driver.NewError(driver.ErrAllBrokersDown, "_ALL_BROKERS_DOWN", "all broker connections are down: "+err.Error(), driver.Indeterminate, true, false)
		} else {
			e = driver.NewError(driver.ErrTransport, "_TRANSPORT", err.Error(), driver.Indeterminate, true, false)
		}
	}
	c.report(e)
}

// metadata asks for brokers and the requested topics (topic nil and all false: brokers only).
// It does not create topics.
func metadata(cl *kgo.Client, topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	switch {
	case topic != nil:
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(*topic)
		req.Topics = []kmsg.MetadataRequestTopic{t}
	case all:
		req.Topics = nil
	default:
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, wrap(err)
	}
	out := &driver.Metadata{Topics: make(map[string]driver.TopicMetadata, len(resp.Topics))}
	for _, b := range resp.Brokers {
		out.Brokers = append(out.Brokers, driver.BrokerMetadata{ID: b.NodeID, Host: b.Host, Port: int(b.Port)})
	}
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		tm := driver.TopicMetadata{Topic: *t.Topic, Error: codeError(t.ErrorCode, nil)}
		for _, p := range t.Partitions {
			tm.Partitions = append(tm.Partitions, driver.PartitionMetadata{ID: p.Partition, Leader: p.Leader,
				Replicas: p.Replicas, Isrs: p.ISR, Error: codeError(p.ErrorCode, nil)})
		}
		out.Topics[*t.Topic] = tm
	}
	return out, nil
}
