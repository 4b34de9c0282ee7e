package stats

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// IntervalLog writes a point's per-second latency histograms as an HdrHistogram interval log
// (.hlog), the format HdrHistogram's HistogramLogProcessor and HistogramLogAnalyzer read. Lines are
// tagged (HistProduce, HistEndToEnd ...), timestamps are seconds relative to the log's base time,
// and values are in microseconds, so the "Interval_Max" column is in seconds (µs / 1e6).
//
// An IntervalLog is not safe for concurrent use: the goroutine that merges the producers'
// interval histograms writes them.
type IntervalLog struct {
	w      *hdr.HistogramLogWriter
	closer io.Closer // nil when writing to a caller's io.Writer
	err    error     // first write error; later writes are skipped
}

// NewIntervalLog starts an interval log on w: a comment naming the point, the log format version,
// the start time, the base time and the legend. start is when the measured phase began; interval
// timestamps are relative to it (to the whole second, as the format's base time is in seconds).
func NewIntervalLog(w io.Writer, start time.Time, comment string) (*IntervalLog, error) {
	lw := hdr.NewHistogramLogWriter(w)
	startMs := start.UnixMilli()
	baseMs := startMs - startMs%1000 // the BaseTime line holds whole seconds
	lw.SetBaseTime(baseMs)
	l := &IntervalLog{w: lw}
	if comment != "" {
		l.record(lw.OutputComment(comment))
	}
	l.record(lw.OutputLogFormatVersion())
	l.record(lw.OutputStartTime(startMs))
	l.record(lw.OutputBaseTime(baseMs))
	l.record(lw.OutputLegend())
	if l.err != nil {
		return nil, fmt.Errorf("start interval log: %w", l.err)
	}
	return l, nil
}

// CreateIntervalLog creates (or truncates) the file at path and starts an interval log in it.
// Unlike result files it is written as the point runs, not atomically: a partial log is still
// readable up to its last full line.
func CreateIntervalLog(path string, start time.Time, comment string) (*IntervalLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create interval log: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create interval log: %w", err)
	}
	l, err := NewIntervalLog(f, start, comment)
	if err != nil {
		f.Close()
		return nil, err
	}
	l.closer = f
	return l, nil
}

func (l *IntervalLog) record(err error) {
	if err != nil && l.err == nil {
		l.err = err
	}
}

// Write adds one interval histogram with its tag (no commas, spaces or line breaks) covering
// [from, to). h is not changed (apart from the metadata of its HDR histogram, which Reset clears).
func (l *IntervalLog) Write(tag string, from, to time.Time, h *Histogram) error {
	if l.err != nil {
		return fmt.Errorf("interval log: earlier write failed: %w", l.err)
	}
	h.h.SetTag(tag)
	h.h.SetStartTimeMs(from.UnixMilli())
	h.h.SetEndTimeMs(to.UnixMilli())
	if err := l.w.OutputIntervalHistogram(h.h); err != nil {
		l.record(err)
		return fmt.Errorf("interval log: write %q interval: %w", tag, err)
	}
	return nil
}

// Close flushes nothing (writes are unbuffered) and closes the file created by CreateIntervalLog.
// It returns the first error any write met.
func (l *IntervalLog) Close() error {
	var err error
	if l.closer != nil {
		err = l.closer.Close()
	}
	return errors.Join(l.err, err)
}

// Interval is one interval histogram read back from an interval log.
type Interval struct {
	Tag   string
	Start time.Time // absolute
	End   time.Time
	Hist  *Histogram
}

// ReadIntervalLog reads every interval of an interval log written by IntervalLog (or any
// HdrHistogram interval log with microsecond values), in file order.
func ReadIntervalLog(r io.Reader) ([]Interval, error) {
	lr := hdr.NewHistogramLogReader(r)
	var out []Interval
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			return out, fmt.Errorf("read interval log: %w", err)
		}
		if h == nil {
			return out, nil
		}
		hh := fromHDR(h)
		out = append(out, Interval{
			Tag:   h.Tag(),
			Start: msToTime(h.StartTimeMs()),
			End:   msToTime(h.EndTimeMs()),
			Hist:  hh,
		})
	}
}

func msToTime(ms int64) time.Time {
	if ms == math.MinInt64 || ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
