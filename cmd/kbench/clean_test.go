package main

// Shared-cluster safety, end to end through the kbench command itself (the test binary re-executes
// itself as kbench), on one 1-broker local cluster with SASL SCRAM and ACLs (`cluster up --auth
// scram`): a super user "admin" and a user "restricted" that may only read and write kbench-
// topics. Real-cluster tests: KBENCH_INTEGRATION=1.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/stats"
)

// runMainEnv makes the test binary run kbench's main instead of the tests.
const runMainEnv = "KBENCH_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	if authCluster != nil {
		if err := authCluster.Down(context.Background(), true); err != nil {
			os.Stderr.WriteString("stop the auth test cluster: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

var (
	authOnce    sync.Once
	authCluster *cluster.Cluster
	authErr     error
)

// authForTest returns the test binary's 1-broker SCRAM cluster, started on first use.
func authForTest(t *testing.T) *cluster.Cluster {
	t.Helper()
	if !clustertest.Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	authOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kbench-auth-cluster-")
		if err != nil {
			authErr = err
			return
		}
		authCluster, authErr = cluster.Up(context.Background(), cluster.Options{Dir: dir, Brokers: 1, Auth: cluster.AuthSCRAM})
	})
	if authErr != nil {
		t.Fatalf("start the auth test cluster: %v", authErr)
	}
	return authCluster
}

// kbenchResult is one finished kbench process.
type kbenchResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// kbench runs this binary as kbench with args in the test's own environment and waits (at most
// 5 minutes) for it, logging its stderr.
func kbench(t *testing.T, args ...string) kbenchResult {
	t.Helper()
	r := runKbench(t, 5*time.Minute, append(os.Environ(), runMainEnv+"=1"), args)
	t.Logf("kbench %s: exit %d after %s\nstderr:\n%s", strings.Join(args, " "), r.code, r.took.Round(time.Millisecond), r.stderr)
	return r
}

// runKbench runs this binary as kbench with args and environment env, bounded by limit: a
// process still running then fails the test as a hang.
func runKbench(t *testing.T, limit time.Duration, env, args []string) kbenchResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := kbenchResult{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("kbench %v: still running after %s (hangs)", args, r.took)
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("kbench %v: %v", args, err)
	}
	return r
}

// writeFile writes a test profile or client config.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// quickRF1 is the shipped quick profile with replication factor 1, for the 1-broker cluster.
const quickRF1 = `name: quick-rf1
description: the quick profile on one broker
workload:
  message.size: 256
  partitions: 3
  replication.factor: 1
  producers: 1
  consumers: 1
  rate: 1000
  duration: 3s
  warmup: 1s
  linger.ms: 5
sweep:
  points:
    - acks: 1
    - acks: all
    - acks: all
      enable.idempotence: true
`

// adminClient is a super-user admin client of the auth cluster.
func adminClient(t *testing.T, cl *cluster.Cluster) *kafka.AdminClient {
	t.Helper()
	cfg := cl.ClientConfig()
	a, err := kafka.NewAdminClient(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// topicsWithPrefix lists the cluster's topics that start with prefix.
func topicsWithPrefix(t *testing.T, a *kafka.AdminClient, prefix string) []string {
	t.Helper()
	md, err := a.GetMetadata(nil, true, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for name := range md.Topics {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// grepSecrets fails the test for every file under dir, and every extra text, that holds a password.
func grepSecrets(t *testing.T, dir string, passwords []string, texts map[string]string) {
	t.Helper()
	files := 0
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		texts[path] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files in %s to check", dir)
	}
	for name, text := range texts {
		for _, pw := range passwords {
			if strings.Contains(text, pw) {
				t.Errorf("%s holds a password", name)
			}
		}
	}
}

// TestIntegrationAuthQuickWithClientConfig: the quick sweep runs with the admin's client config
// file as written by `cluster up --auth scram`, deletes its topics, and no result file, report,
// export or output line carries a password.
func TestIntegrationAuthQuickWithClientConfig(t *testing.T) {
	cl := authForTest(t)
	out := filepath.Join(t.TempDir(), "results")
	prof := writeFile(t, "quick-rf1.yaml", quickRF1)
	r := kbench(t, "sweep", "--client-config", cl.Users[0].ConfigFile, "--profile", prof, "--out", out)
	if r.code != 0 {
		t.Fatalf("sweep exit %d", r.code)
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range run.Results() {
		if res.Status != stats.StatusOK || !res.Audit.NoneLost() {
			t.Errorf("point %s: %s, lost %s", res.Point.ID, res.Status, res.Audit.LostText())
		}
		if got := res.Effective.ProducerConfig["sasl.password"]; got != "[redacted]" {
			t.Errorf("point %s: recorded sasl.password %q, want [redacted]", res.Point.ID, got)
		}
		if res.Effective.ProducerConfig["sasl.username"] != "admin" || res.Effective.ProducerConfig["security.protocol"] != "SASL_PLAINTEXT" {
			t.Errorf("point %s: recorded producer config %v does not say how it connected", res.Point.ID, res.Effective.ProducerConfig)
		}
	}
	if left := topicsWithPrefix(t, adminClient(t, cl), "kbench-"+run.Index.RunID); len(left) > 0 {
		t.Errorf("topics left behind: %v", left)
	}
	rep := kbench(t, "report", "--in", out)
	exp := kbench(t, "export", "--in", out, "--out", filepath.Join(out, "omb"))
	plan := kbench(t, "sweep", "--plan", "--client-config", cl.Users[0].ConfigFile, "--profile", prof)
	if !strings.Contains(plan.stdout, "sasl.password=[redacted]") {
		t.Errorf("--plan does not show the client config redacted:\n%s", plan.stdout)
	}
	grepSecrets(t, out, []string{cl.Users[0].Password, cl.Users[1].Password}, map[string]string{
		"sweep stdout": r.stdout, "sweep stderr": r.stderr, "report output": rep.stdout + rep.stderr,
		"export output": exp.stdout + exp.stderr, "plan output": plan.stdout + plan.stderr,
	})
}

// TestIntegrationAuthWrongPasswordFailsFast: a wrong password ends kbench within seconds with one
// line naming the cause and exit code 3, and shows neither password.
func TestIntegrationAuthWrongPasswordFailsFast(t *testing.T) {
	cl := authForTest(t)
	out := filepath.Join(t.TempDir(), "results")
	r := kbench(t, "sweep", "--client-config", cl.Users[0].ConfigFile, "-X", "sasl.password=not-the-password",
		"--profile", writeFile(t, "p.yaml", quickRF1), "--out", out)
	if r.code != exitCluster {
		t.Errorf("exit %d, want %d", r.code, exitCluster)
	}
	if !strings.Contains(r.stderr, "authentication failed for user admin") {
		t.Errorf("stderr does not say authentication failed:\n%s", r.stderr)
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
		t.Errorf("stderr has %d lines, want one", n+1)
	}
	if strings.Contains(r.stderr, "not-the-password") || strings.Contains(r.stderr, cl.Users[0].Password) {
		t.Error("stderr shows a password")
	}
	if r.took > 15*time.Second {
		t.Errorf("took %s to fail", r.took)
	}
	t.Logf("wrong password reported after %s", r.took.Round(time.Millisecond))
}

// TestIntegrationAuthRestrictedUser: a user without create or alter permission gets a clear
// permission error before anything changes, for topic creation and for a broker setting; with
// --existing-topic it measures on a topic it may write, audits only its own records and leaves the
// topic in place.
func TestIntegrationAuthRestrictedUser(t *testing.T) {
	cl := authForTest(t)
	restricted := cl.Users[1].ConfigFile
	a := adminClient(t, cl)

	t.Run("create topic", func(t *testing.T) {
		r := kbench(t, "sweep", "--client-config", restricted, "--profile", writeFile(t, "p.yaml", quickRF1), "--out", filepath.Join(t.TempDir(), "r"))
		if r.code != exitCluster || !strings.Contains(r.stderr, "not permitted: user restricted may not create topics") {
			t.Errorf("exit %d, stderr %q: want exit %d and a create permission error", r.code, r.stderr, exitCluster)
		}
	})
	t.Run("alter broker config", func(t *testing.T) {
		prof := writeFile(t, "flush.yaml", strings.Replace(quickRF1, "    - acks: 1\n", "    - acks: 1\n      log.flush.interval.messages: 1000\n", 1))
		out := filepath.Join(t.TempDir(), "r")
		r := kbench(t, "sweep", "--client-config", restricted, "--allow-broker-config", "--profile", prof, "--out", out)
		if r.code != exitCluster || !strings.Contains(r.stderr, "not permitted: user restricted may not alter broker configs") {
			t.Errorf("exit %d, stderr %q: want exit %d and an alter permission error", r.code, r.stderr, exitCluster)
		}
		if m, _ := filepath.Glob(filepath.Join(out, "restore-*.json")); len(m) > 0 {
			t.Errorf("restore file written although nothing changed: %v", m)
		}
		// Without --allow-broker-config the admin is refused too, before any change.
		r = kbench(t, "sweep", "--client-config", cl.Users[0].ConfigFile, "--profile", prof, "--out", out)
		if r.code != exitBadInput || !strings.Contains(r.stderr, "--allow-broker-config") {
			t.Errorf("admin without --allow-broker-config: exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("existing topic", func(t *testing.T) {
		topic := "kbench-shared-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 2, ReplicationFactor: 1}})
		if err != nil || res[0].Error.Code() != kafka.ErrNoError {
			t.Fatalf("create %s: %v %v", topic, err, res)
		}
		// Someone else's records, long enough to look like kbench headers.
		cfg := cl.ClientConfig()
		p, err := kafka.NewProducer(&cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			_ = p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Value: bytes.Repeat([]byte{byte(i)}, 64)}, nil)
		}
		p.Flush(10000)
		p.Close()

		out := filepath.Join(t.TempDir(), "r")
		r := kbench(t, "sweep", "--client-config", restricted, "--existing-topic", topic, "--profile", writeFile(t, "p.yaml", quickRF1), "--out", out)
		if r.code != 0 {
			t.Fatalf("exit %d", r.code)
		}
		run, err := stats.ReadRun(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range run.Results() {
			au := res.Audit
			if res.Status != stats.StatusOK || !au.NoneLost() || au.ConsumedNotSent != 0 || au.Consumed != au.Acked || res.Effective.Topic != topic {
				t.Errorf("point %s on %s: %s, audit %+v", res.Point.ID, res.Effective.Topic, res.Status, au)
			}
			if res.Metrics.Consumed.Records != res.Metrics.Acked.Records {
				t.Errorf("point %s: the consumers read %d measured records, %d were acked", res.Point.ID, res.Metrics.Consumed.Records, res.Metrics.Acked.Records)
			}
		}
		if left := topicsWithPrefix(t, a, topic); len(left) != 1 {
			t.Errorf("existing topic %s gone after the sweep", topic)
		}
		// A profile that sets a topic setting is refused on an existing topic.
		prof := writeFile(t, "isr.yaml", strings.Replace(quickRF1, "    - acks: 1\n", "    - acks: 1\n      min.insync.replicas: 1\n", 1))
		r = kbench(t, "sweep", "--client-config", restricted, "--existing-topic", topic, "--profile", prof, "--out", filepath.Join(t.TempDir(), "r2"))
		if r.code != exitBadInput || !strings.Contains(r.stderr, "sweeps no topic settings") {
			t.Errorf("topic settings on an existing topic: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestIntegrationUnreachableFailsFast: a bootstrap server nobody listens on ends kbench within
// seconds with exit code 3.
func TestIntegrationUnreachableFailsFast(t *testing.T) {
	if !clustertest.Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	r := kbench(t, "sweep", "--bootstrap", "127.0.0.1:1", "--profile", writeFile(t, "p.yaml", quickRF1), "--out", filepath.Join(t.TempDir(), "r"))
	if r.code != exitCluster || !strings.Contains(r.stderr, "unreachable") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r.took > 15*time.Second {
		t.Errorf("took %s to fail", r.took)
	}
}

// TestIntegrationAuthProfileDoesNotFit: a replication factor above the broker count and a
// message above the brokers' limit are refused before anything changes, with exit code 2.
func TestIntegrationAuthProfileDoesNotFit(t *testing.T) {
	cl := authForTest(t)
	tests := []struct{ name, from, to, want string }{
		{"replication factor above the broker count", "  replication.factor: 1\n", "  replication.factor: 3\n", "replication"},
		{"message above message.max.bytes", "  message.size: 256\n", "  message.size: 2000000\n", "above the brokers' message.max.bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof := writeFile(t, "p.yaml", strings.Replace(quickRF1, tt.from, tt.to, 1))
			r := kbench(t, "sweep", "--client-config", cl.Users[0].ConfigFile, "--profile", prof, "--out", filepath.Join(t.TempDir(), "r"))
			if r.code != exitBadInput || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q: want exit %d and %q", r.code, r.stderr, exitBadInput, tt.want)
			}
		})
	}
}
