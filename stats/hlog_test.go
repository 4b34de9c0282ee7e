package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

func TestIntervalLogRoundTrip(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 250_000_000, time.UTC)
	var buf bytes.Buffer
	l, err := NewIntervalLog(&buf, start, "kbench point acks-all")
	if err != nil {
		t.Fatal(err)
	}
	type interval struct {
		tag   string
		sec   int
		count int
	}
	var want []interval
	h := NewHistogram()
	for sec := range 3 {
		for _, tag := range []string{HistProduce, HistEndToEnd} {
			h.Reset()
			n := 100 * (sec + 1)
			for i := 1; i <= n; i++ {
				h.Record(time.Duration(i) * time.Millisecond)
			}
			from := start.Add(time.Duration(sec) * time.Second)
			if err := l.Write(tag, from, from.Add(time.Second), h); err != nil {
				t.Fatal(err)
			}
			want = append(want, interval{tag, sec, n})
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	text := buf.String()
	for _, line := range []string{"#kbench point acks-all", "#[StartTime: 1772359200", "#[BaseTime: 1772359200", `"StartTimestamp","Interval_Length"`, "Tag=produce,0.250000,1.000000,"} {
		if !strings.Contains(text, line) {
			t.Errorf("log lacks %q:\n%s", line, text)
		}
	}

	// hdrhistogram-go's own reader understands it ...
	r := hdr.NewHistogramLogReader(strings.NewReader(text))
	for i, w := range want {
		got, err := r.NextIntervalHistogram()
		if err != nil || got == nil {
			t.Fatalf("interval %d: %v, %v", i, got, err)
		}
		if got.Tag() != w.tag || got.TotalCount() != int64(w.count) {
			t.Errorf("interval %d: tag %q count %d, want %q %d", i, got.Tag(), got.TotalCount(), w.tag, w.count)
		}
		wantStart := start.Add(time.Duration(w.sec) * time.Second).UnixMilli()
		if got.StartTimeMs() != wantStart {
			t.Errorf("interval %d: start %d ms, want %d", i, got.StartTimeMs(), wantStart)
		}
	}

	// ... and so does ours, with times and values intact.
	ivs, err := ReadIntervalLog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(ivs) != len(want) {
		t.Fatalf("read %d intervals, want %d", len(ivs), len(want))
	}
	for i, w := range want {
		iv := ivs[i]
		from := start.Add(time.Duration(w.sec) * time.Second)
		if iv.Tag != w.tag || !iv.Start.Equal(from) || !iv.End.Equal(from.Add(time.Second)) {
			t.Errorf("interval %d: %s %v..%v, want %s %v..%v", i, iv.Tag, iv.Start, iv.End, w.tag, from, from.Add(time.Second))
		}
		if s := iv.Hist.Summary(); s.Count != int64(w.count) || !within(s.MaxMs, float64(w.count)) {
			t.Errorf("interval %d: count %d max %v ms, want %d and %d ms", i, s.Count, s.MaxMs, w.count, w.count)
		}
	}
}

func TestIntervalLogRejectsBadTag(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewIntervalLog(&buf, time.Unix(0, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write("has space", time.Unix(0, 0), time.Unix(1, 0), NewHistogram()); err == nil {
		t.Error("a tag with a space: no error")
	}
}
