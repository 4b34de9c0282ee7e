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
)

// OMBTestResult is one point in OpenMessaging Benchmark's TestResult JSON layout (the file its
// benchmark writes and its generate_charts.py reads), so kbench runs can be charted or compared
// with OMB tooling. Latencies are in milliseconds. Differences from OMB itself: the per-interval
// arrays are per second (OMB's are per 10 s by default); driver is "Kafka " plus the point's
// label so each point is its own line in OMB's charts; topics is 1 (each point has its own
// topic); the delay-latency fields OMB has are not written (kbench measures latency from the
// scheduled send time instead, so the delay is already inside the publish latency).
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

	AggregatedPublishLatencyAvg       float64      `json:"aggregatedPublishLatencyAvg"`
	AggregatedPublishLatency50pct     float64      `json:"aggregatedPublishLatency50pct"`
	AggregatedPublishLatency75pct     float64      `json:"aggregatedPublishLatency75pct"`
	AggregatedPublishLatency95pct     float64      `json:"aggregatedPublishLatency95pct"`
	AggregatedPublishLatency99pct     float64      `json:"aggregatedPublishLatency99pct"`
	AggregatedPublishLatency999pct    float64      `json:"aggregatedPublishLatency999pct"`
	AggregatedPublishLatency9999pct   float64      `json:"aggregatedPublishLatency9999pct"`
	AggregatedPublishLatencyMax       float64      `json:"aggregatedPublishLatencyMax"`
	AggregatedPublishLatencyQuantiles OMBQuantiles `json:"aggregatedPublishLatencyQuantiles"`

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

// OMBQuantiles is OMB's percentile -> latency (ms) map. It is written with keys in numeric order
// and formatted as Java formats doubles ("50.0"), as OMB's own files have them.
type OMBQuantiles []Quantile

// MarshalJSON writes the quantiles as a JSON object in percentile order.
func (q OMBQuantiles) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range q {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(javaDouble(e.Percentile)))
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(finite(e.ValueMs), 'g', -1, 64))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the map form back, sorted by percentile.
func (q *OMBQuantiles) UnmarshalJSON(data []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	out := make(OMBQuantiles, 0, len(m))
	for k, v := range m {
		p, err := strconv.ParseFloat(k, 64)
		if err != nil {
			return fmt.Errorf("quantile key %q: %w", k, err)
		}
		out = append(out, Quantile{Percentile: p, ValueMs: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Percentile < out[j].Percentile })
	*q = out
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
// (from its .hlog; may be nil), which give the per-second latency arrays; without them only the
// per-second p99 kept in r.Series is available and the other per-second latency arrays are empty.
func OMBResult(workload string, r *Result, intervals []Interval) (*OMBTestResult, error) {
	if r == nil {
		return nil, errors.New("omb: nil result")
	}
	w := r.Point.Workload
	label := r.Point.Label
	if label == "" {
		label = r.Point.ID
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
	o.PublishRate = []float64{}
	o.PublishErrorRate = []float64{}
	o.ConsumeRate = []float64{}
	o.Backlog = []int64{}
	for _, s := range r.Series {
		o.PublishRate = append(o.PublishRate, finite(s.AckedPerSecond))
		o.PublishErrorRate = append(o.PublishErrorRate, float64(s.Errors))
		o.ConsumeRate = append(o.ConsumeRate, finite(s.ConsumedPerSecond))
		o.Backlog = append(o.Backlog, s.ConsumerLag)
	}

	pub := newOMBSeries()
	e2e := newOMBSeries()
	for _, iv := range intervals {
		switch iv.Tag {
		case HistProduce:
			pub.add(iv.Hist)
		case HistEndToEnd:
			e2e.add(iv.Hist)
		}
	}
	if len(pub.p99) == 0 {
		for _, s := range r.Series {
			pub.p99 = append(pub.p99, finite(s.ProduceP99Ms))
		}
	}
	if len(e2e.p99) == 0 {
		for _, s := range r.Series {
			e2e.p99 = append(e2e.p99, finite(s.EndToEndP99Ms))
		}
	}
	o.PublishLatencyAvg, o.PublishLatency50pct, o.PublishLatency75pct = pub.avg, pub.p50, pub.p75
	o.PublishLatency95pct, o.PublishLatency99pct, o.PublishLatency999pct = pub.p95, pub.p99, pub.p999
	o.PublishLatency9999pct, o.PublishLatencyMax = pub.p9999, pub.max
	o.EndToEndLatencyAvg, o.EndToEndLatency50pct, o.EndToEndLatency75pct = e2e.avg, e2e.p50, e2e.p75
	o.EndToEndLatency95pct, o.EndToEndLatency99pct, o.EndToEndLatency999pct = e2e.p95, e2e.p99, e2e.p999
	o.EndToEndLatency9999pct, o.EndToEndLatencyMax = e2e.p9999, e2e.max

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
	return o, nil
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

// ombSeries collects per-interval latency statistics.
type ombSeries struct {
	avg, p50, p75, p95, p99, p999, p9999, max []float64
}

func newOMBSeries() *ombSeries {
	e := func() []float64 { return []float64{} }
	return &ombSeries{e(), e(), e(), e(), e(), e(), e(), e()}
}

func (s *ombSeries) add(h *Histogram) {
	sum := h.Summary()
	s.avg = append(s.avg, sum.MeanMs)
	s.p50 = append(s.p50, sum.P50Ms)
	s.p75 = append(s.p75, sum.P75Ms)
	s.p95 = append(s.p95, sum.P95Ms)
	s.p99 = append(s.p99, sum.P99Ms)
	s.p999 = append(s.p999, sum.P999Ms)
	s.p9999 = append(s.p9999, sum.P9999Ms)
	s.max = append(s.max, sum.MaxMs)
}

// ombPoints converts every point of run that has a measurement, reading each point's interval log
// when it exists. Failed points are skipped; so are points with a damaged file (result, histogram
// or interval log), which are returned so the caller can name them after writing the rest.
func ombPoints(run *Run) ([]*OMBTestResult, []RunPoint, []*FileError) {
	var out []*OMBTestResult
	var used []RunPoint
	var damaged []*FileError
	for _, p := range run.Points {
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
		damaged = append(damaged, &FileError{Path: filepath.Join(run.Dir, filepath.FromSlash(PointFile(p.Entry.ID))),
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
	if dir == "" {
		return nil, nil
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(PointLogFile(id))))
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
		path := filepath.Join(outDir, name+".json")
		if err := writeJSONAtomic(path, d); err != nil {
			return paths, fmt.Errorf("export omb: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, skippedError(damaged)
}
