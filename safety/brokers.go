package safety

// Degraded clusters: a broker that is down before the sweep must fail the sweep at once, with
// one line naming the missing brokers and what the point needs, instead of topic creations that
// time out one point after another.

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/profiles"
)

// ErrBrokersDown says brokers the cluster has are not up, and a point needs them: the cluster
// must be healed, not the profile changed.
var ErrBrokersDown = errors.New("brokers down")

// LocalBroker is a broker of the local cluster kbench started, as its state file has it.
type LocalBroker struct {
	ID     int
	PID    int
	Dead   bool // the process is gone
	Paused bool // the process is stopped (SIGSTOP)
}

// Census is what kbench knows about the cluster's brokers before a sweep.
type Census struct {
	up    []int          // brokers that answer: in the metadata and, on the local cluster, alive
	known []int          // every broker the cluster has, as far as kbench can tell
	why   map[int]string // broker id -> why it is not up ("process is dead (pid 123)")
}

// TakeCensus compares the brokers the metadata lists with every broker the cluster is known to
// have: replicas of existing topics name brokers the metadata no longer lists (a remote broker
// down past its session timeout), and the local cluster's state names its brokers and whether
// their processes live. A broker killed moments ago is still listed until its session times out
// (9 s by default), and requests the client sends it wait for its whole timeout: refused (broker
// id -> why) names listed brokers whose address refuses connections.
func TakeCensus(md *driver.Metadata, local []LocalBroker, refused map[int]string) Census {
	c := Census{why: map[int]string{}}
	listed := map[int]bool{}
	known := map[int]bool{}
	for _, b := range md.Brokers {
		listed[int(b.ID)], known[int(b.ID)] = true, true
	}
	for _, t := range md.Topics {
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				if id := int(r); !listed[id] && !known[id] {
					known[id] = true
					c.why[id] = "not in the cluster's metadata, but holds replicas of " + t.Topic
				}
			}
		}
	}
	for _, n := range local {
		known[n.ID] = true
		switch {
		case n.Dead:
			c.why[n.ID] = fmt.Sprintf("process is dead, pid %d", n.PID)
		case n.Paused:
			c.why[n.ID] = fmt.Sprintf("process is paused (SIGSTOP), pid %d", n.PID)
		default:
			if !listed[n.ID] {
				c.why[n.ID] = fmt.Sprintf("process runs, pid %d, but the cluster's metadata does not list it: fenced or still starting", n.PID)
			}
		}
	}
	for id, why := range refused {
		if _, ok := c.why[id]; !ok {
			c.why[id] = why
		}
	}
	for id := range known {
		c.known = append(c.known, id)
		if _, down := c.why[id]; !down && listed[id] {
			c.up = append(c.up, id)
		}
	}
	sort.Ints(c.known)
	sort.Ints(c.up)
	return c
}

// dialTimeout bounds the connection check of each listed broker.
const dialTimeout = 2 * time.Second

// RefusingBrokers tries a TCP connection to every broker the metadata lists, all at once, and
// names those whose address refuses it: nothing listens there, the process is gone. A timeout
// proves nothing (a firewall, a paused process) and is not reported.
func RefusingBrokers(brokers []driver.BrokerMetadata) map[int]string {
	type answer struct {
		id  int
		why string
	}
	ch := make(chan answer, len(brokers))
	for _, b := range brokers {
		go func(b driver.BrokerMetadata) {
			addr := net.JoinHostPort(b.Host, strconv.Itoa(b.Port))
			conn, err := net.DialTimeout("tcp", addr, dialTimeout)
			if err == nil {
				conn.Close()
				ch <- answer{int(b.ID), ""}
				return
			}
			if errors.Is(err, syscall.ECONNREFUSED) {
				ch <- answer{int(b.ID), "still in the cluster's metadata, but " + addr + " refuses connections (process gone?)"}
				return
			}
			ch <- answer{int(b.ID), ""}
		}(b)
	}
	out := map[int]string{}
	for range brokers {
		if a := <-ch; a.why != "" {
			out[a.id] = a.why
		}
	}
	return out
}

// Missing are the known brokers that are not up.
func (c Census) Missing() []int {
	var out []int
	for _, id := range c.known {
		if _, down := c.why[id]; down {
			out = append(out, id)
		}
	}
	return out
}

// Check fails with ErrBrokersDown when a point needs more brokers than are up while some are
// missing. A cluster that is simply smaller than a point's replication factor is bad input, left
// to profiles.CheckAgainstCluster.
func (c Census) Check(points []profiles.Point) error {
	miss := c.Missing()
	if len(miss) == 0 {
		return nil
	}
	var short []profiles.Point
	for _, p := range points {
		if p.TopicReplicationFactor() > len(c.up) {
			short = append(short, p)
		}
	}
	if len(short) == 0 {
		return nil
	}
	p := short[0]
	need := fmt.Sprintf("replication factor %d", p.TopicReplicationFactor())
	if m := p.Settings.MinInsyncReplicas; m != nil && *m > 1 {
		need += fmt.Sprintf(" (min.insync.replicas %d for acks=all writes)", *m)
	}
	others := ""
	if len(short) > 1 {
		others = fmt.Sprintf(" (and %d more points)", len(short)-1)
	}
	return fmt.Errorf("%w: point %s%s needs %s but only brokers %s of %s are up (%s); bring them back and run again",
		ErrBrokersDown, p.ID, others, need, JoinIDs(c.up), JoinIDs(c.known), c.DescribeMissing())
}

// DescribeMissing is "broker 3: process is dead, pid 123" for every missing broker.
func (c Census) DescribeMissing() string {
	var parts []string
	for _, id := range c.Missing() {
		parts = append(parts, fmt.Sprintf("broker %d: %s", id, c.why[id]))
	}
	return strings.Join(parts, "; ")
}

// JoinIDs is "1,2,3" ("none" for no ids), for messages.
func JoinIDs(ids []int) string {
	if len(ids) == 0 {
		return "none"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ",")
}

// Known is every broker the cluster has, as far as kbench can tell.
func (c Census) Known() []int { return c.known }
