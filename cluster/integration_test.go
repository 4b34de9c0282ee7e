package cluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Real-cluster tests run only with KBENCH_INTEGRATION=1 (make test sets it): they start JVMs.
func needIntegration(t *testing.T) {
	t.Helper()
	if os.Getenv("KBENCH_INTEGRATION") == "" {
		t.Skip("set KBENCH_INTEGRATION=1 to run real-cluster tests (make integration)")
	}
}

// ourJava lists live java processes whose command line mentions dir.
func ourJava(t *testing.T, dir string) string {
	out, _ := exec.Command("pgrep", "-af", "java.*"+dir).Output()
	return strings.TrimSpace(string(out))
}

// produce writes one record with acks=all and no retries, so the broker's own error comes back.
func produce(t *testing.T, bootstrap, topic string) error {
	t.Helper()
	p, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers": bootstrap, "acks": "all", "retries": 0,
		"message.timeout.ms": 15000, "log_level": 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ch := make(chan kafka.Event, 1)
	if err := p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Value: []byte("x")}, ch); err != nil {
		return err
	}
	m := (<-ch).(*kafka.Message)
	return m.TopicPartition.Error
}

// produceUntil retries produce until check accepts the outcome or the deadline passes (leadership
// moves only after a killed broker's session times out, about 9 s).
func produceUntil(t *testing.T, bootstrap, topic string, within time.Duration, check func(error) bool) error {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := produce(t, bootstrap, topic)
		if check(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func errCode(err error) kafka.ErrorCode {
	var ke kafka.Error
	if errors.As(err, &ke) {
		return ke.Code()
	}
	return kafka.ErrNoError
}

func TestIntegrationClusterFaults(t *testing.T) {
	needIntegration(t)
	ctx := context.Background()
	dir := t.TempDir()
	c, err := Up(ctx, Options{Dir: dir, Brokers: 3, Controllers: 1, Log: t.Logf})
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	defer func() {
		if err := c.Down(ctx, false); err != nil {
			t.Errorf("down: %v", err)
		}
		if left := ourJava(t, dir); left != "" {
			t.Errorf("down left java processes:\n%s", left)
		}
	}()
	if got := len(c.Controllers()); got != 1 {
		t.Fatalf("want 1 dedicated controller, got %d", got)
	}
	loaded, err := Load(dir)
	if err != nil || loaded.Stale() || loaded.Bootstrap() != c.Bootstrap() {
		t.Fatalf("a second invocation must find the same live cluster: %v", err)
	}
	if id, err := c.ActiveController(); err != nil || id != controllerIDBase {
		t.Errorf("active controller: got %d, %v", id, err)
	}

	a, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": c.Bootstrap(), "log_level": 0})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	topic := "durable"
	res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 1, ReplicationFactor: 3,
		Config: map[string]string{"min.insync.replicas": "2"}}})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("create topic: %v %v", err, res)
	}
	if err := produceUntil(t, c.Bootstrap(), topic, 30*time.Second, func(e error) bool { return e == nil }); err != nil {
		t.Fatalf("acks=all on a healthy cluster: %v", err)
	}

	// Kill the leader: with RF 3 and min ISR 2, writes go on once leadership moves.
	leader, err := c.LeaderOf(topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(leader); err != nil {
		t.Fatal(err)
	}
	if s := mustNode(t, c, leader).State(); s != StateDown {
		t.Fatalf("killed broker is %s", s)
	}
	if err := produceUntil(t, c.Bootstrap(), topic, 45*time.Second, func(e error) bool { return e == nil }); err != nil {
		t.Fatalf("one broker down, RF 3, min ISR 2: producing must still succeed: %v", err)
	}

	// Kill a second broker: one replica left, below min ISR: NOT_ENOUGH_REPLICAS.
	second, err := c.LeaderOf(topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(second); err != nil {
		t.Fatal(err)
	}
	err = produceUntil(t, c.Bootstrap(), topic, 60*time.Second, func(e error) bool { return errCode(e) == kafka.ErrNotEnoughReplicas })
	if errCode(err) != kafka.ErrNotEnoughReplicas {
		t.Fatalf("two brokers down, min ISR 2: want NOT_ENOUGH_REPLICAS, got %v", err)
	}

	// Restart both: writes recover.
	for _, id := range []int{leader, second} {
		if err := c.Restart(ctx, id); err != nil {
			t.Fatalf("restart %d: %v", id, err)
		}
		if s := mustNode(t, c, id).State(); s != StateUp {
			t.Fatalf("restarted broker %d is %s", id, s)
		}
	}
	if err := produceUntil(t, c.Bootstrap(), topic, 30*time.Second, func(e error) bool { return e == nil }); err != nil {
		t.Fatalf("after restarts: %v", err)
	}

	// Pause a broker: the OS says stopped; resume: running again and writes work.
	if err := c.Pause(2); err != nil {
		t.Fatal(err)
	}
	if s := mustNode(t, c, 2).State(); s != StatePaused {
		t.Fatalf("paused broker is %s", s)
	}
	if err := c.Resume(2); err != nil {
		t.Fatal(err)
	}
	if s := mustNode(t, c, 2).State(); s != StateUp {
		t.Fatalf("resumed broker is %s", s)
	}
	if err := produceUntil(t, c.Bootstrap(), topic, 30*time.Second, func(e error) bool { return e == nil }); err != nil {
		t.Fatalf("after pause/resume: %v", err)
	}
}

func mustNode(t *testing.T, c *Cluster, id int) *Node {
	n, err := c.Node(id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIntegrationFailedUpLeavesNothing(t *testing.T) {
	needIntegration(t)
	for _, tc := range []struct {
		name, key, value string
		want             []string
	}{
		// Rejected by the storage format step, before any node starts.
		{"bad value at format", "num.io.threads", "not-a-number", []string{"format storage", "num.io.threads"}},
		// Accepted by format, fatal when the broker starts: the node exits during start.
		{"broker dies at start", "authorizer.class.name", "no.such.Authorizer", []string{"exited", "no.such.Authorizer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Up(context.Background(), Options{Dir: dir, Brokers: 1, Controllers: 1,
				BrokerConfig: map[string]string{tc.key: tc.value}})
			if err == nil {
				t.Fatal("up must fail")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error should contain %q (the failing step and the log lines naming the cause), got:\n%v", w, err)
				}
			}
			if left := ourJava(t, dir); left != "" {
				t.Errorf("failed up left java processes:\n%s", left)
			}
			if _, err := Load(dir); !errors.Is(err, ErrNotRunning) {
				t.Errorf("failed up must not leave a state file: %v", err)
			}
		})
	}
}

func TestIntegrationSCRAMAuth(t *testing.T) {
	needIntegration(t)
	ctx := context.Background()
	dir := t.TempDir()
	c, err := Up(ctx, Options{Dir: dir, Brokers: 1, Controllers: 1, Auth: AuthSCRAM, Log: t.Logf})
	if err != nil {
		t.Fatalf("up --auth scram: %v", err)
	}
	defer c.Down(ctx, false)
	admin, restricted := c.Users[0], c.Users[1]
	for _, u := range c.Users {
		b, err := os.ReadFile(u.ConfigFile)
		if err != nil || !strings.Contains(string(b), "sasl.jaas.config=") || !strings.Contains(string(b), u.Password) {
			t.Errorf("client config for %s: %v\n%s", u.Name, err, b)
		}
	}
	newAdmin := func(user, password string) *kafka.AdminClient {
		cfg := kafka.ConfigMap{"bootstrap.servers": c.Bootstrap(), "log_level": 0, "security.protocol": "SASL_PLAINTEXT",
			"sasl.mechanism": "SCRAM-SHA-256", "sasl.username": user, "sasl.password": password}
		a, err := kafka.NewAdminClient(&cfg)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	create := func(a *kafka.AdminClient, topic string) error {
		res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 1, ReplicationFactor: 1}})
		if err != nil {
			return err
		}
		if res[0].Error.Code() != kafka.ErrNoError {
			return res[0].Error
		}
		return nil
	}
	a := newAdmin(admin.Name, admin.Password)
	defer a.Close()
	if err := create(a, "kbench-auth"); err != nil {
		t.Errorf("super user create topic: %v", err)
	}
	r := newAdmin(restricted.Name, restricted.Password)
	defer r.Close()
	if err := create(r, "kbench-restricted"); errCode(err) != kafka.ErrTopicAuthorizationFailed && errCode(err) != kafka.ErrClusterAuthorizationFailed {
		t.Errorf("restricted user create topic: want an authorization error, got %v", err)
	}
	bad := newAdmin(admin.Name, "wrong-password")
	defer bad.Close()
	if _, err := bad.GetMetadata(nil, true, 10000); err == nil {
		t.Error("a wrong password must not get metadata")
	}
}
