// Package plots turns a results folder into what a reader takes away: charts (PNG and SVG) for
// capacity-planning documents, a report with a recommendation drawn from the data, and a
// comparison of two runs that says whether a difference is more than the runs' own noise.
//
// Everything here reads result files through package stats and nothing else, so any old run can
// be drawn, reported and compared again without a cluster.
//
// # Charts
//
// DrawAll writes, for a run, throughput.{png,svg}, latency, tradeoff, percentiles-produce,
// percentiles-end-to-end, sweep-<setting> (only for a sweep along one numeric setting) and one
// timeline-<point id> per drawn point. Failed and missing points are left out and named in every
// caption; incomplete points are drawn faded or dashed and marked "(incomplete)".
//
// # Compare's significance rule
//
// For each point measured in both runs, the throughput ratio is B/A of the acknowledged
// msgs/s, and the latency ratios B/A of produce p50 and p99. The noise of a run is taken from its
// own per-second series: for throughput, the relative standard error of the per-second
// acknowledged rate, RSE = sd / (mean * sqrt(n)); for latency, the same of the per-second
// produce p99. A ratio is significant when |ratio - 1| exceeds both twice the combined error
// sqrt(RSE_A^2 + RSE_B^2) and a floor (3 % for throughput, 10 % for latency), because
// per-second rows are correlated and two runs on a shared host differ by more than one run's
// seconds do. A significant drop in throughput, or rise in p50 or p99, is a regression.
package plots
