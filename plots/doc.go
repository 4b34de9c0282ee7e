// Package plots turns a results folder into what a reader takes away: charts (PNG and SVG) for
// capacity-planning documents, a report with the recommendation package analysis draws from
// the data, and the text of a comparison of two runs.
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
// The conclusions (recommendation, durability verdicts, comparison and its significance rule)
// are package analysis's; this package lays them out.
package plots
