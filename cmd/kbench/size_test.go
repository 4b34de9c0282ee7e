package main

import (
	"errors"
	"strings"
	"testing"
)

// TestRunSizeBelowHeader: `kbench run --size 1` is refused as bad input naming the 20-byte
// minimum (the record header), before any cluster is touched, instead of sending 20-byte records
// under a result that says 1 byte.
func TestRunSizeBelowHeader(t *testing.T) {
	err := newApp().Run([]string{"kbench", "run", "--bootstrap", "127.0.0.1:1", "--out", t.TempDir(), "--size", "1"})
	var ec *exitCoder
	if !errors.As(err, &ec) || ec.code != exitBadInput || !strings.Contains(err.Error(), "20 bytes") {
		t.Fatalf("err = %v, want exit code %d and the 20-byte minimum named", err, exitBadInput)
	}
}
