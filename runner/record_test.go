package runner

import (
	"testing"

	"github.com/kbench/kbench/record"
)

func TestSizeCycle(t *testing.T) {
	tests := []struct {
		min, max         int
		wantMin, wantMax int
	}{
		{100, 100, 100, 100},
		{5, 5, record.HeaderLen, record.HeaderLen}, // raised to the header
		{100, 200, 100, 200},
		{300, 200, 300, 300}, // max below min: fixed size
	}
	for _, tt := range tests {
		s := newSizeCycle(tt.min, tt.max)
		seen := map[int]bool{}
		sum := 0
		const n = 100000
		for i := uint64(0); i < n; i++ {
			v := s.at(i)
			if v < tt.wantMin || v > tt.wantMax {
				t.Fatalf("%d..%d: size %d out of range", tt.min, tt.max, v)
			}
			if v != s.at(i) {
				t.Fatalf("size of seq %d not stable", i)
			}
			seen[v] = true
			sum += v
		}
		if len(seen) != tt.wantMax-tt.wantMin+1 {
			t.Errorf("%d..%d: %d distinct sizes, want every one of %d", tt.min, tt.max, len(seen), tt.wantMax-tt.wantMin+1)
		}
		mean := float64(sum) / n
		if mid := float64(tt.wantMin+tt.wantMax) / 2; mean < mid-1 || mean > mid+1 {
			t.Errorf("%d..%d: mean size %.1f, want about %.1f", tt.min, tt.max, mean, mid)
		}
		if s.max() != tt.wantMax {
			t.Errorf("max() = %d, want %d", s.max(), tt.wantMax)
		}
	}
}

func TestTopicName(t *testing.T) {
	tests := []struct{ run, id, want string }{
		{"20260101-120000", "acks=all,isr=2", "kbench-20260101-120000-acks_all_isr_2"},
		{"r", "a/b c", "kbench-r-a_b_c"},
	}
	for _, tt := range tests {
		if got := topicName(tt.run, tt.id); got != tt.want {
			t.Errorf("topicName(%q, %q) = %q, want %q", tt.run, tt.id, got, tt.want)
		}
	}
	long := make([]byte, 400)
	for i := range long {
		long[i] = 'x'
	}
	if got := topicName("r", string(long)); len(got) != 249 {
		t.Errorf("long topic name has %d characters, want Kafka's limit 249", len(got))
	}
}
