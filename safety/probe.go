package safety

// The first contact with the cluster: fail fast and clearly before anything changes (unreachable,
// wrong password, TLS failure) instead of librdkafka's endless retries.

import (
	"errors"
	"fmt"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
)

// ErrAuthFailed says the cluster refused the credentials (wrong user or password, mechanism).
var ErrAuthFailed = errors.New("authentication failed")

// probeTimeout bounds the first contact with the cluster; connectTimeout is the per-connection
// setup bound given to that probe (librdkafka's default is 30 s).
const (
	probeTimeout   = MetadataTimeout
	connectTimeout = "5000"
	// allDownGrace is how long every bootstrap server may refuse connections before the probe
	// gives up early (a refused connection is definite; a broker restarting takes longer).
	allDownGrace = 2 * time.Second
)

// Probe makes the first contact with the cluster through a short-lived producer handle, whose
// error events say within a second or two what librdkafka would otherwise retry forever: a wrong
// password (ErrAuthFailed), a TLS failure or refused connections (ErrUnreachable). It returns the
// cluster's metadata, bounded by probeTimeout.
func Probe(d driver.Driver, conn Conn) (*driver.Metadata, error) {
	cfg := conn.Base()
	cfg["client.id"], cfg["log_level"] = "kbench-probe", "0"
	if _, ok := cfg["socket.connection.setup.timeout.ms"]; !ok {
		cfg["socket.connection.setup.timeout.ms"] = connectTimeout
	}
	p, err := d.NewProducer(cfg)
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
		return fmt.Errorf("%w: no broker of %s answered: %s%s", ErrUnreachable, conn.Bootstrap, why, detail)
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

// authError names the user, the servers and the mechanism the cluster refused.
func authError(conn Conn, e driver.Error) error {
	user := conn.Props["sasl.username"]
	who := ""
	if user != "" {
		who = " for user " + user
	}
	return fmt.Errorf("%w%s at %s (%s %s): %s; check the password and sasl.mechanism in the client config",
		ErrAuthFailed, who, conn.Bootstrap, conn.Props["security.protocol"], conn.Props["sasl.mechanisms"], e.String())
}
