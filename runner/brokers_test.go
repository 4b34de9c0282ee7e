package runner

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
)

func metadataWith(brokers []int32, replicas ...[]int32) *driver.Metadata {
	md := &driver.Metadata{Topics: map[string]driver.TopicMetadata{}}
	for _, id := range brokers {
		md.Brokers = append(md.Brokers, driver.BrokerMetadata{ID: id})
	}
	var parts []driver.PartitionMetadata
	for i, r := range replicas {
		parts = append(parts, driver.PartitionMetadata{ID: int32(i), Replicas: r})
	}
	md.Topics["__consumer_offsets"] = driver.TopicMetadata{Topic: "__consumer_offsets", Partitions: parts}
	return md
}

func rfPoint(id string, rf, minISR int) profiles.Point {
	p := profiles.Point{ID: id, Workload: profiles.Workload{ReplicationFactor: rf}}
	p.Settings.ReplicationFactor = &rf
	if minISR > 0 {
		p.Settings.MinInsyncReplicas = &minISR
	}
	return p
}

// TestBrokerCensus: a broker that is down is named with why, and a point that needs it fails at
// once with one line saying what it needs and which brokers are up (issue 13: three create-topic
// timeouts over 90 s instead).
func TestBrokerCensus(t *testing.T) {
	// A remote cluster past the broker's session timeout: the metadata lists 1 and 2, but
	// replicas still name 3.
	remote := takeCensus(metadataWith([]int32{1, 2}, []int32{1, 2, 3}, []int32{2, 3, 1}), nil, nil)
	err := remote.check([]profiles.Point{rfPoint("rf2", 2, 0), rfPoint("acks-all", 3, 2), rfPoint("idem", 3, 2)})
	want := "point acks-all (and 1 more points) needs replication factor 3 (min.insync.replicas 2 for acks=all writes) but only brokers 1,2 of 1,2,3 are up (broker 3: not in the cluster's metadata, but holds replicas of __consumer_offsets)"
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("remote, broker 3 gone:\n got %v\nwant one line with %q", err, want)
	}
	if err := remote.check([]profiles.Point{rfPoint("rf2", 2, 2)}); err != nil {
		t.Errorf("points that fit the brokers that are up must run: %v", err)
	}
	// A cluster that simply has one broker is not degraded: CheckAgainstCluster says RF > brokers.
	if err := takeCensus(metadataWith([]int32{1}, []int32{1}), nil, nil).check([]profiles.Point{rfPoint("rf3", 3, 0)}); err != nil {
		t.Errorf("a small healthy cluster is not a degraded one: %v", err)
	}

	// The local cluster: broker 3 was killed moments ago and the metadata still lists it; its
	// state says the process is dead. (This test process stands in for the live brokers.)
	self, _ := os.Executable()
	live := func(id int) *cluster.Node {
		return &cluster.Node{ID: id, Role: cluster.RoleBroker, PID: os.Getpid(), Config: self}
	}
	cl := &cluster.Cluster{Nodes: []*cluster.Node{live(1), live(2), {ID: 3, Role: cluster.RoleBroker, PID: 0, Config: "/nonexistent"}}}
	local := takeCensus(metadataWith([]int32{1, 2, 3}, []int32{1, 2, 3}), cl, nil)
	err = local.check([]profiles.Point{rfPoint("acks-all", 3, 0)})
	want = "point acks-all needs replication factor 3 but only brokers 1,2 of 1,2,3 are up (broker 3: process is dead, pid 0)"
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), want) {
		t.Errorf("local, broker 3 dead:\n got %v\nwant %q", err, want)
	}
}

// slowAdmin never answers CreateTopics within the context; its metadata lists brokers 1 and 2.
type slowAdmin struct{ *fakeAdmin }

func (slowAdmin) CreateTopics(ctx context.Context, _ []driver.TopicSpec, _ driver.AdminOptions) ([]driver.TopicResult, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (slowAdmin) Metadata(*string, bool, time.Duration) (*driver.Metadata, error) {
	return metadataWith([]int32{1, 2}), nil
}

// TestCreateTopicTimeoutSaysWhat: a create that times out says what it waited for and which
// brokers are listed, not a bare "context deadline exceeded".
func TestCreateTopicTimeoutSaysWhat(t *testing.T) {
	// adminTimeout (30 s) bounds the create; a caller's shorter deadline stands in for it here.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := createTopic(ctx, slowAdmin{&fakeAdmin{}}, "t", 3, 3, nil)
	if !errors.Is(err, ErrTopicTimeout) || !strings.Contains(err.Error(), "replication factor 3") ||
		!strings.Contains(err.Error(), "lists brokers 1,2") {
		t.Errorf("got %v", err)
	}
}

// TestRefusingBrokers: a broker killed moments ago is still listed in the metadata; its address
// refusing connections marks it missing at once (a remote cluster has no process state to ask).
func TestRefusingBrokers(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gonePort := gone.Addr().(*net.TCPAddr).Port
	gone.Close()
	md := metadataWith([]int32{1, 2, 3}, []int32{1, 2, 3})
	md.Brokers[0].Host, md.Brokers[0].Port = "127.0.0.1", open.Addr().(*net.TCPAddr).Port
	md.Brokers[1].Host, md.Brokers[1].Port = "127.0.0.1", open.Addr().(*net.TCPAddr).Port
	md.Brokers[2].Host, md.Brokers[2].Port = "127.0.0.1", gonePort
	refused := refusingBrokers(md.Brokers)
	if len(refused) != 1 || !strings.Contains(refused[3], "refuses connections") {
		t.Fatalf("refused %v, want broker 3 only", refused)
	}
	err = takeCensus(md, nil, refused).check([]profiles.Point{rfPoint("acks-all", 3, 0)})
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), "only brokers 1,2 of 1,2,3 are up (broker 3: still in the cluster's metadata, but 127.0.0.1:") {
		t.Errorf("got %v", err)
	}
}
