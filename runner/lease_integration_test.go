package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// lockedBuffer collects a run's progress and warning lines from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestIntegrationBrokerSettingsLease: two runs at once that change the same dynamic broker
// setting: the second is refused with one line naming the first (run id, pid, host, since) and
// changes nothing; after the first ends the setting is back as Kafka's own tool shows it. Stale
// leases (a dead pid on this host; a past expiry on another host) are taken over with a warning.
func TestIntegrationBrokerSettingsLease(t *testing.T) {
	cl := localForTest(t)
	const key = "log.flush.interval.messages"
	original := clustertest.DescribeBrokerSetting(t, cl, 1, key)
	conn := safety.Conn{Bootstrap: cl.Bootstrap()}
	topic := safety.LeaseTopic("")

	a := flushPoint("lease-a", 3, 8*time.Second)
	aErr := make(chan error, 1)
	runA := fmt.Sprintf("lease-a-%d", time.Now().UnixNano())
	go func() {
		aErr <- Sweep(context.Background(), []profiles.Point{a}, recordIn(t.TempDir(), Options{Cluster: cl, RunID: runA, DrainTimeout: 20 * time.Second}))
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if entries, err := safety.Claims(context.Background(), clientDriver, conn, topic); err == nil {
			if _, ok := entries[runA]; ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s never took the lease (its end: %v)", runA, <-aErr)
		}
		time.Sleep(200 * time.Millisecond)
	}

	b := flushPoint("lease-b", 3, 2*time.Second)
	n := int64(7777)
	b.Settings.BrokerFlushIntervalMessages = &n
	start := time.Now()
	err := Sweep(context.Background(), []profiles.Point{b}, recordIn(t.TempDir(), Options{Cluster: cl}))
	host, _ := os.Hostname()
	if !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("second run: err = %v, want it refused with ErrLeaseHeld", err)
	}
	for _, want := range []string{"run " + runA, fmt.Sprintf("pid %d", os.Getpid()), "host " + host, "since 20"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not name %q", err, want)
		}
	}
	t.Logf("second run refused after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if err := <-aErr; err != nil {
		t.Fatalf("first run: %v", err)
	}
	if got := clustertest.DescribeBrokerSetting(t, cl, 1, key); got != original {
		t.Errorf("after both runs broker 1 has %s=%s (ConfigCommand), want the original %s", key, got, original)
	}

	// Stale leases: one of a process that is gone (started and waited for by the test), one
	// expired on another host. A run takes both over and says so.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	p, err := clientDriver.NewProducer(map[string]string{"bootstrap.servers": cl.Bootstrap(), "acks": "all"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	now := time.Now().UTC()
	for _, r := range []safety.LeaseRecord{
		{RunID: "stale-dead-pid", PID: dead.Process.Pid, Host: host, Keys: []string{key}, Since: now, Expires: now.Add(time.Hour), ClaimOffset: -1},
		{RunID: "stale-expired", PID: os.Getpid(), Host: "elsewhere.example", Keys: []string{key}, Since: now.Add(-time.Hour), Expires: now.Add(-time.Minute), ClaimOffset: -1},
	} {
		if _, err := safety.WriteClaim(p, topic, r.RunID, &r); err != nil {
			t.Fatalf("write the stale lease %s: %v", r.RunID, err)
		}
	}
	var progress lockedBuffer
	c := flushPoint("lease-c", 3, 2*time.Second)
	if err := Sweep(context.Background(), []profiles.Point{c}, recordIn(t.TempDir(), Options{Cluster: cl, Events: messagesTo(&progress), DrainTimeout: 20 * time.Second})); err != nil {
		t.Fatalf("run over stale leases: %v\n%s", err, progress.String())
	}
	for _, id := range []string{"stale-dead-pid", "stale-expired"} {
		if !strings.Contains(progress.String(), "taking over the stale broker-settings lease of run "+id) {
			t.Errorf("no takeover warning for %s in:\n%s", id, progress.String())
		}
	}
	entries, err := safety.Claims(context.Background(), clientDriver, conn, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("leases left after every run ended: %+v", entries)
	}
	if got := clustertest.DescribeBrokerSetting(t, cl, 1, key); got != original {
		t.Errorf("after the takeover run broker 1 has %s=%s (ConfigCommand), want %s", key, got, original)
	}
}
