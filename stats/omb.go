package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OMBTestResult is one point in OpenMessaging Benchmark's TestResult JSON layout (the file its
// benchmark writes and its bin/create_charts.py reads), so kbench runs can be charted or compared
// with OMB tooling. Every field of OMB's TestResult is written, with OMB's JSON types (see
// testdata/omb-testresult-schema.txt) and units: latencies in milliseconds, publish delay in
// whole microseconds. The per-interval arrays have one entry per OMBPeriod (10 s, OMB's reporting
// period), each from the merged per-second histograms of that window (exact percentiles, never
// averaged) and the window's summed counts; a last, shorter window is divided by its own length.
//
// Differences from OMB itself: driver is "Kafka " plus the point's label so each point is its own
// line in OMB's charts; topics is 1 (each point has its own topic); publish latency is measured
// from the scheduled send time (kbench's produce latency, free of coordinated omission), so it
// already holds the publish delay, which OMB measures from the actual send; publish delay is
// scheduled to actual send (0 in closed loop, where nothing is scheduled). Result files of
// rate-mode points from a kbench without the send-delay histogram give publish delay as unknown:
// empty arrays and quantiles, null aggregates (see OMBNotes).
type OMBTestResult struct {
	Workload          string `json:"workload"`
	Driver            string `json:"driver"`
	MessageSize       int64  `json:"messageSize"`
	Topics            int    `json:"topics"`
	Partitions        int    `json:"partitions"`
	ProducersPerTopic int    `json:"producersPerTopic"`
	ConsumersPerTopic int    `json:"consumersPerTopic"`

	PublishRate      []float64 `json:"publishRate"`
	PublishErrorRate []float64 `json:"publishErrorRate"`
	ConsumeRate      []float64 `json:"consumeRate"`
	Backlog          []int64   `json:"backlog"`

	PublishLatencyAvg     []float64 `json:"publishLatencyAvg"`
	PublishLatency50pct   []float64 `json:"publishLatency50pct"`
	PublishLatency75pct   []float64 `json:"publishLatency75pct"`
	PublishLatency95pct   []float64 `json:"publishLatency95pct"`
	PublishLatency99pct   []float64 `json:"publishLatency99pct"`
	PublishLatency999pct  []float64 `json:"publishLatency999pct"`
	PublishLatency9999pct []float64 `json:"publishLatency9999pct"`
	PublishLatencyMax     []float64 `json:"publishLatencyMax"`

	PublishDelayLatencyAvg     []float64 `json:"publishDelayLatencyAvg"` // µs
	PublishDelayLatency50pct   []int64   `json:"publishDelayLatency50pct"`
	PublishDelayLatency75pct   []int64   `json:"publishDelayLatency75pct"`
	PublishDelayLatency95pct   []int64   `json:"publishDelayLatency95pct"`
	PublishDelayLatency99pct   []int64   `json:"publishDelayLatency99pct"`
	PublishDelayLatency999pct  []int64   `json:"publishDelayLatency999pct"`
	PublishDelayLatency9999pct []int64   `json:"publishDelayLatency9999pct"`
	PublishDelayLatencyMax     []int64   `json:"publishDelayLatencyMax"`

	AggregatedPublishLatencyAvg     float64 `json:"aggregatedPublishLatencyAvg"`
	AggregatedPublishLatency50pct   float64 `json:"aggregatedPublishLatency50pct"`
	AggregatedPublishLatency75pct   float64 `json:"aggregatedPublishLatency75pct"`
	AggregatedPublishLatency95pct   float64 `json:"aggregatedPublishLatency95pct"`
	AggregatedPublishLatency99pct   float64 `json:"aggregatedPublishLatency99pct"`
	AggregatedPublishLatency999pct  float64 `json:"aggregatedPublishLatency999pct"`
	AggregatedPublishLatency9999pct float64 `json:"aggregatedPublishLatency9999pct"`
	AggregatedPublishLatencyMax     float64 `json:"aggregatedPublishLatencyMax"`

	// Publish delay aggregates, µs; null when the result has no send-delay histogram (unknown,
	// never 0).
	AggregatedPublishDelayLatencyAvg     *float64 `json:"aggregatedPublishDelayLatencyAvg"`
	AggregatedPublishDelayLatency50pct   *int64   `json:"aggregatedPublishDelayLatency50pct"`
	AggregatedPublishDelayLatency75pct   *int64   `json:"aggregatedPublishDelayLatency75pct"`
	AggregatedPublishDelayLatency95pct   *int64   `json:"aggregatedPublishDelayLatency95pct"`
	AggregatedPublishDelayLatency99pct   *int64   `json:"aggregatedPublishDelayLatency99pct"`
	AggregatedPublishDelayLatency999pct  *int64   `json:"aggregatedPublishDelayLatency999pct"`
	AggregatedPublishDelayLatency9999pct *int64   `json:"aggregatedPublishDelayLatency9999pct"`
	AggregatedPublishDelayLatencyMax     *int64   `json:"aggregatedPublishDelayLatencyMax"`

	AggregatedPublishLatencyQuantiles      OMBQuantiles      `json:"aggregatedPublishLatencyQuantiles"`
	AggregatedPublishDelayLatencyQuantiles OMBDelayQuantiles `json:"aggregatedPublishDelayLatencyQuantiles"` // µs

	EndToEndLatencyAvg     []float64 `json:"endToEndLatencyAvg"`
	EndToEndLatency50pct   []float64 `json:"endToEndLatency50pct"`
	EndToEndLatency75pct   []float64 `json:"endToEndLatency75pct"`
	EndToEndLatency95pct   []float64 `json:"endToEndLatency95pct"`
	EndToEndLatency99pct   []float64 `json:"endToEndLatency99pct"`
	EndToEndLatency999pct  []float64 `json:"endToEndLatency999pct"`
	EndToEndLatency9999pct []float64 `json:"endToEndLatency9999pct"`
	EndToEndLatencyMax     []float64 `json:"endToEndLatencyMax"`

	AggregatedEndToEndLatencyQuantiles OMBQuantiles `json:"aggregatedEndToEndLatencyQuantiles"`
	AggregatedEndToEndLatencyAvg       float64      `json:"aggregatedEndToEndLatencyAvg"`
	AggregatedEndToEndLatency50pct     float64      `json:"aggregatedEndToEndLatency50pct"`
	AggregatedEndToEndLatency75pct     float64      `json:"aggregatedEndToEndLatency75pct"`
	AggregatedEndToEndLatency95pct     float64      `json:"aggregatedEndToEndLatency95pct"`
	AggregatedEndToEndLatency99pct     float64      `json:"aggregatedEndToEndLatency99pct"`
	AggregatedEndToEndLatency999pct    float64      `json:"aggregatedEndToEndLatency999pct"`
	AggregatedEndToEndLatency9999pct   float64      `json:"aggregatedEndToEndLatency9999pct"`
	AggregatedEndToEndLatencyMax       float64      `json:"aggregatedEndToEndLatencyMax"`
}

// OMBPeriod is OMB's reporting period: its per-interval arrays have one entry per 10 s
// (WorkloadGenerator.printAndCollectStats), and its chart script draws entry i at 10*i seconds.
const OMBPeriod = 10 * time.Second

// ombPeriodSeconds is OMBPeriod in kbench's per-second rows.
const ombPeriodSeconds = int(OMBPeriod / time.Second)

// OMBQuantiles is OMB's percentile -> latency (ms) map. It is written with keys in numeric order
// and formatted as Java formats doubles ("50.0"), as OMB's own files have them.
type OMBQuantiles []Quantile

// MarshalJSON writes the quantiles as a JSON object in percentile order.
func (q OMBQuantiles) MarshalJSON() ([]byte, error) {
	return marshalQuantiles(len(q), func(i int) (float64, string) {
		return q[i].Percentile, strconv.FormatFloat(finite(q[i].ValueMs), 'g', -1, 64)
	}), nil
}

// UnmarshalJSON reads the map form back, sorted by percentile.
func (q *OMBQuantiles) UnmarshalJSON(data []byte) error {
	out := OMBQuantiles{}
	err := unmarshalQuantiles(data, func(p, v float64) { out = append(out, Quantile{Percentile: p, ValueMs: v}) })
	if err != nil {
		return err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Percentile < out[j].Percentile })
	*q = out
	return nil
}

// OMBDelayQuantiles is OMB's percentile -> publish delay map (Map<Double, Long>): delays in
// whole microseconds, keys as OMBQuantiles writes them.
type OMBDelayQuantiles []DelayQuantile

// DelayQuantile is one point of the publish delay distribution.
type DelayQuantile struct {
	Percentile float64
	Micros     int64
}

// MarshalJSON writes the quantiles as a JSON object in percentile order.
func (q OMBDelayQuantiles) MarshalJSON() ([]byte, error) {
	return marshalQuantiles(len(q), func(i int) (float64, string) {
		return q[i].Percentile, strconv.FormatInt(q[i].Micros, 10)
	}), nil
}

// UnmarshalJSON reads the map form back, sorted by percentile.
func (q *OMBDelayQuantiles) UnmarshalJSON(data []byte) error {
	out := OMBDelayQuantiles{}
	err := unmarshalQuantiles(data, func(p float64, v int64) { out = append(out, DelayQuantile{Percentile: p, Micros: v}) })
	if err != nil {
		return err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Percentile < out[j].Percentile })
	*q = out
	return nil
}

// marshalQuantiles writes n quantiles as OMB's JSON object: keys as Java prints a double, values
// as at renders them, in the order given.
func marshalQuantiles(n int, at func(i int) (percentile float64, value string)) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		p, v := at(i)
		b.WriteString(strconv.Quote(javaDouble(p)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// unmarshalQuantiles reads OMB's percentile -> value object, handing each entry to add.
func unmarshalQuantiles[V float64 | int64](data []byte, add func(percentile float64, value V)) error {
	var m map[string]V
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for k, v := range m {
		p, err := strconv.ParseFloat(k, 64)
		if err != nil {
			return fmt.Errorf("quantile key %q: %w", k, err)
		}
		add(p, v)
	}
	return nil
}

// javaDouble formats f as Java's Double.toString does for values in OMB's range: always with a
// decimal point.
func javaDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// finite maps NaN and infinities (which JSON cannot hold) to 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// ombQuantileTicks is the percentile resolution of OMB's aggregated quantile maps: OMB iterates
// HdrHistogram percentiles with 100 ticks per half distance.
const ombQuantileTicks = 100

// OMBResult converts one point to OMB's layout. intervals are the point's interval histograms
// (from its .hlog; may be nil), which give the per-interval latency arrays; without them those
// arrays are empty (a window's percentiles cannot be had from per-second ones).
func OMBResult(workload string, r *Result, intervals []Interval) (*OMBTestResult, error) {
	if r == nil {
		return nil, errors.New("omb: nil result")
	}
	w := r.Point.Workload
	label := r.Point.Label
	if label == "" {
		label = r.Point.ID
	}
	if rep := r.Repetition; rep != nil {
		label += fmt.Sprintf(" (repetition %d of %d)", rep.Number, rep.Of)
	}
	o := &OMBTestResult{
		Workload:          workload,
		Driver:            "Kafka " + label,
		MessageSize:       messageSize(r),
		Topics:            1,
		Partitions:        r.Effective.Partitions,
		ProducersPerTopic: w.Producers,
		ConsumersPerTopic: w.Consumers,
	}
	if o.Partitions == 0 {
		o.Partitions = w.Partitions
	}
	windows := ombWindows(r)
	o.PublishRate, o.PublishErrorRate, o.ConsumeRate, o.Backlog = windowRates(r.Series, windows)

	merged := mergeWindows(intervals, windows)
	pub := newOMBSeries(merged[HistProduce], windows, intervals != nil)
	e2e := newOMBSeries(merged[HistEndToEnd], windows, intervals != nil)
	o.PublishLatencyAvg, o.PublishLatency50pct, o.PublishLatency75pct = pub.avg, pub.p50, pub.p75
	o.PublishLatency95pct, o.PublishLatency99pct, o.PublishLatency999pct = pub.p95, pub.p99, pub.p999
	o.PublishLatency9999pct, o.PublishLatencyMax = pub.p9999, pub.max
	o.EndToEndLatencyAvg, o.EndToEndLatency50pct, o.EndToEndLatency75pct = e2e.avg, e2e.p50, e2e.p75
	o.EndToEndLatency95pct, o.EndToEndLatency99pct, o.EndToEndLatency999pct = e2e.p95, e2e.p99, e2e.p999
	o.EndToEndLatency9999pct, o.EndToEndLatencyMax = e2e.p9999, e2e.max

	hasDelay := r.Histograms[HistSendDelay] != ""
	if !hasDelay && closedLoop(r) {
		merged[HistSendDelay] = zerosLike(merged[HistProduce])
		hasDelay = true
	}
	delay := newOMBSeries(merged[HistSendDelay], windows, intervals != nil && hasDelay)
	o.PublishDelayLatencyAvg = micros(delay.avg)
	o.PublishDelayLatency50pct, o.PublishDelayLatency75pct = microsInt(delay.p50), microsInt(delay.p75)
	o.PublishDelayLatency95pct, o.PublishDelayLatency99pct = microsInt(delay.p95), microsInt(delay.p99)
	o.PublishDelayLatency999pct, o.PublishDelayLatency9999pct = microsInt(delay.p999), microsInt(delay.p9999)
	o.PublishDelayLatencyMax = microsInt(delay.max)

	p := r.Metrics.ProduceLatency
	o.AggregatedPublishLatencyAvg, o.AggregatedPublishLatency50pct = p.MeanMs, p.P50Ms
	o.AggregatedPublishLatency75pct, o.AggregatedPublishLatency95pct = p.P75Ms, p.P95Ms
	o.AggregatedPublishLatency99pct, o.AggregatedPublishLatency999pct = p.P99Ms, p.P999Ms
	o.AggregatedPublishLatency9999pct, o.AggregatedPublishLatencyMax = p.P9999Ms, p.MaxMs
	e := r.Metrics.EndToEndLatency
	o.AggregatedEndToEndLatencyAvg, o.AggregatedEndToEndLatency50pct = e.MeanMs, e.P50Ms
	o.AggregatedEndToEndLatency75pct, o.AggregatedEndToEndLatency95pct = e.P75Ms, e.P95Ms
	o.AggregatedEndToEndLatency99pct, o.AggregatedEndToEndLatency999pct = e.P99Ms, e.P999Ms
	o.AggregatedEndToEndLatency9999pct, o.AggregatedEndToEndLatencyMax = e.P9999Ms, e.MaxMs

	var err error
	if o.AggregatedPublishLatencyQuantiles, err = ombQuantiles(r, HistProduce); err != nil {
		return nil, err
	}
	if o.AggregatedEndToEndLatencyQuantiles, err = ombQuantiles(r, HistEndToEnd); err != nil {
		return nil, err
	}
	if err := fillDelayAggregates(o, r); err != nil {
		return nil, err
	}
	return o, nil
}

// closedLoop says whether the point ran without a target rate: nothing was scheduled, so every
// record went out when it was due and the publish delay is 0 by definition.
func closedLoop(r *Result) bool {
	return r.Metrics.TargetRate == 0 && r.Point.Workload.Rate == 0 && r.Point.Workload.Search == nil
}

// zerosLike returns, for each histogram of hs, one with as many values, all 0 (nil stays nil).
func zerosLike(hs []*Histogram) []*Histogram {
	out := make([]*Histogram, len(hs))
	for i, h := range hs {
		if h != nil {
			out[i] = NewHistogram()
			_ = out[i].h.RecordValues(0, h.Count())
		}
	}
	return out
}

// fillDelayAggregates sets the aggregated publish delay fields from the point's send-delay
// histogram (a closed-loop point's are 0, one per acknowledged record); without one they stay
// null and the quantiles empty (unknown, not 0).
func fillDelayAggregates(o *OMBTestResult, r *Result) error {
	o.AggregatedPublishDelayLatencyQuantiles = OMBDelayQuantiles{}
	var h *Histogram
	switch enc := r.Histograms[HistSendDelay]; {
	case enc != "":
		var err error
		if h, err = DecodeHistogram(enc); err != nil {
			return fmt.Errorf("omb: point %q histogram %q: %w", r.Point.ID, HistSendDelay, err)
		}
	case closedLoop(r):
		h = NewHistogram()
		_ = h.h.RecordValues(0, max(r.Metrics.ProduceLatency.Count, 1))
	default:
		return nil
	}
	s := h.Summary()
	us := func(ms float64) *int64 { v := int64(math.Round(ms * 1000)); return &v }
	avg := finite(s.MeanMs * 1000)
	o.AggregatedPublishDelayLatencyAvg = &avg
	o.AggregatedPublishDelayLatency50pct, o.AggregatedPublishDelayLatency75pct = us(s.P50Ms), us(s.P75Ms)
	o.AggregatedPublishDelayLatency95pct, o.AggregatedPublishDelayLatency99pct = us(s.P95Ms), us(s.P99Ms)
	o.AggregatedPublishDelayLatency999pct, o.AggregatedPublishDelayLatency9999pct = us(s.P999Ms), us(s.P9999Ms)
	o.AggregatedPublishDelayLatencyMax = us(s.MaxMs)
	for _, q := range h.distribution(ombQuantileTicks, 100) {
		o.AggregatedPublishDelayLatencyQuantiles = append(o.AggregatedPublishDelayLatencyQuantiles,
			DelayQuantile{Percentile: q.Percentile, Micros: int64(math.Round(q.ValueMs * 1000))})
	}
	return nil
}

// ombWindows is the number of OMB periods the point's measured phase spans: one per started
// 10 s (OMB, too, reports the period in which the test ends).
func ombWindows(r *Result) int {
	n := len(r.Series)
	if n == 0 {
		n = int(math.Ceil(r.Metrics.MeasuredSeconds))
	}
	return (n + ombPeriodSeconds - 1) / ombPeriodSeconds
}

// windowRates turns the per-second rows into OMB's per-period rates: each window's summed
// counts over its seconds (a rate row of a one-second row is its count), and the consumer lag at
// the window's last second, as OMB samples its backlog at the end of each period.
func windowRates(rows []Second, windows int) (publish, errs, consume []float64, backlog []int64) {
	publish, errs, consume, backlog = []float64{}, []float64{}, []float64{}, []int64{}
	for w := range windows {
		lo, hi := w*ombPeriodSeconds, min((w+1)*ombPeriodSeconds, len(rows))
		if lo >= hi {
			break
		}
		var acked, failed, consumed float64
		for _, s := range rows[lo:hi] {
			acked += finite(s.AckedPerSecond)
			failed += float64(s.Errors)
			consumed += finite(s.ConsumedPerSecond)
		}
		n := float64(hi - lo)
		publish = append(publish, acked/n)
		errs = append(errs, failed/n)
		consume = append(consume, consumed/n)
		backlog = append(backlog, rows[hi-1].ConsumerLag)
	}
	return publish, errs, consume, backlog
}

// mergeWindows merges the per-second interval histograms of each tag into one histogram per OMB
// period, by each interval's second since the start of the measured phase (the first interval's
// start, to the whole second). A window with nothing recorded is nil.
func mergeWindows(intervals []Interval, windows int) map[string][]*Histogram {
	out := map[string][]*Histogram{}
	if len(intervals) == 0 || windows == 0 {
		return out
	}
	start := intervals[0].Start
	for _, iv := range intervals {
		if iv.Start.Before(start) {
			start = iv.Start
		}
	}
	for _, iv := range intervals {
		sec := int(math.Round(iv.Start.Sub(start).Seconds()))
		w := min(sec/ombPeriodSeconds, windows-1)
		hs := out[iv.Tag]
		if hs == nil {
			hs = make([]*Histogram, windows)
			out[iv.Tag] = hs
		}
		if hs[w] == nil {
			hs[w] = NewHistogram()
		}
		hs[w].Merge(iv.Hist)
	}
	return out
}

// messageSize is the point's fixed message size, or the measured mean for a size range.
func messageSize(r *Result) int64 {
	w := r.Point.Workload
	if w.MessageSizeMin == w.MessageSizeMax || r.Metrics.Sent.Records == 0 {
		return int64(w.MessageSizeMax)
	}
	return int64(math.Round(float64(r.Metrics.Sent.Bytes) / float64(r.Metrics.Sent.Records)))
}

func ombQuantiles(r *Result, key string) (OMBQuantiles, error) {
	enc := r.Histograms[key]
	if enc == "" {
		return OMBQuantiles{}, nil
	}
	h, err := DecodeHistogram(enc)
	if err != nil {
		return nil, fmt.Errorf("omb: point %q histogram %q: %w", r.Point.ID, key, err)
	}
	q := h.distribution(ombQuantileTicks, 100)
	if q == nil {
		q = []Quantile{}
	}
	return q, nil
}

// ombSeries is one latency's per-period statistics, in ms.
type ombSeries struct {
	avg, p50, p75, p95, p99, p999, p9999, max []float64
}

// newOMBSeries summarises each period's merged histogram; a period without values gives zeros
// (nothing was acknowledged in it, as OMB's empty interval histogram gives). Without interval
// data (have false) every array is empty.
func newOMBSeries(windows []*Histogram, n int, have bool) *ombSeries {
	e := func() []float64 { return []float64{} }
	s := &ombSeries{e(), e(), e(), e(), e(), e(), e(), e()}
	if !have {
		return s
	}
	for i := range n {
		var sum LatencySummary
		if i < len(windows) && windows[i] != nil {
			sum = windows[i].Summary()
		}
		s.avg = append(s.avg, sum.MeanMs)
		s.p50 = append(s.p50, sum.P50Ms)
		s.p75 = append(s.p75, sum.P75Ms)
		s.p95 = append(s.p95, sum.P95Ms)
		s.p99 = append(s.p99, sum.P99Ms)
		s.p999 = append(s.p999, sum.P999Ms)
		s.p9999 = append(s.p9999, sum.P9999Ms)
		s.max = append(s.max, sum.MaxMs)
	}
	return s
}

// micros converts ms values to µs.
func micros(ms []float64) []float64 {
	out := make([]float64, len(ms))
	for i, v := range ms {
		out[i] = finite(v * 1000)
	}
	return out
}

// microsInt converts ms values to whole µs, as OMB's delay percentiles are.
func microsInt(ms []float64) []int64 {
	out := make([]int64, len(ms))
	for i, v := range ms {
		out[i] = int64(math.Round(finite(v) * 1000))
	}
	return out
}

// OMBNotes says, for each point ExportOMB writes, what the OMB document cannot hold because the
// result files lack it: the per-interval latency arrays without an interval log (an interrupted
// point has none), the publish delay without a send-delay histogram (results of an older kbench).
func OMBNotes(run *Run) []string {
	var out []string
	for _, p := range exportUnits(run) {
		if p.Result == nil || p.Result.Status == StatusFailed || len(run.PointDamage(p)) > 0 {
			continue
		}
		if run.Dir != "" {
			if _, err := os.Stat(filepath.Join(run.Dir, filepath.FromSlash(PointLogFile(p.Entry.ID)))); err != nil {
				out = append(out, fmt.Sprintf("point %s has no interval log (%s): its per-interval latency arrays are empty", p.Entry.ID, PointLogFile(p.Entry.ID)))
			}
		}
		if p.Result.Histograms[HistSendDelay] == "" && !closedLoop(p.Result) {
			out = append(out, fmt.Sprintf("point %s has no send-delay histogram (written by an older kbench): publish delay is unknown, written as empty arrays and null aggregates", p.Entry.ID))
		}
	}
	return out
}

// ombPoints converts every point of run that has a measurement, reading each point's interval log
// when it exists. Failed points are skipped; so are points with a damaged file (result, histogram
// or interval log), which are returned so the caller can name them after writing the rest.
func ombPoints(run *Run) ([]*OMBTestResult, []RunPoint, []*FileError) {
	var out []*OMBTestResult
	var used []RunPoint
	var damaged []*FileError
	for _, p := range exportUnits(run) {
		if d := run.PointDamage(p); len(d) > 0 {
			damaged = append(damaged, d...)
			continue
		}
		if p.Result == nil || p.Result.Status == StatusFailed {
			continue
		}
		intervals, err := readPointLog(run.Dir, p.Entry.ID)
		if err == nil {
			var o *OMBTestResult
			if o, err = OMBResult(run.Index.Profile, p.Result, intervals); err == nil {
				out = append(out, o)
				used = append(used, p)
				continue
			}
		}
		damaged = append(damaged, &FileError{Path: filepath.Join(run.Dir, filepath.FromSlash(p.Entry.File)),
			PointID: p.Entry.ID, Problem: err.Error(), Err: err})
	}
	return out, used, damaged
}

// skippedError is the error of an export that wrote everything but the points with damaged
// files; nil when there were none.
func skippedError(damaged []*FileError) error {
	if len(damaged) == 0 {
		return nil
	}
	var ids []string
	seen := map[string]bool{}
	for _, d := range damaged {
		if !seen[d.PointID] {
			seen[d.PointID] = true
			ids = append(ids, d.PointID)
		}
	}
	return fmt.Errorf("export omb: %w: skipped point(s) %s, exported the rest", ErrDamaged, strings.Join(ids, ", "))
}

// readPointLog reads a point's interval log; a missing log gives no intervals and no error.
func readPointLog(dir, id string) ([]Interval, error) {
	return readLogFile(dir, PointLogFile(id))
}

// readLogFile reads the interval log at file (relative to dir); a missing log gives no
// intervals and no error.
func readLogFile(dir, file string) ([]Interval, error) {
	if dir == "" {
		return nil, nil
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(file)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadIntervalLog(f)
}

// ExportOMB writes every measured point of run (failed and damaged points are skipped) to w as
// a JSON array of OMB TestResult objects, for piping into other tools. OMB's own chart script
// reads one object per file: use ExportOMBFiles for that. When points were skipped for damaged
// files, the rest is written and the error (wrapping ErrDamaged) names them.
func ExportOMB(run *Run, w io.Writer) error {
	docs, _, damaged := ombPoints(run)
	if docs == nil {
		docs = []*OMBTestResult{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(docs); err != nil {
		return fmt.Errorf("export omb: %w", err)
	}
	return skippedError(damaged)
}

// ExportOMBFiles writes one OMB TestResult file per measured point into outDir (created if
// needed), named "<run id>-<point id>.json", atomically. It returns the paths written; failed and
// damaged points are skipped (damaged ones named in an error wrapping ErrDamaged).
func ExportOMBFiles(run *Run, outDir string) ([]string, error) {
	docs, used, damaged := ombPoints(run)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("export omb: %w", err)
	}
	var paths []string
	for i, d := range docs {
		name := safeName(run.Index.RunID + "-" + used[i].Entry.ID)
		if id, n, ok := SplitRepetitionID(used[i].Entry.ID); ok {
			name = safeName(run.Index.RunID+"-"+id) + repetitionMark + strconv.Itoa(n)
		}
		path := filepath.Join(outDir, name+".json")
		if err := writeJSONAtomic(path, d); err != nil {
			return paths, fmt.Errorf("export omb: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, skippedError(damaged)
}

// exportUnits are what an export writes one document for: each point measured once, and each
// repetition of a repeated point (OMB has no repetitions: every run of a workload is a test
// result of its own), the latter under its repetition id (RepetitionID) so that its interval log
// and its file name are its own.
func exportUnits(run *Run) []RunPoint {
	var out []RunPoint
	for _, p := range run.Points {
		if !p.Repeated() {
			if p.Entry.File == "" {
				p.Entry.File = PointFile(p.Entry.ID)
			}
			out = append(out, p)
			continue
		}
		for _, rr := range p.Repetitions {
			u := RunPoint{Entry: p.Entry, Result: rr.Result, Err: rr.Err}
			u.Entry.ID, u.Entry.Repetitions = RepetitionID(p.Entry.ID, rr.Entry.Number), nil
			u.Entry.File = rr.Entry.File
			if u.Entry.File == "" {
				u.Entry.File = RepetitionFile(p.Entry.ID, rr.Entry.Number)
			}
			out = append(out, u)
		}
	}
	return out
}
