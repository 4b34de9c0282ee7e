package runner

import (
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	tests := []recordHeader{
		{Producer: 0, Seq: 0, SendNs: 0},
		{Producer: 7, Seq: 123456789, SendNs: 1_700_000_000_123_456_789},
		{Producer: 1<<32 - 1, Seq: 1<<64 - 1, SendNs: -1},
	}
	for _, h := range tests {
		buf := make([]byte, 100)
		encodeHeader(buf, h)
		got, err := decodeHeader(buf)
		if err != nil || got != h {
			t.Errorf("decode(encode(%+v)) = %+v, %v", h, got, err)
		}
	}
	if _, err := decodeHeader(make([]byte, HeaderLen-1)); !errors.Is(err, errShortRecord) {
		t.Errorf("short value: err = %v, want errShortRecord", err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	buf := make([]byte, keyLen)
	encodeKey(buf, 42, 1_700_000_000_000_000_001)
	seq, ns, ok := decodeKey(buf)
	if !ok || seq != 42 || ns != 1_700_000_000_000_000_001 {
		t.Errorf("decodeKey = %d, %d, %v", seq, ns, ok)
	}
	if _, _, ok := decodeKey([]byte("short")); ok {
		t.Error("a foreign key decoded")
	}
}

func TestSizeCycle(t *testing.T) {
	tests := []struct {
		min, max         int
		wantMin, wantMax int
	}{
		{100, 100, 100, 100},
		{5, 5, HeaderLen, HeaderLen}, // raised to the header
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
