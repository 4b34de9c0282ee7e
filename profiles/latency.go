package profiles

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LatencyLoad is `latency:` under workload: besides its saturation point (rate: max, for
// throughput), each level gets a second point at one fixed offered load, the same for every
// level, for latency. At max rate the producer keeps its in-flight bound full and its latency is
// mostly time queued in the client (a demo measured p99 0.84 to 1.27 s at every level); at a
// common fixed rate the levels' latencies compare.
//
// The rate is either absolute (Rate msgs/s) or a share (Share, 0 to 1) of the least durable
// level's saturated throughput measured in the same run, resolved after the saturation points.
type LatencyLoad struct {
	Rate      int     `json:"rate_messages_per_second,omitempty"`
	Share     float64 `json:"share_of_saturated_throughput,omitempty"`
	Of        string  `json:"share_of,omitempty"`  // whose throughput: LatencyOfLeastDurable ("" too) or LatencyOfSlowest
	Consumers int     `json:"consumers,omitempty"` // consumers at the fixed-load points (0: the workload's)
}

// Whose saturated throughput a share of latency.rate is of.
const (
	// LatencyOfLeastDurable: the least durable level's (the default). On a ladder whose levels
	// differ several-fold in throughput a share of it can overload the durable levels (50 % of
	// acks=0's 189k msgs/s was twice what min ISR 2 sustained: p99 3.2 s at the fixed load).
	LatencyOfLeastDurable = "least-durable"
	// LatencyOfSlowest: the level with the lowest saturated throughput, so that every level is
	// measured below its capacity.
	LatencyOfSlowest = "slowest"
)

// ofSlowest says the share is of the slowest level's throughput.
func (l LatencyLoad) ofSlowest() bool { return l.Of == LatencyOfSlowest }

// OfWhom names whose throughput a share is of, for sentences.
func (l LatencyLoad) OfWhom() string {
	if l.ofSlowest() {
		return "the slowest level's"
	}
	return "the least durable level's"
}

// OfSlowest says the share is of the slowest level's saturated throughput.
func (l LatencyLoad) OfSlowest() bool { return l.ofSlowest() }

// String is the load as a profile writes it: "50%" or "5000".
func (l LatencyLoad) String() string {
	if l.Share > 0 {
		return strconv.FormatFloat(l.Share*100, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(l.Rate)
}

// Describe says in words how the fixed load is set, for --plan and profiles show.
func (l LatencyLoad) Describe() string {
	s := fmt.Sprintf("latency at a fixed %d msgs/s", l.Rate)
	if l.Share > 0 {
		s = fmt.Sprintf("latency at a fixed load of %s of %s saturated throughput (resolved after the saturation points)", l.String(), l.OfWhom())
	}
	if l.Consumers > 0 {
		s += fmt.Sprintf(", %d consumers", l.Consumers)
	}
	return s
}

var latencyKeys = []string{"rate", "of", "consumers"}

// latencyLoad reads workload.latency: {rate: 50% | 5000, consumers: N}.
func (r *reader) latencyLoad(w *Workload, n *yaml.Node, field string) {
	if n.Kind != yaml.MappingNode {
		r.add(n, field, "want a mapping with rate (a share such as 50%% of the least durable level's saturated throughput, or msgs/s) and optional consumers, got %s", got(n))
		return
	}
	l := &LatencyLoad{}
	hasRate := false
	for _, kv := range r.pairs(n, field) {
		f, v := kv.fullPath, kv.val
		switch kv.key {
		case "rate":
			hasRate = true
			if v.Kind == yaml.ScalarNode && strings.HasSuffix(strings.TrimSpace(v.Value), "%") {
				if p, ok := r.percent(v, f, 1, 100); ok {
					l.Share = p
				}
			} else if v.Kind == yaml.ScalarNode {
				if _, err := strconv.ParseInt(v.Value, 10, 64); err != nil {
					r.add(v, f, "want a share such as 50%% or a number of messages per second, got '%s'", v.Value)
				} else {
					l.Rate = r.intField(v, f, "messages per second", 1, math.MaxInt32)
				}
			} else {
				r.add(v, f, "want a share such as 50%% or a number of messages per second, got %s", got(v))
			}
		case "of":
			l.Of, _ = r.oneOf(v, f, []string{LatencyOfLeastDurable, LatencyOfSlowest})
		case "consumers":
			l.Consumers = r.instances(v, f, "consumers", 1)
		default:
			r.unknown(kv, field, latencyKeys)
		}
	}
	if !hasRate {
		r.add(n, field+".rate", "required key is missing (e.g. rate: 50%%)")
	}
	if l.Of != "" && l.Share == 0 && hasRate {
		r.add(n, field+".of", "of says whose throughput a share is of: it needs rate as a share such as 50%%")
	}
	w.Latency = l
}

// checkLatency checks what latency: needs of the whole workload: saturation points to derive
// from (rate: max), live consumers.
func (r *reader) checkLatency(w *Workload, searchRate bool, n *yaml.Node) {
	if w.Latency == nil {
		return
	}
	at := n
	if l := r.lines["workload.latency"]; l > 0 {
		at = &yaml.Node{Line: l}
	}
	switch {
	case searchRate || w.Rate != 0:
		r.add(at, "workload.latency", "latency: adds fixed-load points to saturation points: it needs rate: max (a fixed rate already measures latency at that rate; a search finds its own)")
	case w.Backlog():
		r.add(at, "workload.latency", "latency: measures end-to-end latency live: not with consume.mode backlog")
	}
}

// FixedLoadSuffix ends the id of a level's fixed-load point: "<saturation point id>" +
// FixedLoadSuffix.
const FixedLoadSuffix = "_fixed-load"

// FixedLoadPoints are the fixed-load points of a sweep with latency: set (nil without): one per
// saturation point, same level and settings, at rate (resolved by the runner; 0 until then),
// with the latency block's consumers.
func FixedLoadPoints(points []Point, rate int) []Point {
	var out []Point
	for _, p := range points {
		l := p.Workload.Latency
		if l == nil {
			continue
		}
		fp := p
		fp.ID = p.ID + FixedLoadSuffix
		fp.Label = p.Label + " @ fixed load"
		fp.Workload.Latency = nil
		fp.Workload.Rate = rate
		if l.Rate > 0 && rate == 0 {
			fp.Workload.Rate = l.Rate
		}
		if l.Consumers > 0 {
			fp.Workload.Consumers = l.Consumers
		}
		fp.Notes = append(append([]string(nil), p.Notes...), "fixed-load point of level "+p.Level.Name+": "+l.Describe())
		out = append(out, fp)
	}
	return out
}
