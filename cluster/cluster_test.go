package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodePropertiesSeparateControllers(t *testing.T) {
	c := &Cluster{Dir: "/tmp/x", BrokerConfig: map[string]string{"log.flush.interval.messages": "1"}}
	c.Nodes = []*Node{
		c.newNode(100, RoleController, 9000, 0),
		c.newNode(101, RoleController, 9001, 0),
		c.newNode(1, RoleBroker, 9100, 9101),
		c.newNode(2, RoleBroker, 9102, 9103),
	}
	ctrl := c.nodeProperties(c.Nodes[0])
	broker := c.nodeProperties(c.Nodes[2])
	for _, tc := range []struct {
		name, props, want string
	}{
		{"controller role", ctrl, "process.roles=controller\n"},
		{"controller listener only", ctrl, "listeners=CONTROLLER://127.0.0.1:9000\n"},
		{"voters on controller", ctrl, "controller.quorum.voters=100@127.0.0.1:9000,101@127.0.0.1:9001\n"},
		{"voters on broker", broker, "controller.quorum.voters=100@127.0.0.1:9000,101@127.0.0.1:9001\n"},
		{"broker role", broker, "process.roles=broker\n"},
		{"broker listeners", broker, "listeners=CLIENT://127.0.0.1:9100,INTERNAL://127.0.0.1:9101\n"},
		{"advertised explicit host", broker, "advertised.listeners=CLIENT://127.0.0.1:9100,INTERNAL://127.0.0.1:9101\n"},
		{"inter-broker listener", broker, "inter.broker.listener.name=INTERNAL\n"},
		{"offsets RF capped by brokers", broker, "offsets.topic.replication.factor=2\n"},
		{"extra broker config", broker, "log.flush.interval.messages=1\n"},
		{"own data dir", broker, "log.dirs=/tmp/x/nodes/broker-1/data\n"},
	} {
		if !strings.Contains(tc.props, tc.want) {
			t.Errorf("%s: want line %q in\n%s", tc.name, tc.want, tc.props)
		}
	}
	if strings.Contains(ctrl, "log.flush.interval.messages") {
		t.Error("broker settings leaked into the controller config")
	}
	if strings.Contains(broker, "CONTROLLER://") {
		t.Error("a broker-only node must not listen on the controller listener")
	}
}

func TestFreePortsDistinct(t *testing.T) {
	ports, err := freePorts(20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] || p <= 0 {
			t.Fatalf("port %d repeated or invalid in %v", p, ports)
		}
		seen[p] = true
		if !portFree(p) {
			t.Errorf("port %d not free after release", p)
		}
	}
}

func TestStateRoundTripAndStale(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "kbench cluster up") {
		t.Fatalf("Load of empty dir: want ErrNotRunning with a hint, got %v", err)
	}
	c := &Cluster{Dir: dir, ClusterID: "abc", KafkaVersion: "4.3.1"}
	c.Nodes = []*Node{c.newNode(1, RoleBroker, 1234, 1235)}
	c.Nodes[0].PID = os.Getpid() // alive, but not a Kafka node with this config file
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bootstrap() != "127.0.0.1:1234" || got.ClusterID != "abc" {
		t.Errorf("round trip: got bootstrap %q id %q", got.Bootstrap(), got.ClusterID)
	}
	if !got.Stale() {
		t.Error("a pid that is not running our config file must count as stale (pid reuse after reboot)")
	}
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte("{broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged state: want a clear error, got %v", err)
	}
}

func TestKafkaVersionFromJars(t *testing.T) {
	dir := t.TempDir()
	if _, err := kafkaVersion(dir); err == nil || !strings.Contains(err.Error(), "make kafka") {
		t.Errorf("empty libs: want a hint to run make kafka, got %v", err)
	}
	for _, f := range []string{"kafka-clients-4.3.1.jar", "kafka_2.13-4.3.1.jar", "kafka_2.13-4.3.1-sources.jar"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	if v, err := kafkaVersion(dir); err != nil || v != "4.3.1" {
		t.Errorf("got %q, %v; want 4.3.1", v, err)
	}
	if _, err := kafkaVersion(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "--kafka-libs") {
		t.Errorf("missing folder: want a hint, got %v", err)
	}
}

func TestJavaMajor(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want int
	}{
		{`openjdk version "17.0.15" 2025-04-15`, 17},
		{`java version "1.8.0_392"`, 8},
		{`openjdk version "21" 2023-09-19`, 21},
	} {
		if got, ok := javaMajor(tc.out); !ok || got != tc.want {
			t.Errorf("javaMajor(%q) = %d, %v; want %d", tc.out, got, ok, tc.want)
		}
	}
}

func TestClusterIDShape(t *testing.T) {
	for i := 0; i < 100; i++ {
		id, err := newClusterID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 22 || strings.HasPrefix(id, "-") {
			t.Fatalf("bad cluster id %q", id)
		}
	}
}
