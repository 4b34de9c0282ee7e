package fleet

import (
	"fmt"
	"slices"
	"sort"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/stats"
)

// Merge collects the workers' results of one point. Add is idempotent by (worker, point id): a
// duplicated result message is dropped, a result of another point (a late one from an earlier
// point) is refused, so no share is ever counted twice or in the wrong point.
type Merge struct {
	point   string
	workers int
	got     map[int]*Result
}

// NewMerge starts the merge of point over workers workers.
func NewMerge(point string, workers int) *Merge {
	return &Merge{point: point, workers: workers, got: map[int]*Result{}}
}

// Add takes a worker's result; it reports whether it was new.
func (m *Merge) Add(r *Result) bool {
	if r == nil || r.Point != m.point || r.Worker < 0 || r.Worker >= m.workers {
		return false
	}
	if _, dup := m.got[r.Worker]; dup {
		return false
	}
	m.got[r.Worker] = r
	return true
}

// Missing lists the workers whose result has not arrived.
func (m *Merge) Missing() []int {
	var out []int
	for i := range m.workers {
		if _, ok := m.got[i]; !ok {
			out = append(out, i)
		}
	}
	return out
}

// Results are the results received, by worker index.
func (m *Merge) Results() []*Result {
	keys := make([]int, 0, len(m.got))
	for k := range m.got {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([]*Result, 0, len(keys))
	for _, k := range keys {
		out = append(out, m.got[k])
	}
	return out
}

// Totals are the summed counters of the results received.
type Totals struct {
	Sent, SentBytes, Acked, AckedBytes int64
	Consumed, ConsumedBytes            int64
	FailedByError                      map[string]int64
	// EndToEndUncertaintyNs is the largest of the workers' end-to-end clock uncertainties.
	EndToEndUncertaintyNs int64
	Seconds               float64 // the longest measured window among them
}

// Totals sums the counters.
func (m *Merge) Totals() Totals {
	t := Totals{FailedByError: map[string]int64{}}
	for _, r := range m.got {
		t.Sent += r.Sent
		t.SentBytes += r.SentBytes
		t.Acked += r.Acked
		t.AckedBytes += r.AckedBytes
		t.Consumed += r.Consumed
		t.ConsumedBytes += r.ConsumedBytes
		t.EndToEndUncertaintyNs = max(t.EndToEndUncertaintyNs, r.EndToEndUncertaintyNs)
		for k, v := range r.FailedByError {
			t.FailedByError[k] += v
		}
		t.Seconds = max(t.Seconds, r.Seconds)
	}
	return t
}

// Histogram merges histogram name (stats.Hist*) of every result with the histogram's own Merge:
// the percentiles of the result are exact, never averaged.
func (m *Merge) Histogram(name string) (*stats.Histogram, error) {
	out := stats.NewHistogram()
	for _, r := range m.Results() {
		enc, ok := r.Histograms[name]
		if !ok {
			continue
		}
		h, err := stats.DecodeHistogram(enc)
		if err != nil {
			return nil, fmt.Errorf("worker %d histogram %s: %w", r.Worker, name, err)
		}
		out.Merge(h)
	}
	return out, nil
}

// Ledgers decodes every result's audit ledgers; two ledgers of one producer id (two workers
// claiming the same identities) is an error, never merged over.
func (m *Merge) Ledgers() ([]*audit.Ledger, error) {
	var out []*audit.Ledger
	owner := map[uint32]int{}
	for _, r := range m.Results() {
		for _, b := range r.Ledgers {
			l, err := audit.UnmarshalLedger(b)
			if err != nil {
				return nil, fmt.Errorf("worker %d: %w", r.Worker, err)
			}
			if w, dup := owner[l.Producer()]; dup {
				return nil, fmt.Errorf("producer id %d reported by workers %d and %d: record identities would collide", l.Producer(), w, r.Worker)
			}
			owner[l.Producer()] = r.Worker
			out = append(out, l)
		}
	}
	return out, nil
}

// Reads decodes every result's identities read by its consumers (one verifier per member).
func (m *Merge) Reads() ([]*audit.Verifier, error) {
	var out []*audit.Verifier
	for _, r := range m.Results() {
		for _, b := range r.Reads {
			v, err := audit.UnmarshalVerifier(b)
			if err != nil {
				return nil, fmt.Errorf("worker %d: %w", r.Worker, err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// LagBalance sums the workers' signed acknowledged-minus-read counts sample by sample: the
// group's lag at each per-second sample (the first at the measured phase's start), never below
// zero. Nil when no worker sent any.
func (m *Merge) LagBalance() []int64 {
	var out []int64
	for _, r := range m.Results() {
		for i, v := range r.LagBalance {
			if i >= len(out) {
				out = append(out, 0)
			}
			out[i] += v
		}
	}
	for i, v := range out {
		out[i] = max(v, 0)
	}
	return out
}

// Series sums the workers' per-second rates and errors; a second's p99 is the largest of the
// workers' (an upper bound, labelled so by the caller: per-second histograms are not shipped).
// A second's consumer lag is the group's (LagBalance), not any worker's.
func (m *Merge) Series() []stats.Second {
	var out []stats.Second
	for _, r := range m.Results() {
		for i, s := range r.Series {
			if i >= len(out) {
				out = append(out, stats.Second{Offset: s.Offset})
			}
			o := &out[i]
			o.SentPerSecond += s.SentPerSecond
			o.AckedPerSecond += s.AckedPerSecond
			o.ConsumedPerSecond += s.ConsumedPerSecond
			o.Errors += s.Errors
			o.ProduceP99Ms = max(o.ProduceP99Ms, s.ProduceP99Ms)
			o.EndToEndP99Ms = max(o.EndToEndP99Ms, s.EndToEndP99Ms)
		}
	}
	lag := m.LagBalance()
	for i := range out {
		if i+1 < len(lag) { // row i ends at sample i+1, as the single-process rows
			out[i].ConsumerLag = lag[i+1]
		}
	}
	return out
}

// Workers lists the worker indices received.
func (m *Merge) Workers() []int {
	out := make([]int, 0, len(m.got))
	for k := range m.got {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
