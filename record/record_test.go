package record

import (
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	tests := []Header{
		{Producer: 0, Seq: 0, SendNs: 0},
		{Producer: 7, Seq: 123456789, SendNs: 1_700_000_000_123_456_789},
		{Producer: 1<<32 - 1, Seq: 1<<64 - 1, SendNs: -1},
	}
	for _, h := range tests {
		buf := make([]byte, 100)
		EncodeHeader(buf, h)
		got, err := DecodeHeader(buf)
		if err != nil || got != h {
			t.Errorf("decode(encode(%+v)) = %+v, %v", h, got, err)
		}
	}
	if _, err := DecodeHeader(make([]byte, HeaderLen-1)); !errors.Is(err, ErrShort) {
		t.Errorf("short value: err = %v, want ErrShort", err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	buf := make([]byte, KeyLen)
	EncodeKey(buf, 42, 1_700_000_000_000_000_001)
	seq, ns, ok := DecodeKey(buf)
	if !ok || seq != 42 || ns != 1_700_000_000_000_000_001 {
		t.Errorf("DecodeKey = %d, %d, %v", seq, ns, ok)
	}
	if _, _, ok := DecodeKey([]byte("short")); ok {
		t.Error("a foreign key decoded")
	}
}
