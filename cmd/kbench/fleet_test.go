package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/cluster"
)

// TestWorkerBadInput: `kbench worker` refuses what it cannot join with exit 2 and one line, and
// without reaching for any cluster.
func TestWorkerBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no run", nil, []string{"worker", "--bootstrap", "127.0.0.1:1", "--index", "0"}, "--run"},
		{"run with a slash", nil, []string{"worker", "--run", "a/b", "--bootstrap", "127.0.0.1:1", "--index", "0"}, "run id \"a/b\""},
		{"no index", nil, []string{"worker", "--run", "r1", "--bootstrap", "127.0.0.1:1"}, "JOB_COMPLETION_INDEX"},
		{"bad job index", []string{"JOB_COMPLETION_INDEX=x"}, []string{"worker", "--run", "r1", "--bootstrap", "127.0.0.1:1"}, `--index "x"`},
		{"no bootstrap", []string{"JOB_COMPLETION_INDEX=2"}, []string{"worker", "--run", "r1"}, "--bootstrap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := kbenchIn(t, tc.env, tc.args...)
			if r.code != exitBadInput {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitBadInput, r.stderr)
			}
			wantOneLine(t, r, tc.want)
		})
	}
}

// TestWorkerFlagsAreTheContract: the flag names the Kubernetes manifests use exist.
func TestWorkerFlagsAreTheContract(t *testing.T) {
	have := map[string]bool{}
	for _, f := range fleetWorkerFlags() {
		have[f.Names()[0]] = true
	}
	for _, want := range []string{"run", "bootstrap", "client-config", "index"} {
		if !have[want] {
			t.Errorf("kbench worker has no --%s", want)
		}
	}
	have = map[string]bool{}
	for _, f := range sweepCommand().Flags {
		have[f.Names()[0]] = true
	}
	for _, want := range []string{"workers", "run", "bootstrap", "profile", "out"} {
		if !have[want] {
			t.Errorf("kbench sweep has no --%s", want)
		}
	}
	if !strings.Contains(workerCommand().UsageText, "--index N") {
		t.Error("kbench worker usage does not show --index")
	}
}

// workerDeadAfter is fleet.Timing's default DeadAfter: how long a worker waits on a silent
// coordinator before it stops its share (the CLI does not change it).
const workerDeadAfter = 10 * time.Second

// deadCoordinatorProfile is one long point at a small rate on the auth cluster's single broker:
// the coordinator is killed seconds into it.
const deadCoordinatorProfile = `name: dead-coordinator
description: one long point, killed mid-way
workload:
  message.size: 256
  partitions: 3
  replication.factor: 1
  producers: 3
  consumers: 0
  rate: 300
  duration: 60s
  warmup: 1s
sweep:
  points:
    - acks: all
`

// TestIntegrationFleetCoordinatorKilled: the coordinating `kbench sweep --workers 3` is killed
// with SIGKILL mid-point. Its three worker processes stop at their heartbeat deadline (exit 1,
// saying so), delete nothing (the dead run's control and point topics and another run's topics
// are all still there), and `kbench clean --run` then removes the dead run's topics and only those.
func TestIntegrationFleetCoordinatorKilled(t *testing.T) {
	cl := authForTest(t)
	cfg := cl.Users[0].ConfigFile
	stamp := time.Now().UnixNano()
	run, other := fmt.Sprintf("deadco%d", stamp), fmt.Sprintf("otherrun%d", stamp)
	a := adminClient(t, cl)
	otherTopics := []string{"kbench-" + other + "-control", "kbench-" + other + "-acks-all"}
	createTopics(t, a, otherTopics...)
	t.Cleanup(func() { deleteTopics(t, a, otherTopics...) })

	workers, logs := startWorkers(t, cl.Bootstrap(), cfg, run, 3)
	out := filepath.Join(t.TempDir(), "out")
	coord := exec.Command(os.Args[0], "sweep", "--workers", "3", "--run", run, "--bootstrap", cl.Bootstrap(), "--client-config", cfg,
		"-p", writeFile(t, "dead.yaml", deadCoordinatorProfile), "--out", out, "--no-plots", "--fixed-warmup")
	coord.Env = append(os.Environ(), runMainEnv+"=1")
	coordLog := &lockedBuffer{}
	coord.Stdout, coord.Stderr = coordLog, coordLog
	if err := coord.Start(); err != nil {
		t.Fatal(err)
	}
	coordDone := waitChan(coord)
	t.Cleanup(func() { killIfRunning(coord, coordDone) })

	// Mid-point: every worker took its share and records are on the point's topic.
	pointTopic := "kbench-" + run + "-acks-all"
	pollUntil(t, 2*time.Minute, "every worker measuring and records on "+pointTopic, func() bool {
		for _, l := range logs {
			if !strings.Contains(l.String(), ": point acks-all:") {
				return false
			}
		}
		return highWatermark(t, cl, pointTopic) > 0
	})
	if err := coord.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill the coordinator (pid %d): %v", coord.Process.Pid, err)
	}
	killed := time.Now()
	<-coordDone
	t.Logf("coordinator killed; its output:\n%s", coordLog.String())

	for i, w := range workers {
		select {
		case <-w.done:
		case <-time.After(time.Until(killed.Add(workerDeadAfter + 30*time.Second))):
			t.Fatalf("worker %d still running %s after the coordinator was killed", i, time.Since(killed).Round(time.Second))
		}
		took := w.exitedAt().Sub(killed)
		t.Logf("worker %d: exit %d after %s:\n%s", i, w.cmd.ProcessState.ExitCode(), took.Round(10*time.Millisecond), logs[i].String())
		if code := w.cmd.ProcessState.ExitCode(); code != exitError {
			t.Errorf("worker %d: exit %d, want %d", i, code, exitError)
		}
		if took < workerDeadAfter-2*time.Second || took > workerDeadAfter+15*time.Second {
			t.Errorf("worker %d stopped %s after the kill, want about its %s heartbeat deadline", i, took.Round(10*time.Millisecond), workerDeadAfter)
		}
		if s := logs[i].String(); !strings.Contains(s, "coordinator silent") || !strings.Contains(s, "deleted nothing") {
			t.Errorf("worker %d does not say why it stopped", i)
		}
	}

	left := topicsWithPrefix(t, a, "kbench-"+run+"-")
	slices.Sort(left)
	if want := []string{"kbench-" + run + "-acks-all", "kbench-" + run + "-control"}; !slices.Equal(left, want) {
		t.Errorf("the dead run's topics after its workers stopped: %v, want %v (workers delete nothing)", left, want)
	}
	assertTopicsExist(t, a, otherTopics)
	if entries, err := os.ReadDir(out); err == nil {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Logf("the dead coordinator's results folder: %v", names)
	}

	r := kbench(t, "clean", "--run", run, "--bootstrap", cl.Bootstrap(), "--client-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "deleting topic kbench-"+run+"-control") {
		t.Fatalf("clean --run %s: exit %d\n%s", run, r.code, r.stdout)
	}
	pollUntil(t, 30*time.Second, "the dead run's topics gone after clean", func() bool {
		return len(topicsWithPrefix(t, a, "kbench-"+run+"-")) == 0
	})
	assertTopicsExist(t, a, otherTopics)
}

// fleetProc is a `kbench worker` process this test started, with the time it exited.
type fleetProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	at   atomic.Int64
}

func (p *fleetProc) exitedAt() time.Time { return time.Unix(0, p.at.Load()) }

// startWorkers starts n `kbench worker` processes of run; they are killed (by pid) at the
// test's end if still running.
func startWorkers(t *testing.T, bootstrap, cfg, run string, n int) ([]*fleetProc, []*lockedBuffer) {
	t.Helper()
	var procs []*fleetProc
	var logs []*lockedBuffer
	for i := range n {
		cmd := exec.Command(os.Args[0], "worker", "--run", run, "--bootstrap", bootstrap, "--client-config", cfg, "--index", strconv.Itoa(i))
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		log := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start worker %d: %v", i, err)
		}
		p := &fleetProc{cmd: cmd, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); p.at.Store(time.Now().UnixNano()); close(p.done) }()
		t.Cleanup(func() { killIfRunning(cmd, p.done) })
		procs, logs = append(procs, p), append(logs, log)
	}
	return procs, logs
}

func waitChan(cmd *exec.Cmd) chan struct{} {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	return done
}

// killIfRunning SIGKILLs a process this test started, by its pid, and waits for it.
func killIfRunning(cmd *exec.Cmd, done chan struct{}) {
	select {
	case <-done:
	default:
		_ = cmd.Process.Kill()
		<-done
	}
}

// pollUntil polls cond every 100 ms until it holds, failing the test after limit.
func pollUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond) // polling interval of a condition with a deadline
	}
}

// highWatermark sums topic's partitions' end offsets; 0 while the topic is not there.
func highWatermark(t *testing.T, cl *cluster.Cluster, topic string) int64 {
	t.Helper()
	cfg := cl.ClientConfig()
	_ = cfg.SetKey("group.id", "kbench-test-hw")
	c, err := kafka.NewConsumer(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 5000)
	if err != nil || md.Topics[topic].Error.Code() != kafka.ErrNoError {
		return 0
	}
	var sum int64
	for _, p := range md.Topics[topic].Partitions {
		if _, hi, err := c.QueryWatermarkOffsets(topic, p.ID, 5000); err == nil {
			sum += hi
		}
	}
	return sum
}

func createTopics(t *testing.T, a *kafka.AdminClient, topics ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var specs []kafka.TopicSpecification
	for _, name := range topics {
		specs = append(specs, kafka.TopicSpecification{Topic: name, NumPartitions: 1, ReplicationFactor: 1})
	}
	res, err := a.CreateTopics(ctx, specs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			t.Fatalf("create %s: %v", r.Topic, r.Error)
		}
	}
}

// deleteTopics deletes topics this test created.
func deleteTopics(t *testing.T, a *kafka.AdminClient, topics ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := a.DeleteTopics(ctx, topics); err != nil {
		t.Logf("delete the test's topics %v: %v", topics, err)
	}
}

func assertTopicsExist(t *testing.T, a *kafka.AdminClient, topics []string) {
	t.Helper()
	have := topicsWithPrefix(t, a, "kbench-")
	for _, name := range topics {
		if !slices.Contains(have, name) {
			t.Errorf("another run's topic %s is gone", name)
		}
	}
}

// lockedBuffer is a process's output, read while the process writes it.
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
