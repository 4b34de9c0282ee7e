package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/cluster/powerfs"
)

// produceAcksAll creates topic (RF 3, min ISR 2) and writes n 1 KiB records with acks=all,
// failing the test unless every one is acknowledged.
func produceAcksAll(t *testing.T, cl *cluster.Cluster, topic string, n int) {
	t.Helper()
	cfg := cl.ClientConfig()
	a, err := kafka.NewAdminClient(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 1, ReplicationFactor: 3,
		Config: map[string]string{"min.insync.replicas": "2"}}})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("create topic %s: %v %v", topic, err, res)
	}
	pcfg := cl.ClientConfig()
	pcfg["acks"] = "all"
	pcfg["enable.idempotence"] = true
	p, err := kafka.NewProducer(&pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	done := make(chan kafka.Event, n)
	value := make([]byte, 1024)
	for i := 0; i < n; i++ {
		if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Value: value}, done); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	for i := 0; i < n; i++ {
		select {
		case ev := <-done:
			if m := ev.(*kafka.Message); m.TopicPartition.Error != nil {
				t.Fatalf("record %d not acknowledged: %v", i, m.TopicPartition.Error)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("only %d of %d records acknowledged after 60 s", i, n)
		}
	}
}

var mountUpRE = regexp.MustCompile(`(?m)/nodes/(broker|controller)-\d+/data +up `)

var unsyncedRE = regexp.MustCompile(`node 1: a power loss would drop (\d+) unsynced bytes`)

// A cluster on power-loss filesystems: the mounts show in status, Kafka's default flush leaves
// acknowledged records unsynced, a killed broker's disk loses them and the broker restarts on the
// same folder, a dead filesystem is reported (and refused for a restart), and down --wipe leaves
// nothing mounted and nothing behind.
func TestIntegrationPowerLossSim(t *testing.T) {
	if !clustertest.Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	if err := powerfs.CheckFUSE(); err != nil {
		t.Fatalf("--power-loss-sim needs FUSE (make deps installs fuse3): %v", err)
	}
	dir := filepath.Join(t.TempDir(), "cluster")
	if r := kbench(t, "cluster", "up", "--dir", dir, "--power-loss-sim-controllers"); r.code != 0 {
		t.Fatalf("cluster up --power-loss-sim-controllers: exit %d", r.code)
	}
	t.Cleanup(func() { kbench(t, "cluster", "down", "--wipe", "--dir", dir) })
	cl, err := cluster.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	produceAcksAll(t, cl, "kbench-powerloss-test", 2000)

	r := kbench(t, "cluster", "status", "--dir", dir)
	if r.code != 0 || len(mountUpRE.FindAllString(r.stdout, -1)) != 4 {
		t.Fatalf("status: exit %d, want 4 power-loss mounts up (3 brokers, the controller):\n%s", r.code, r.stdout)
	}
	r = kbench(t, "cluster", "unsynced", "--dir", dir, "--broker", "1")
	m := unsyncedRE.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || !strings.Contains(r.stdout, "kbench-powerloss-test-0/00000000000000000000.log") {
		t.Fatalf("unsynced: exit %d, want the topic's segment listed:\n%s", r.code, r.stdout)
	}
	if n, _ := strconv.ParseInt(m[1], 10, 64); n < 2000*1024 {
		t.Fatalf("broker 1 has %d unsynced bytes after 2000 acknowledged 1 KiB records under the default flush, want at least %d", n, 2000*1024)
	}

	// The fault helper's sequence: kill, drop unsynced data, restart on the same folder.
	if _, err := cl.LoseUnsynced(1); err == nil || !strings.Contains(err.Error(), "kill it first") {
		t.Fatalf("lose-unsynced of a running broker: %v, want a refusal", err)
	}
	if err := cl.Kill(1); err != nil {
		t.Fatal(err)
	}
	rep, err := cl.LoseUnsynced(1)
	if err != nil || rep.Unsynced < 2000*1024 {
		t.Fatalf("lose-unsynced of killed broker 1: %d bytes dropped, %v; want the records' bytes", rep.Unsynced, err)
	}
	if err := cl.Restart(context.Background(), 1); err != nil {
		t.Fatalf("restart broker 1 on its rolled-back folder: %v", err)
	}

	// A dead filesystem is reported, and no broker is started on it.
	b3, _ := cl.Node(3)
	if err := cl.Kill(3); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(b3.FS.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r = kbench(t, "cluster", "status", "--dir", dir)
	if r.code != exitCluster || !strings.Contains(r.stderr, "power-loss filesystem of broker 3") {
		t.Fatalf("status with broker 3's filesystem dead: exit %d, want %d naming it", r.code, exitCluster)
	}
	r = kbench(t, "cluster", "restart", "--dir", dir, "--broker", "3")
	if r.code != exitCluster || !strings.Contains(r.stderr, "power-loss filesystem is down") {
		t.Fatalf("restart on a dead filesystem: exit %d, want %d and a refusal", r.code, exitCluster)
	}

	if r := kbench(t, "cluster", "down", "--wipe", "--dir", dir); r.code != 0 {
		t.Fatalf("down --wipe: exit %d", r.code)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), dir) {
		t.Fatalf("still mounted under %s after down --wipe:\n%s", dir, mounts)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("cluster folder after down --wipe: %v, want it gone", err)
	}
}

// Without FUSE, --power-loss-sim fails with one line, the cluster exit code, and writes nothing.
func TestPowerLossSimWithoutFUSE(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	env := append(os.Environ(), runMainEnv+"=1", "PATH="+t.TempDir()) // no fusermount3 on PATH
	r := runKbench(t, time.Minute, env, []string{"cluster", "up", "--dir", dir, "--power-loss-sim"})
	if r.code != exitCluster || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "fusermount3") {
		t.Fatalf("cluster up --power-loss-sim without fusermount3: exit %d, stderr %q; want %d and one line naming fusermount3", r.code, r.stderr, exitCluster)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("cluster folder after the refusal: %v, want nothing written", err)
	}
}

// The hidden daemon command refuses missing arguments with one line and the bad-input code.
func TestPowerfsServeNeedsItsFolders(t *testing.T) {
	r := runKbench(t, time.Minute, append(os.Environ(), runMainEnv+"=1"), []string{"powerfs", "serve", "--source", t.TempDir()})
	if r.code != exitBadInput || !strings.Contains(r.stderr, "want --source DIR --mount DIR --control SOCKET") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("powerfs serve without --mount: exit %d, stderr %q; want %d and the usage line", r.code, r.stderr, exitBadInput)
	}
}
