package stats

import "testing"

// TestCheckConsumerLag: the bound is one second of the acknowledged rate with a floor of 1,000
// records; a point is within it only if every sample is; the maximum is recorded.
func TestCheckConsumerLag(t *testing.T) {
	cases := []struct {
		name      string
		lags      []int64
		rate      float64
		wantBound int64
		wantMax   int64
		within    bool
	}{
		{"keeping up at 50k/s", []int64{0, 1200, 800, 3000, 0}, 50000, 50000, 3000, true},
		{"demo acks=0: 375k behind at 30k/s", []int64{0, 40000, 120000, 375000}, 30000, 30000, 375000, false},
		{"one spike above a second of traffic", []int64{100, 100, 26000, 100}, 25000, 25000, 26000, false},
		{"low rate uses the floor", []int64{0, 900, 1000}, 100, 1000, 1000, true},
		{"low rate above the floor", []int64{0, 1001}, 100, 1000, 1001, false},
		{"no samples", nil, 1000, 1000, 0, true},
	}
	for _, c := range cases {
		got := CheckConsumerLag(c.lags, c.rate)
		if got.BoundRecords != c.wantBound || got.MaxLagRecords != c.wantMax || got.WithinBound != c.within || got.Bound == "" {
			t.Errorf("%s: %+v, want bound %d max %d within %v", c.name, got, c.wantBound, c.wantMax, c.within)
		}
	}
	m := Metrics{EndToEndLatency: LatencySummary{Count: 10, P99Ms: 9700}, ConsumerLag: CheckConsumerLag([]int64{375000}, 30000)}
	if m.EndToEndReported() {
		t.Errorf("end-to-end reported with consumers 375k behind")
	}
	m.ConsumerLag = CheckConsumerLag([]int64{10}, 30000)
	if !m.EndToEndReported() {
		t.Errorf("end-to-end not reported with consumers keeping up")
	}
	old := Metrics{EndToEndLatency: LatencySummary{Count: 10}, ConsumerBehind: true} // a file without the check
	if old.EndToEndReported() {
		t.Errorf("an old file's point flagged behind is reported")
	}
}
