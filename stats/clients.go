package stats

// legacyClient is the client of every point in a file written before kbench recorded its
// clients: librdkafka was the only one then.
func legacyClient(env Environment) *ClientLibrary {
	return &ClientLibrary{Name: "librdkafka", Version: env.LibrdkafkaVersion}
}

// Clients are the client libraries of the result's producers, measuring consumers and
// verification read, with librdkafka for a file that predates their record (it was the only
// client then). A point without consumers has a nil consumer client.
func (r *Result) Clients() (producer, consumer, verify *ClientLibrary) {
	e := r.Effective
	if e.ProducerClient == nil && e.ConsumerClient == nil && e.VerifyClient == nil {
		old := legacyClient(r.Environment)
		if r.Point.Workload.Consumers > 0 {
			consumer = old
		}
		return old, consumer, old
	}
	return e.ProducerClient, e.ConsumerClient, e.VerifyClient
}

// ClientSummary says in a few words which client measured the point: "librdkafka" when one
// library ran everything, else each role's ("producers librdkafka, consumers franz-go,
// verification read franz-go"). Versions are left to ClientDetail.
func (r *Result) ClientSummary() string { return r.clientText(func(c *ClientLibrary) string { return c.Name }) }

// ClientDetail is ClientSummary with each library's version.
func (r *Result) ClientDetail() string { return r.clientText((*ClientLibrary).String) }

func (r *Result) clientText(name func(*ClientLibrary) string) string {
	p, c, v := r.Clients()
	parts := []struct {
		role string
		lib  *ClientLibrary
	}{{"producers", p}, {"consumers", c}, {"verification read", v}}
	same, first := true, ""
	for _, pt := range parts {
		if pt.lib == nil {
			continue
		}
		if first == "" {
			first = name(pt.lib)
		} else if name(pt.lib) != first {
			same = false
		}
	}
	if same {
		if first == "" {
			return "unknown"
		}
		return first
	}
	out := ""
	for _, pt := range parts {
		if pt.lib == nil {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += pt.role + " " + name(pt.lib)
	}
	return out
}
