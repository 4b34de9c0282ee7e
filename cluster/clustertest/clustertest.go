// Package clustertest gives the real-cluster tests of other packages one local Kafka cluster per
// test binary: started on first use in a temporary folder, stopped when the tests end, so
// `make test` needs nothing running beforehand and leaves nothing behind.
package clustertest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/kbench/kbench/cluster"
)

// Enabled reports whether real-cluster tests should run (KBENCH_INTEGRATION=1, as make test sets).
func Enabled() bool { return os.Getenv("KBENCH_INTEGRATION") != "" }

var (
	once    sync.Once
	shared  *cluster.Cluster
	errUp   error
	tempDir string
)

// Shared returns the test binary's cluster (3 brokers, 1 controller), starting it on first use.
// It skips the test when real-cluster tests are off. A test that breaks the cluster (kills a
// broker) must heal it before it returns, or start its own with cluster.Up.
func Shared(t testing.TB) *cluster.Cluster {
	t.Helper()
	if !Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	once.Do(func() {
		tempDir, errUp = os.MkdirTemp("", "kbench-test-cluster-")
		if errUp != nil {
			return
		}
		shared, errUp = cluster.Up(context.Background(), cluster.Options{Dir: tempDir, Brokers: 3, Controllers: 1})
	})
	if errUp != nil {
		t.Fatalf("start the shared test cluster: %v", errUp)
	}
	return shared
}

// Main runs the tests and stops the shared cluster afterwards; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Down(context.Background(), true); err != nil {
			fmt.Fprintln(os.Stderr, "stop the shared test cluster:", err)
			code = 1
		}
	} else if tempDir != "" {
		os.RemoveAll(tempDir) // made by os.MkdirTemp in Shared for this test binary's cluster, whose start failed
	}
	os.Exit(code)
}
