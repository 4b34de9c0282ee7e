package runner

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// TestIntegrationPreflightBrokerDown: on the shared cluster with one broker killed (and healed
// before the test returns, as the fault tests do), a point that needs replication factor 3 fails within seconds (issue 13: three "create topic: context
// deadline exceeded" over 90 s) with exit 3 and one line naming the dead broker and what the
// point needs; once the broker is back the same preflight passes.
func TestIntegrationPreflightBrokerDown(t *testing.T) {
	cl := localForTest(t)
	defer healShared(t, cl)
	bin := kbenchBinary(t)
	ctx := context.Background()
	dir := cl.Dir
	// A used cluster has topics on every broker (__consumer_offsets); a fresh one gets one here.
	a, err := clientDriver.NewAdmin(adminConfig(plainConnection(cl.Bootstrap())))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := safety.CreateTopic(ctx, a, "kbench-test-everywhere", 3, 3, nil); err != nil {
		t.Fatal(err)
	}
	if err := cl.Kill(3); err != nil {
		t.Fatalf("kill broker 3: %v", err)
	}
	killed := time.Now()

	// What a user sees: kbench run on the local cluster.
	start := time.Now()
	cmd := exec.Command(bin, "run", "--cluster-dir", dir, "--out", t.TempDir(), "--replication-factor", "3", "--min-isr", "2",
		"--duration", "5s", "--warmup", "1s", "--rate", "100", "--consumers", "0", "--partitions", "3")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	took := time.Since(start)
	t.Logf("kbench run took %s: %v\n%s", took.Round(time.Millisecond), err, stderr.String())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exit %v, want 3 (cluster)", err)
	}
	out := strings.TrimSpace(stderr.String())
	for _, want := range []string{"needs replication factor 3", "only brokers 1,2 of 1,2,3 are up", "broker 3: process is dead"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n") > 0 || strings.Contains(out, "deadline exceeded") {
		t.Errorf("want one line and no bare timeout, got:\n%s", out)
	}
	if took > 20*time.Second {
		t.Errorf("took %s to fail, want a few seconds", took)
	}

	// The same check through the runner, on the local cluster and as a remote cluster (no process
	// state: broker 3 refuses connections while it is still listed, or holds replicas but is no
	// longer listed once its session timed out); after the broker is back, the preflight passes.
	p := faultPoint("acks-all", profiles.AcksAll, false, 2, 5*time.Second)
	opts := Options{Cluster: cl, Bootstrap: cl.Bootstrap()}
	if _, err := RunPoint(ctx, p, opts); !errors.Is(err, ErrBrokersDown) {
		t.Errorf("RunPoint with broker 3 dead: %v, want ErrBrokersDown", err)
	}
	start = time.Now()
	_, err = RunPoint(ctx, p, Options{Bootstrap: cl.Bootstrap()})
	t.Logf("remote, %.1f s after the kill: %s: %v", start.Sub(killed).Seconds(), time.Since(start).Round(time.Millisecond), err)
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), "only brokers 1,2 of 1,2,3 are up (broker 3: ") {
		t.Errorf("remote cluster with broker 3 dead: %v, want ErrBrokersDown naming broker 3", err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("remote check took %s, want a few seconds", took)
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := cl.Restart(rctx, 3); err != nil {
		t.Fatalf("restart broker 3: %v", err)
	}
	s, err := newSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if err := s.preflight(ctx, []profiles.Point{p}); err != nil {
		t.Errorf("preflight with every broker back: %v", err)
	}
}
