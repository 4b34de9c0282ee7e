package franzgo

import (
	"testing"

	"github.com/kbench/kbench/driver/drivertest"
)

// TestConformance runs the seam's conformance suite (shared with driver/librdkafka) on kfake.
func TestConformance(t *testing.T) {
	drivertest.Run(t, New(), func(t *testing.T, topic string, partitions int) string {
		return fakeCluster(t, topic, int32(partitions))
	})
}

// TestConformanceTransactions runs the suite's transactional part (commit, abort, offsets in a
// transaction, fencing) on kfake.
func TestConformanceTransactions(t *testing.T) {
	drivertest.RunTransactions(t, New(), func(t *testing.T, topic string, partitions int) string {
		return fakeCluster(t, topic, int32(partitions))
	})
}
