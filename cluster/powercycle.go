package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kbench/kbench/cluster/powerfs"
)

// A power loss of several brokers must hit them at the same instant (a rack, a zone, a staging
// cluster on one hypervisor), and bringing them back must start them together: a broker restarted
// alone waits for an ISR whose other members are still off, and Restart would wait for it in vain.

// Dropped is what one broker's disk forgot in a power loss: every unsynced byte of its data folder
// (segments, indexes, checkpoints, its copy of the metadata log, topics deleted but not yet
// removed), and, per partition folder ("orders-0"), the unsynced bytes of its log segments, where
// acknowledged records live.
type Dropped struct {
	Bytes    int64
	Segments map[string]int64
}

// partitionSegments sums the unsynced bytes of log segments (*.log) per live partition folder:
// not the cluster metadata log, not a deleted topic's folder (name-<uuid>-delete) or a future one.
func partitionSegments(rep powerfs.Report) map[string]int64 {
	out := map[string]int64{}
	for _, f := range rep.Files {
		dir, name := filepath.Split(filepath.ToSlash(f.Path))
		dir = strings.TrimSuffix(dir, "/")
		if !strings.HasSuffix(name, ".log") || dir == "" || strings.Contains(dir, "/") || strings.HasPrefix(dir, "__cluster_metadata") ||
			strings.HasSuffix(dir, "-delete") || strings.HasSuffix(dir, "-future") || strings.HasSuffix(dir, "-stray") {
			continue
		}
		out[dir] += f.Unsynced
	}
	return out
}

// TopicSegmentBytes sums Segments over topic's partition folders (topic-0, topic-1, ...).
func (d Dropped) TopicSegmentBytes(topic string) int64 {
	var n int64
	for dir, b := range d.Segments {
		i := strings.LastIndexByte(dir, '-')
		if i < 0 || dir[:i] != topic {
			continue
		}
		if _, err := strconv.Atoi(dir[i+1:]); err == nil {
			n += b
		}
	}
	return n
}

// PowerOff is a power loss of the brokers ids at one instant: SIGKILL goes to every process before
// kbench waits for any to die, then each broker's disk forgets what was not fsync'ed (LoseUnsynced).
// It returns, per broker id, what its disk dropped. Every broker must be up and on a working
// power-loss filesystem, else nothing is killed.
func (c *Cluster) PowerOff(ids []int) (map[int]Dropped, error) {
	nodes := make([]*Node, 0, len(ids))
	for _, id := range ids {
		n, err := c.fsNode(id)
		if err != nil {
			return nil, fmt.Errorf("power loss: %w", err)
		}
		if n.Role != RoleBroker {
			return nil, fmt.Errorf("power loss: node %d is a %s, not a broker", id, n.Role)
		}
		if s := n.State(); s == StateDown {
			return nil, fmt.Errorf("power loss: broker %d is already down", id)
		}
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		signal(n.PID, syscall.SIGKILL)
	}
	var errs []error
	for _, n := range nodes {
		if !waitGone(n.PID, 10*time.Second) || !waitThreadsGone(n.PID, 10*time.Second) {
			errs = append(errs, fmt.Errorf("broker %d (pid %d) survives SIGKILL", n.ID, n.PID))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("power loss: %w", err)
	}
	dropped := make(map[int]Dropped, len(nodes))
	for _, n := range nodes {
		rep, err := c.LoseUnsynced(n.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		dropped[n.ID] = Dropped{Bytes: rep.Unsynced, Segments: partitionSegments(rep)}
	}
	return dropped, errors.Join(errs...)
}

// StartTogether starts every node of ids that is down on its own folders, all processes first, then
// waits until each is back (a broker: in the ISR of every partition it replicates).
func (c *Cluster) StartTogether(ctx context.Context, ids []int) error {
	type started struct {
		n       *Node
		log     string
		logSize int64
	}
	var up []started
	for _, id := range ids {
		n, err := c.Node(id)
		if err != nil {
			return err
		}
		if n.State() != StateDown {
			continue
		}
		if n.FS != nil {
			if err := c.fsProblem(n); err != nil {
				return fmt.Errorf("not starting %s %d: its power-loss filesystem is down: %w", n.Role, n.ID, err)
			}
		}
		if n.Role == RoleBroker && !maps.Equal(c.brokerInForce(n), c.BrokerConfig) {
			n.Changing = true
		}
		if err := c.writeNodeConfig(n); err != nil {
			return err
		}
		s := started{n: n, log: filepath.Join(n.LogDir, "server.log")}
		if fi, err := os.Stat(s.log); err == nil {
			s.logSize = fi.Size()
		}
		if err := c.start(n); err != nil {
			return err
		}
		up = append(up, s)
	}
	if err := c.save(); err != nil {
		return err
	}
	for _, s := range up {
		if err := c.waitRejoined(ctx, s.n, s.log, s.logSize); err != nil {
			return err
		}
	}
	return nil
}

// EligibleLeaderReplicas says whether the cluster was formatted with KIP-966's Eligible Leader
// Replicas on: Kafka 4.1 and later turn it on for a new cluster unless formatted with
// eligible.leader.replicas.version=0 (NoELR); before 4.1 it does not exist. nil: the version
// does not say.
func (c *Cluster) EligibleLeaderReplicas() *bool {
	var major, minor int
	if _, err := fmt.Sscanf(c.KafkaVersion, "%d.%d", &major, &minor); err != nil {
		return nil
	}
	on := !c.NoELR && (major > 4 || major == 4 && minor >= 1)
	return &on
}

// Storage says what the brokers' data folders are on, for result files: a number measured on
// the simulated filesystem must say so.
func (c *Cluster) Storage() string {
	for _, n := range c.Brokers() {
		if n.FS != nil {
			return StoragePowerLossFS
		}
	}
	return StoragePlain
}

// What the brokers' data folders are on (Storage).
const (
	StoragePowerLossFS = "power-loss filesystem (FUSE loopback, simulated; forgets unsynced writes on a power loss)"
	StoragePlain       = "plain folders on the host's filesystem"
)
