package runner

import (
	"testing"
	"time"
)

func TestPacerScheduleIsExactOverAMillionSends(t *testing.T) {
	cases := []struct {
		name            string
		rate, producers int
		index           int
		n               uint64
		want            time.Duration
	}{
		// 3 sends/s: 1/3 s intervals do not divide a nanosecond count, yet send 3,000,000 is due at
		// exactly 1,000,000 s: the schedule is computed from n, never summed.
		{"1 producer, 3/s", 3, 1, 0, 3_000_000, 1_000_000 * time.Second},
		{"1 producer, 1000/s, send 1e6", 1000, 1, 0, 1_000_000, 1000 * time.Second},
		{"1 producer, 7/s, send 1e6+1", 7, 1, 0, 1_000_001, time.Duration(1_000_001) * time.Second / 7},
		// 4 producers share 1000/s: producer 2's send n is global send 2+4n, at (2+4n) ms.
		{"producer 2 of 4, 1000/s", 1000, 4, 2, 1_000_000, (2 + 4*1_000_000) * time.Millisecond},
		{"producer 0, send 0", 1000, 4, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewPacer(c.rate, c.producers, c.index, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Offset(c.n); got != c.want {
				t.Errorf("Offset(%d) = %v, want %v (drift %v)", c.n, got, c.want, got-c.want)
			}
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if got := p.ScheduledTime(start, c.n); !got.Equal(start.Add(c.want)) {
				t.Errorf("ScheduledTime = %v, want %v", got, start.Add(c.want))
			}
		})
	}
}

func TestPacersOfAllProducersAddUpToTheTotalRate(t *testing.T) {
	const rate, producers = 1000, 3
	var all []time.Duration
	for i := range producers {
		p, err := NewPacer(rate, producers, i, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Rate() != float64(rate)/producers {
			t.Errorf("producer %d rate %v, want %v", i, p.Rate(), float64(rate)/producers)
		}
		for n := range uint64(1000) {
			all = append(all, p.Offset(n))
		}
	}
	// Merged, the three schedules are the single 1 ms schedule: staggered, no two sends together.
	seen := map[time.Duration]bool{}
	for _, o := range all {
		if o%time.Millisecond != 0 || seen[o] {
			t.Fatalf("offset %v is off the 1 ms grid or taken twice", o)
		}
		seen[o] = true
	}
	for k := range 3000 {
		if !seen[time.Duration(k)*time.Millisecond] {
			t.Fatalf("global send %d (at %d ms) has no producer", k, k)
		}
	}
}

func TestPacerPace(t *testing.T) {
	p, err := NewPacer(100, 1, 0, time.Second) // one send every 10 ms, for 1 s
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		elapsed  time.Duration
		hits     uint64
		wantWait time.Duration
		wantStop bool
	}{
		{"first send is due at once", 0, 0, 0, false},
		{"on time: wait for the next slot", 12 * time.Millisecond, 2, 8 * time.Millisecond, false},
		// A sender stalled for 55 ms after 2 sends is 35 ms late for send 2: send at once (wait <= 0)
		// and keep sending at once until caught up, instead of sliding the schedule.
		{"late sender catches up", 55 * time.Millisecond, 2, -35 * time.Millisecond, false},
		{"still behind after 3 more", 56 * time.Millisecond, 5, -6 * time.Millisecond, false},
		{"caught up", 56 * time.Millisecond, 6, 4 * time.Millisecond, false},
		{"last send in the duration", 985 * time.Millisecond, 99, 5 * time.Millisecond, false},
		{"stop at the duration", time.Second, 100, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wait, stop := p.Pace(c.elapsed, c.hits)
			if wait != c.wantWait || stop != c.wantStop {
				t.Errorf("Pace(%v, %d) = %v, %v; want %v, %v", c.elapsed, c.hits, wait, stop, c.wantWait, c.wantStop)
			}
		})
	}
}

func TestCorrectedLatencyIncludesTheStall(t *testing.T) {
	// 1000/s: send n is due at n ms. The sender stalls 200 ms before send 10; sends 10..209 then go
	// out as fast as possible, each acked 1 ms after it is actually sent.
	p, err := NewPacer(1000, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	const stall = 200 * time.Millisecond
	actualSend := func(n uint64) time.Time {
		if n < 10 {
			return p.ScheduledTime(start, n)
		}
		return p.ScheduledTime(start, 10).Add(stall) // all the delayed sends leave together
	}
	for _, c := range []struct {
		n             uint64
		wantCorrected time.Duration
	}{
		{5, time.Millisecond},          // on time
		{10, stall + time.Millisecond}, // waited the whole stall
		{100, stall - 90*time.Millisecond + time.Millisecond},
		{209, stall - 199*time.Millisecond + time.Millisecond},
	} {
		ack := actualSend(c.n).Add(time.Millisecond)
		raw := ack.Sub(actualSend(c.n))
		corrected := ack.Sub(p.ScheduledTime(start, c.n))
		if raw != time.Millisecond {
			t.Fatalf("send %d: raw latency %v, want 1ms", c.n, raw)
		}
		if corrected != c.wantCorrected {
			t.Errorf("send %d: corrected latency %v, want %v (the part of the stall it waited)", c.n, corrected, c.wantCorrected)
		}
	}
}

func TestNewPacerRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		name                   string
		rate, producers, index int
		duration               time.Duration
	}{
		{"zero rate", 0, 1, 0, 0},
		{"negative rate", -5, 1, 0, 0},
		{"no producers", 10, 0, 0, 0},
		{"index out of range", 10, 2, 2, 0},
		{"negative index", 10, 2, -1, 0},
		{"negative duration", 10, 1, 0, -time.Second},
	} {
		if _, err := NewPacer(c.rate, c.producers, c.index, c.duration); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestPacerOffsetSaturates(t *testing.T) {
	p, err := NewPacer(1, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Offset(1 << 62); got != maxDuration {
		t.Errorf("Offset(2^62) at 1/s = %v, want the saturated maximum", got)
	}
}

func BenchmarkPacerPace(b *testing.B) {
	p, _ := NewPacer(100_000, 4, 1, 0)
	b.ReportAllocs()
	var n uint64
	for b.Loop() {
		p.Pace(time.Duration(n)*40*time.Microsecond, n)
		n++
	}
}
