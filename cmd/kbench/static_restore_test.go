package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/safety"
)

// startKbench starts this binary as kbench with args and returns the running process (stderr in
// a file of the test's temporary folder), so a test can signal it by pid.
func startKbench(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stderr := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, stderr
}

// waitState polls the local cluster's state file until cond holds for broker 1.
func waitState(t *testing.T, dir string, what string, limit time.Duration, cond func(*cluster.Node) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cl, err := cluster.Load(dir); err == nil {
			if b := cl.Brokers(); len(b) > 0 && cond(b[0]) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the cluster state never showed %s within %s", what, limit)
}

const staticProfile = `name: static-kill
workload:
  message.size: 100
  partitions: 1
  replication.factor: 1
  producers: 1
  consumers: 0
  rate: 100
  duration: 30s
  warmup: 0s
sweep:
  points:
    - log.flush.scheduler.interval.ms: 10
`

// TestIntegrationStaticSettingRestored: a static broker setting (log.flush.scheduler.interval.ms,
// changed by a rolling restart of the local cluster) is put back (a) by `kbench restore FILE`
// after kbench was killed with SIGKILL once the restart finished, and (b) by kbench itself after
// Ctrl-C in the middle of the rolling restart. Kafka's own ConfigCommand checks the broker, and
// the cluster state must agree with it afterwards.
func TestIntegrationStaticSettingRestored(t *testing.T) {
	if !clustertest.Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	const key = "log.flush.scheduler.interval.ms"
	dir := t.TempDir()
	cl, err := cluster.Up(context.Background(), cluster.Options{Dir: dir, Brokers: 1})
	if err != nil {
		t.Fatalf("start a 1-broker cluster: %v", err)
	}
	t.Cleanup(func() { // the runs restarted the broker: stop what the state file names now
		if now, err := cluster.Load(dir); err == nil {
			cl = now
		}
		if err := cl.Down(context.Background(), true); err != nil {
			t.Errorf("stop the test cluster: %v", err)
		}
	})
	original := clustertest.DescribeBrokerSetting(t, cl, 1, key)
	prof := writeFile(t, "static.yaml", staticProfile)
	consistent := func(t *testing.T) {
		t.Helper()
		now, err := cluster.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := clustertest.DescribeBrokerSetting(t, now, 1, key); got != original {
			t.Errorf("broker 1 has %s=%s (ConfigCommand), want the original %s", key, got, original)
		}
		if mis := now.ConfigMismatch(); len(mis) > 0 || now.BrokerConfig[key] != "" {
			t.Errorf("cluster state: broker config %v, mismatch %q", now.BrokerConfig, mis)
		}
		st := kbench(t, "cluster", "status", "--dir", dir)
		if st.code != 0 || strings.Contains(st.stdout, "MISMATCH") || strings.Contains(st.stdout, key) {
			t.Errorf("cluster status: exit %d\n%s", st.code, st.stdout)
		}
	}

	t.Run("kill -9 then restore", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "results")
		cmd, _ := startKbench(t, "sweep", "--cluster-dir", dir, "--profile", prof, "--out", out, "--quiet", "--no-plots")
		waitState(t, dir, key+"=10 in force on broker 1", 3*time.Minute, func(n *cluster.Node) bool {
			return !n.Changing && n.InForce[key] == "10"
		})
		now, _ := cluster.Load(dir)
		if got := clustertest.DescribeBrokerSetting(t, now, 1, key); got != "10" {
			t.Fatalf("the rolling restart finished but broker 1 has %s=%s (ConfigCommand)", key, got)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		file := filepath.Join(out, safety.RestoreFileName(readRunID(t, out)))
		rf, err := safety.ReadRestoreFile(file)
		if err != nil {
			t.Fatalf("no restore file after kill -9: %v", err)
		}
		if rf.Static == nil || rf.Static.ClusterDir != dir {
			t.Fatalf("the restore file does not record the static change: %+v", rf)
		}
		r := kbench(t, "restore", file)
		if r.code != 0 {
			t.Fatalf("restore: exit %d\n%s", r.code, r.stdout)
		}
		if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("restore file still there after everything was put back")
		}
		t.Logf("restore took %s", r.took.Round(time.Millisecond))
		consistent(t)
	})

	t.Run("kill -9 in the middle of the rolling restart", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "results")
		cmd, _ := startKbench(t, "sweep", "--cluster-dir", dir, "--profile", prof, "--out", out, "--quiet", "--no-plots")
		waitState(t, dir, "broker 1 being restarted", 2*time.Minute, func(n *cluster.Node) bool { return n.Changing })
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		st := kbench(t, "cluster", "status", "--dir", dir)
		if !strings.Contains(st.stdout, "MISMATCH: broker 1 was being restarted") {
			t.Errorf("cluster status does not show the interrupted rolling restart:\n%s", st.stdout)
		}
		file := filepath.Join(out, safety.RestoreFileName(readRunID(t, out)))
		if r := kbench(t, "restore", file); r.code != 0 {
			t.Fatalf("restore: exit %d\n%s", r.code, r.stdout)
		}
		consistent(t)
	})

	t.Run("ctrl-c during the rolling restart", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "results")
		cmd, stderr := startKbench(t, "sweep", "--cluster-dir", dir, "--profile", prof, "--out", out, "--quiet", "--no-plots")
		waitState(t, dir, "the rolling restart begun", 2*time.Minute, func(n *cluster.Node) bool {
			return n.Changing || n.InForce[key] == "10"
		})
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			t.Fatal("kbench did not end within 5 minutes of Ctrl-C")
		}
		errText, _ := os.ReadFile(stderr)
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Errorf("exit %d after Ctrl-C, want %d\n%s", code, exitInterrupted, errText)
		}
		t.Logf("ended %s after Ctrl-C", time.Since(start).Round(time.Millisecond))
		if files, _ := filepath.Glob(filepath.Join(out, "restore-*.json")); len(files) != 0 {
			t.Errorf("restore file left after kbench restored everything itself: %v\n%s", files, errText)
		}
		consistent(t)
	})
}

// readRunID is the run id of a results folder (from index.json, else the one restore file).
func readRunID(t *testing.T, out string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "restore-*.json"))
	if len(files) != 1 {
		t.Fatalf("restore files in %s: %v, want one", out, files)
	}
	return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(files[0]), "restore-"), ".json")
}
