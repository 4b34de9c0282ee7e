// Package analysis draws the conclusions kbench states about result files: which points can be
// judged, the durability classes and the recommendation with its costs, the promises a point's
// settings made and whether its audit kept them, the faults a run injected, the capacity
// sentences of a rate search, and the comparison of two runs with its significance test.
//
// It is pure: it reads stats types (result files already on disk) and returns values and
// sentences; plots and the report lay them out, and the CLI decides exit codes from them. It
// imports neither plots, runner nor a Kafka client, so it builds and tests without cgo.
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
package analysis
