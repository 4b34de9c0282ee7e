package safety

import (
	"errors"
	"testing"
	"time"

	"github.com/kbench/kbench/driver/librdkafka"
)

// TestProbeUnreachable: a bootstrap server nobody listens on fails within seconds with
// ErrUnreachable, instead of librdkafka's endless retries.
func TestProbeUnreachable(t *testing.T) {
	start := time.Now()
	_, err := Probe(librdkafka.New(), Conn{Bootstrap: "127.0.0.1:1"})
	took := time.Since(start)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("error %v, want ErrUnreachable", err)
	}
	if took > probeTimeout+2*time.Second {
		t.Errorf("took %s, more than the %s bound", took, probeTimeout)
	}
	t.Logf("unreachable bootstrap reported after %s: %v", took.Round(time.Millisecond), err)
}
