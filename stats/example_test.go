package stats_test

import (
	"fmt"
	"time"

	"github.com/kbench/kbench/stats"
)

// Each producer goroutine records into its own histogram; the point merges them at the end.
func ExampleHistogram() {
	a, b := stats.NewHistogram(), stats.NewHistogram()
	for i := 1; i <= 100; i++ {
		a.Record(time.Duration(i) * time.Millisecond)
	}
	b.Record(2 * time.Hour) // beyond the range: clamped and counted
	a.Merge(b)
	s := a.Summary()
	fmt.Printf("count=%d p50=%.1fms p99=%.1fms max=%.0fms overflow=%d\n", s.Count, s.P50Ms, s.P99Ms, s.MaxMs, s.Overflow)
	// Output: count=101 p50=51.0ms p99=100.0ms max=3600000ms overflow=1
}
