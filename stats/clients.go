package stats

import "strings"

// legacyClient is the client of every point in a file written before kbench recorded its
// clients: librdkafka was the only one then.
func legacyClient(env Environment) *ClientLibrary {
	return &ClientLibrary{Name: "librdkafka", Version: env.LibrdkafkaVersion}
}

// Clients are the client libraries of the result's producers, measuring consumers and
// verification read, with librdkafka for a file that predates their record (it was the only
// client then). A point without consumers has a nil consumer client; a point that failed before
// its clients were chosen has none (unknown).
func (r *Result) Clients() (producer, consumer, verify *ClientLibrary) {
	e, s := r.Effective, r.Point.Settings
	if e.ProducerClient == nil && e.ConsumerClient == nil && e.VerifyClient == nil {
		if r.Status == StatusFailed || s.Client != nil || s.ConsumerClient != nil {
			return nil, nil, nil
		}
		old := legacyClient(r.Environment)
		if r.Point.Workload.Consumers > 0 {
			consumer = old
		}
		return old, consumer, old
	}
	return e.ProducerClient, e.ConsumerClient, e.VerifyClient
}

// ClientSummary says in a few words which client measured the point (its producers and
// consumers): "librdkafka" when one library ran both, else each role's ("producers librdkafka,
// consumers franz-go"); "" when unknown. ClientDetail adds the verification read and versions.
func (r *Result) ClientSummary() string {
	p, c, _ := r.Clients()
	return clientText(func(c *ClientLibrary) string { return c.Name }, p, c, nil)
}

// ClientDetail names every client library of the point with its version, the verification
// read's included.
func (r *Result) ClientDetail() string {
	p, c, v := r.Clients()
	return clientText((*ClientLibrary).String, p, c, v)
}

// clientText is one name when every given role (nil: none) has the same, else each role's.
func clientText(name func(*ClientLibrary) string, p, c, v *ClientLibrary) string {
	parts := []struct {
		role string
		lib  *ClientLibrary
	}{{"producers", p}, {"consumers", c}, {"verification read", v}}
	var names []string
	same := true
	for _, pt := range parts {
		if pt.lib == nil {
			continue
		}
		if len(names) > 0 && name(pt.lib) != names[0] {
			same = false
		}
		names = append(names, name(pt.lib))
	}
	if len(names) == 0 {
		return ""
	}
	if same {
		return names[0]
	}
	var out []string
	for _, pt := range parts {
		if pt.lib != nil {
			out = append(out, pt.role+" "+name(pt.lib))
		}
	}
	return strings.Join(out, ", ")
}
