package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/stats"
)

// TestRunPointRefusesSizeBelowHeader: a point asking for records smaller than the record header
// fails before anything is sent, instead of sending 20-byte records under a result that says 1.
func TestRunPointRefusesSizeBelowHeader(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("tiny", 100, time.Second, 0)
	p.Workload.MessageSizeMin, p.Workload.MessageSizeMax = 1, 1
	res, err := RunPoint(context.Background(), p, Options{Bootstrap: bootstrap, DrainTimeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "at least 20 bytes") {
		t.Fatalf("err = %v, want a refusal naming the 20-byte minimum", err)
	}
	if res == nil || res.Status != stats.StatusFailed || res.Metrics.Sent.Records != 0 || res.Effective.Topic != "" {
		t.Fatalf("result %+v: want a failed point that created no topic and sent nothing", res)
	}
}
