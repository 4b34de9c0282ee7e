package analysis

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// At one fixed offered rate every level delivers the same throughput by design: the sentence
// must put the cost in latency instead of claiming "0.0 % throughput".
func TestCostPhraseAtFixedRate(t *testing.T) {
	mk := func(name string, mbps, p99 float64) *class {
		r := &stats.Result{Metrics: stats.Metrics{TargetRate: 1000,
			Acked:          stats.Throughput{MBPerSecond: mbps},
			ProduceLatency: stats.LatencySummary{P99Ms: p99}}}
		return &class{name: name, best: Point{Result: r}}
	}
	got := costPhrase(mk("acks=all", 0.244, 12), mk("acks=1", 0.244, 4))
	if want := "keeps the same target rate (1000 msgs/s) at +8.00 ms p99"; !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want prefix %q", got, want)
	}
	got = costPhrase(mk("acks=all", 0.2, 12), mk("acks=1", 0.244, 4))
	if !strings.HasPrefix(got, "costs 18.0 % throughput") {
		t.Errorf("a level that fell short of the target rate costs throughput: got %q", got)
	}
}
