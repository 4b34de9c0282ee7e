package safety

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/kbench/kbench/driver"

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
	remote := TakeCensus(metadataWith([]int32{1, 2}, []int32{1, 2, 3}, []int32{2, 3, 1}), nil, nil)
	err := remote.Check([]profiles.Point{rfPoint("rf2", 2, 0), rfPoint("acks-all", 3, 2), rfPoint("idem", 3, 2)})
	want := "point acks-all (and 1 more points) needs replication factor 3 (min.insync.replicas 2 for acks=all writes) but only brokers 1,2 of 1,2,3 are up (broker 3: not in the cluster's metadata, but holds replicas of __consumer_offsets)"
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("remote, broker 3 gone:\n got %v\nwant one line with %q", err, want)
	}
	if err := remote.Check([]profiles.Point{rfPoint("rf2", 2, 2)}); err != nil {
		t.Errorf("points that fit the brokers that are up must run: %v", err)
	}
	// A cluster that simply has one broker is not degraded: CheckAgainstCluster says RF > brokers.
	if err := TakeCensus(metadataWith([]int32{1}, []int32{1}), nil, nil).Check([]profiles.Point{rfPoint("rf3", 3, 0)}); err != nil {
		t.Errorf("a small healthy cluster is not a degraded one: %v", err)
	}

	// The local cluster: broker 3 was killed moments ago and the metadata still lists it; its
	// state says the process is dead. (This test process stands in for the live brokers.)
	cl := []LocalBroker{{ID: 1, PID: 11}, {ID: 2, PID: 12}, {ID: 3, PID: 0, Dead: true}}
	local := TakeCensus(metadataWith([]int32{1, 2, 3}, []int32{1, 2, 3}), cl, nil)
	err = local.Check([]profiles.Point{rfPoint("acks-all", 3, 0)})
	want = "point acks-all needs replication factor 3 but only brokers 1,2 of 1,2,3 are up (broker 3: process is dead, pid 0)"
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), want) {
		t.Errorf("local, broker 3 dead:\n got %v\nwant %q", err, want)
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
	refused := RefusingBrokers(md.Brokers)
	if len(refused) != 1 || !strings.Contains(refused[3], "refuses connections") {
		t.Fatalf("refused %v, want broker 3 only", refused)
	}
	err = TakeCensus(md, nil, refused).Check([]profiles.Point{rfPoint("acks-all", 3, 0)})
	if !errors.Is(err, ErrBrokersDown) || !strings.Contains(err.Error(), "only brokers 1,2 of 1,2,3 are up (broker 3: still in the cluster's metadata, but 127.0.0.1:") {
		t.Errorf("got %v", err)
	}
}
