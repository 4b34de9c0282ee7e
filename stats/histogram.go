package stats

import (
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Every kbench histogram has the same one, so any two merge without loss and
// any encoded histogram can be compared with any other.
const (
	// HistogramUnit is the value unit: one microsecond. Kafka latencies of interest run from tens
	// of microseconds (acks=0 on loopback) to seconds (fsync per message, leader elections).
	HistogramUnit = time.Microsecond
	// HistogramMax is the largest value tracked exactly (one hour). A larger value is recorded as
	// HistogramMax and counted in Overflow. At 3 significant digits the counts array is 23,552
	// int64s, about 184 KiB per histogram: affordable for a few histograms per producer.
	HistogramMax = time.Hour
	// HistogramDigits is the number of significant decimal digits kept (0.1% relative error).
	HistogramDigits = 3

	histMaxMicros = int64(HistogramMax / HistogramUnit)
)

// Histogram is a latency distribution in microseconds (1 µs to HistogramMax, 3 significant
// digits). It takes no lock: each goroutine owns its own and they are merged at the end of an
// interval or a point. Record never allocates.
type Histogram struct {
	h        *hdr.Histogram
	overflow int64
}

// NewHistogram returns an empty histogram with kbench's geometry.
func NewHistogram() *Histogram {
	return &Histogram{h: hdr.New(1, histMaxMicros, HistogramDigits)}
}

// Record adds one latency. A negative duration (clock step, or skew between two hosts for
// end-to-end latency) is recorded as 0; a duration above HistogramMax is recorded as
// HistogramMax and counted in Overflow, so the count stays right and the tail says "at least".
func (h *Histogram) Record(d time.Duration) {
	v := int64(d / HistogramUnit)
	if v < 0 {
		v = 0
	} else if v > histMaxMicros {
		v = histMaxMicros
		h.overflow++
	}
	// v is in range, so RecordValue takes its allocation-free path and cannot fail.
	_ = h.h.RecordValue(v)
}

// Count is the number of recorded values, overflowed ones included.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Overflow is the number of values that were above HistogramMax and recorded as HistogramMax.
func (h *Histogram) Overflow() int64 { return h.overflow }

// Merge adds every value of o to h (o is unchanged). Histograms decoded from files written with
// another geometry merge too; values beyond h's range are clamped and counted as overflow.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil {
		return
	}
	dropped := h.h.Merge(o.h)
	if dropped > 0 {
		_ = h.h.RecordValues(histMaxMicros, dropped)
		h.overflow += dropped
	}
	h.overflow += o.overflow
}

// Reset empties h for reuse (per-interval histograms), keeping its memory.
func (h *Histogram) Reset() {
	h.h.Reset()
	h.overflow = 0
}

// ValueAt returns the value at percentile p (0..100), in milliseconds; 0 when h is empty.
func (h *Histogram) ValueAt(p float64) float64 {
	if h.h.TotalCount() == 0 {
		return 0
	}
	return microsToMs(h.h.ValueAtPercentile(p))
}

// summaryPercentiles are the percentiles a LatencySummary quotes, in its field order.
var summaryPercentiles = []float64{50, 75, 95, 99, 99.9, 99.99}

// Summary reduces h to the numbers people quote. An empty histogram gives all zeros.
func (h *Histogram) Summary() LatencySummary {
	s := LatencySummary{Count: h.h.TotalCount(), Overflow: h.overflow}
	if s.Count == 0 {
		return s
	}
	v := h.h.ValueAtPercentilesSlice(summaryPercentiles)
	s.MinMs = microsToMs(h.h.Min())
	s.MeanMs = h.h.Mean() / 1000
	s.P50Ms = microsToMs(v[0])
	s.P75Ms = microsToMs(v[1])
	s.P95Ms = microsToMs(v[2])
	s.P99Ms = microsToMs(v[3])
	s.P999Ms = microsToMs(v[4])
	s.P9999Ms = microsToMs(v[5])
	s.MaxMs = microsToMs(h.h.Max())
	return s
}

// Quantile is one point of a percentile distribution: Percentile in 0..100, ValueMs the latency
// at or below which that share of the values lie.
type Quantile struct {
	Percentile float64 `json:"percentile"`
	ValueMs    float64 `json:"value_ms"`
}

// DistributionMaxPercentile is where Distribution stops: beyond it a run rarely has enough values
// for the number to mean anything.
const DistributionMaxPercentile = 99.999

// Distribution returns the percentile distribution on HdrHistogram's usual ticks (5 ticks per
// half distance, as in HdrHistogram's percentile output), up to DistributionMaxPercentile, plus
// the maximum at 100. It is what a latency-by-percentile plot draws. Empty h gives nil.
func (h *Histogram) Distribution() []Quantile {
	return h.distribution(5, DistributionMaxPercentile)
}

// distribution walks the percentiles with ticksPerHalfDistance ticks per half distance to 100%
// (HdrHistogram's percentile iteration), keeping those up to maxPercentile, then adds the maximum.
func (h *Histogram) distribution(ticksPerHalfDistance int32, maxPercentile float64) []Quantile {
	if h.h.TotalCount() == 0 {
		return nil
	}
	var out []Quantile
	for _, b := range h.h.CumulativeDistributionWithTicks(ticksPerHalfDistance) {
		if b.Quantile >= 100 || b.Quantile > maxPercentile {
			continue
		}
		out = append(out, Quantile{Percentile: b.Quantile, ValueMs: microsToMs(b.ValueAt)})
	}
	out = append(out, Quantile{Percentile: 100, ValueMs: microsToMs(h.h.Max())})
	return out
}

// Encode returns h in HdrHistogram's V2 compressed Base64 encoding ("HISTF..."), the form
// HdrHistogram's own tools (HistogramLogAnalyzer, hdr-plot, the Java and C libraries) read.
// Values are in microseconds. The overflow count is not part of the encoding; DecodeHistogram
// recovers it from the values stored at HistogramMax.
func (h *Histogram) Encode() (string, error) {
	b, err := h.h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram reads a histogram written by Encode (or by any HdrHistogram library in the V2
// compressed Base64 encoding, values in microseconds). Values in the top bucket of kbench's range
// (within 0.1% of HistogramMax) are counted as overflow, since that is where Record clamps them.
func DecodeHistogram(s string) (*Histogram, error) {
	d, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return fromHDR(d), nil
}

// fromHDR brings a decoded HDR histogram into kbench's geometry, counting the values at the top
// of the range as overflow.
func fromHDR(d *hdr.Histogram) *Histogram {
	h := NewHistogram()
	h.Merge(&Histogram{h: d})
	// Merge counted values beyond our range as overflow; also count those clamped by Record.
	h.overflow = 0
	for _, bar := range h.h.Distribution() {
		if bar.Count > 0 && h.h.ValuesAreEquivalent(bar.From, histMaxMicros) {
			h.overflow += bar.Count
		}
	}
	return h
}

// microsToMs converts a histogram value to milliseconds. HDR reports the highest value equivalent
// to a bucket, which for the top bucket lies a little above HistogramMax; clamped values are
// reported as HistogramMax itself.
func microsToMs(v int64) float64 { return float64(min(v, histMaxMicros)) / 1000 }
