package librdkafka

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kbench/kbench/driver/drivertest"
)

// TestConformance runs the seam's conformance suite (shared with driver/franzgo) against kfake,
// the same fake cluster the franz-go driver's suite uses.
func TestConformance(t *testing.T) {
	drivertest.Run(t, New(), func(t *testing.T, topic string, partitions int) string {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topic))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c.ListenAddrs()[0]
	})
}

// TestConformanceTransactions runs the suite's transactional part (commit, abort, offsets in a
// transaction, fencing) against kfake, which fences an older instance (librdkafka's own mock
// cluster does not).
func TestConformanceTransactions(t *testing.T) {
	drivertest.RunTransactions(t, New(), func(t *testing.T, topic string, partitions int) string {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topic))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c.ListenAddrs()[0]
	})
}
