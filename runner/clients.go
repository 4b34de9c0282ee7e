package runner

import (
	"errors"
	"fmt"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/driver/franzgo"
	"github.com/kbench/kbench/driver/librdkafka"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// clientDriver makes the runner's own clients, which no point chooses: the admin client, the
// first-contact probe, the broker-settings lease and the committed-offsets reader. A point's
// producers, consumers and verification read use the client it chooses (clientsFor).
var clientDriver driver.Driver = librdkafka.New()

// clientDrivers are the client libraries a point can choose, by the name a profile gives.
var clientDrivers = map[profiles.Client]driver.Driver{
	profiles.ClientLibrdkafka: clientDriver,
	profiles.ClientFranzGo:    franzgo.New(),
}

// errNoClient says a profile names a client this kbench was built without.
var errNoClient = errors.New("client not built into this kbench")

// driverFor is the driver of the named client.
func driverFor(c profiles.Client) (driver.Driver, error) {
	if d, ok := clientDrivers[c]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("%s: %w", c, errNoClient)
}

// pointClients are the client libraries of one point: its producers, its measuring consumers
// (live, worker processes or the backlog read) and the audit's verification read.
type pointClients struct {
	producer, consumer, verify driver.Driver
	// notes say where the reader default could not be used (and librdkafka read instead).
	notes []string
}

// clientsFor resolves the point's clients. A client the point chose (client, consumer.client)
// that cannot honour a property of the client config is an error (checkClients refuses it before
// the run); where the point chose nothing and the fast reader (profiles.DefaultReaderClient)
// cannot honour the client config, librdkafka reads instead and a note says so.
func (s *session) clientsFor(p profiles.Point) (pointClients, error) {
	var pc pointClients
	var err error
	if pc.producer, err = s.chosenDriver(p.ProducerClient(), "client"); err != nil {
		return pc, err
	}
	chosen := p.Settings.ConsumerClient != nil
	if pc.consumer, err = s.readerDriver(p.MeasuringConsumerClient(), chosen || !p.Workload.Backlog(), "the backlog read", &pc.notes); err != nil {
		return pc, err
	}
	if pc.verify, err = s.readerDriver(p.VerifyClient(), chosen, "the verification read", &pc.notes); err != nil {
		return pc, err
	}
	return pc, nil
}

// chosenDriver is the driver of a client the point chose, refused when it cannot honour the
// client config (key names the setting that chose it).
func (s *session) chosenDriver(c profiles.Client, key string) (driver.Driver, error) {
	if prop, reason, bad := s.unhonoured(c); bad {
		return nil, fmt.Errorf("%w: %s=%s cannot honour %s (%s): %s; choose %s for this point or leave the property out",
			ErrBadPoints, key, c, prop, s.opts.Client.Where(prop), reason, profiles.ClientLibrdkafka)
	}
	return driverFor(c)
}

// readerDriver is the driver of a reader: chosen by the point (refused as chosenDriver refuses),
// or the reader default, which gives way to librdkafka with a note when it cannot be used.
func (s *session) readerDriver(c profiles.Client, chosen bool, what string, notes *[]string) (driver.Driver, error) {
	if chosen {
		return s.chosenDriver(c, "consumer.client")
	}
	prop, reason, bad := s.unhonoured(c)
	d, err := driverFor(c)
	switch {
	case bad:
		*notes = append(*notes, fmt.Sprintf("%s used %s, not %s: %s cannot honour %s (%s): %s", what, profiles.ClientLibrdkafka, c, c, prop, s.opts.Client.Where(prop), reason))
		return driverFor(profiles.ClientLibrdkafka)
	case err != nil:
		*notes = append(*notes, fmt.Sprintf("%s used %s: %v", what, profiles.ClientLibrdkafka, err))
		return driverFor(profiles.ClientLibrdkafka)
	}
	return d, nil
}

// unhonoured finds the first property of the client config (bootstrap servers aside) that client
// c cannot honour.
func (s *session) unhonoured(c profiles.Client) (prop, reason string, bad bool) {
	for _, k := range sortedKeys(s.conn.props) {
		if k == "bootstrap.servers" {
			continue
		}
		if why, ok := profiles.ClientProperty(c, k); !ok {
			return k, why, true
		}
	}
	return "", "", false
}

// checkClients resolves every point's clients before anything changes, so a client the point
// chose that cannot honour the client config, or that this kbench lacks, fails the run at once.
func (s *session) checkClients(points []profiles.Point) error {
	var errs []error
	for _, p := range points {
		if _, err := s.clientsFor(p); err != nil {
			errs = append(errs, fmt.Errorf("point %s: %w", p.ID, err))
		}
	}
	return errors.Join(errs...)
}

// clientOptions are the effective options of clients that map the seam's properties to options
// of their own, by driver name, for the result.
var clientOptions = map[string]func(cfg map[string]string, kind string) ([]string, error){
	franzgo.New().Name(): franzgo.Effective,
}

// optionsOf is what the result records as a client's own options for cfg (kind "producer" or
// "consumer"): nil for a client whose properties are its options, or when they cannot be read
// (the client's creation then fails with the reason).
func optionsOf(d driver.Driver, cfg map[string]string, kind string) []string {
	f, ok := clientOptions[d.Name()]
	if !ok {
		return nil
	}
	opts, err := f(cfg, kind)
	if err != nil {
		return nil
	}
	return opts
}

// libraryOf is how a result names a driver's client library.
func libraryOf(d driver.Driver) *stats.ClientLibrary {
	return &stats.ClientLibrary{Name: d.Name(), Version: d.Version()}
}
