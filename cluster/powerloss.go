package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kbench/kbench/cluster/powerfs"
)

// A cluster started with Options.PowerLossSim keeps each broker's data folder (and, with
// PowerLossControllers, each controller's) on its own power-loss filesystem (package powerfs): a
// FUSE daemon serving nodes/<node>/disk (the real folder) on nodes/<node>/data (what Kafka
// sees), which remembers what Kafka has not fsync'ed and drops it on LoseUnsynced. The daemons
// outlive `cluster up` like the nodes, are recorded in the state file, and stop (unmount) with
// Down after the nodes. A dead daemon leaves its node's data folder unusable; CheckFS and
// FSStatus say so, and Restart refuses to start a node on it.
//
// A power loss of node id, for the fault code: Unsynced(id) (optional: what is at stake just before),
// Kill(id), LoseUnsynced(id) (the bytes dropped, per file), then Restart(ctx, id) on the same folder,
// which the filesystem serves again. A correlated loss of several nodes kills them all first, then
// drops each one's data (each node has its own daemon: the calls may run in parallel), then
// restarts them; Restart waits until the broker is back in the ISR of its partitions, which needs
// the others up, so restart them in parallel. HasPowerLossFS(id) says whether a node can lose
// power at all (only with --power-loss-sim; controllers only with --power-loss-sim-controllers).

// FSProc is the power-loss filesystem daemon under one node's data folder.
type FSProc struct {
	PID     int    `json:"pid"`
	Source  string `json:"source"`  // the real folder, nodes/<node>/disk
	Control string `json:"control"` // the daemon's unix socket, nodes/<node>/powerfs.sock
	Log     string `json:"log"`     // its output, nodes/<node>/logs/powerfs.log
}

// fsFiles are what a power-loss node folder holds besides nodeFiles (wipe.go deletes them).
const (
	fsSourceDir = "disk"
	fsSocket    = "powerfs.sock"
)

// fsStartTimeout bounds a daemon's start and mount.
const fsStartTimeout = 15 * time.Second

// ErrNoFUSE says the machine cannot run the power-loss filesystem (no /dev/fuse, no fusermount3).
var ErrNoFUSE = powerfs.ErrNoFUSE

// newFS gives node n a power-loss filesystem (called by layOut before the folders are made).
func newFS(n *Node) *FSProc {
	base := filepath.Dir(n.Config)
	return &FSProc{Source: filepath.Join(base, fsSourceDir), Control: filepath.Join(base, fsSocket),
		Log: filepath.Join(n.LogDir, "powerfs.log")}
}

// state is what the operating system says about the daemon's process (its command line names
// its control socket, so a reused pid is never taken for it).
func (f *FSProc) state() ProcState { return procState(f.PID, f.Control) }

func (f *FSProc) client() powerfs.Client { return powerfs.Client{Socket: f.Control} }

// mountAll starts the daemon of every node that has one and waits until each has mounted.
func (c *Cluster) mountAll() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("power-loss filesystem: find the kbench binary: %w", err)
	}
	for _, n := range c.Nodes {
		if n.FS == nil {
			continue
		}
		if err := c.mountNode(exe, n); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) mountNode(exe string, n *Node) error {
	if mounted, _ := powerfs.IsMounted(n.DataDir); mounted {
		if err := powerfs.ForceUnmount(n.DataDir); err != nil { // left by a dead daemon of this folder
			return err
		}
	}
	argv := append([]string{exe}, powerfs.DaemonArgs(n.FS.Source, n.DataDir, n.FS.Control)...)
	pid, err := startDetachedEnv(argv, n.FS.Log, []string{powerfs.DaemonEnv + "=1"})
	if err != nil {
		return fmt.Errorf("start the power-loss filesystem of %s %d: %w", n.Role, n.ID, err)
	}
	n.FS.PID = pid
	deadline := time.Now().Add(fsStartTimeout)
	for {
		if n.FS.state() == StateDown {
			return fmt.Errorf("the power-loss filesystem of %s %d exited at start; last lines of %s:\n%s", n.Role, n.ID, n.FS.Log, tail(n.FS.Log, logLinesOnFail))
		}
		if err := c.fsProblem(n); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("the power-loss filesystem of %s %d is not mounted after %s: %w", n.Role, n.ID, fsStartTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fsProblem says why node n's filesystem is not usable, or nil: the daemon runs, answers on its
// socket, and its filesystem is mounted on the node's data folder.
func (c *Cluster) fsProblem(n *Node) error {
	if n.FS.state() == StateDown {
		return fmt.Errorf("its daemon (pid %d) is not running (see %s)", n.FS.PID, n.FS.Log)
	}
	st, err := n.FS.client().Status()
	if err != nil {
		return fmt.Errorf("its daemon (pid %d) does not answer: %w", n.FS.PID, err)
	}
	if !st.Mounted || st.Mountpoint != n.DataDir {
		return fmt.Errorf("its daemon (pid %d) has nothing mounted on %s", n.FS.PID, n.DataDir)
	}
	if mounted, err := powerfs.IsMounted(n.DataDir); err != nil || !mounted {
		return fmt.Errorf("%s is not mounted (%v)", n.DataDir, err)
	}
	return nil
}

// markSyncedAll counts what formatting wrote as durable: a real disk would have written it back
// long before a test's power loss, and a broker whose meta.properties a loss emptied could not
// start at all.
func (c *Cluster) markSyncedAll() error {
	for _, n := range c.Nodes {
		if n.FS != nil {
			if err := n.FS.client().MarkSynced(); err != nil {
				return fmt.Errorf("power-loss filesystem of %s %d: %w", n.Role, n.ID, err)
			}
		}
	}
	return nil
}

// unmountAll stops every daemon (orderly: unmount, nothing dropped), after the nodes have stopped.
// A dead daemon's mount is detached. Errors name each filesystem left mounted.
func (c *Cluster) unmountAll() error {
	var errs []error
	for _, n := range c.Nodes {
		if n.FS == nil {
			continue
		}
		if err := c.unmountNode(n); err != nil {
			errs = append(errs, fmt.Errorf("power-loss filesystem of %s %d: %w", n.Role, n.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) unmountNode(n *Node) error {
	if n.FS.state() != StateDown {
		if err := n.FS.client().Shutdown(); err != nil {
			c.logf("power-loss filesystem of %s %d: %v; terminating it", n.Role, n.ID, err)
			signal(n.FS.PID, syscall.SIGTERM)
		}
		if !waitGone(n.FS.PID, stopTimeout) {
			signal(n.FS.PID, syscall.SIGKILL)
			waitGone(n.FS.PID, 10*time.Second)
		}
	}
	return powerfs.ForceUnmount(n.DataDir)
}

// HasPowerLossFS reports whether node id's data folder is on a power-loss filesystem.
func (c *Cluster) HasPowerLossFS(id int) bool {
	n, err := c.Node(id)
	return err == nil && n.FS != nil
}

// fsNode returns node id if it has a usable power-loss filesystem.
func (c *Cluster) fsNode(id int) (*Node, error) {
	n, err := c.Node(id)
	if err != nil {
		return nil, err
	}
	if n.FS == nil {
		return nil, fmt.Errorf("%s %d has no power-loss filesystem (start the cluster with `kbench cluster up --power-loss-sim`)", n.Role, n.ID)
	}
	if err := c.fsProblem(n); err != nil {
		return nil, fmt.Errorf("power-loss filesystem of %s %d is broken: %w", n.Role, n.ID, err)
	}
	return n, nil
}

// Unsynced reports what a power loss of node id's disk would drop now: per file, the bytes written
// since the file's last fsync/fdatasync that the filesystem has seen (pages dirtied through mmap
// count once the kernel writes them back).
func (c *Cluster) Unsynced(id int) (powerfs.Report, error) {
	n, err := c.fsNode(id)
	if err != nil {
		return powerfs.Report{}, err
	}
	return n.FS.client().Report()
}

// LoseUnsynced is the disk half of a power loss of node id, whose process must already be dead
// (Kill): every file of its data folder goes back to its state at its last fsync/fdatasync, and
// the report says what was dropped. The filesystem is mounted again afterwards, so Restart starts
// the node on the same folder, as after a reboot. A node still running is refused, nothing dropped.
func (c *Cluster) LoseUnsynced(id int) (powerfs.Report, error) {
	n, err := c.fsNode(id)
	if err != nil {
		return powerfs.Report{}, err
	}
	if s := n.State(); s != StateDown {
		return powerfs.Report{}, fmt.Errorf("%s %d is %s: kill it first (a power loss takes the process with it)", n.Role, n.ID, s)
	}
	rep, err := n.FS.client().Lose()
	if err != nil {
		return rep, fmt.Errorf("drop unsynced data of %s %d: %w", n.Role, n.ID, err)
	}
	return rep, nil
}

// FSStatus is one power-loss filesystem in `kbench cluster status`.
type FSStatus struct {
	ID         int       `json:"id"`
	Role       Role      `json:"role"`
	PID        int       `json:"pid"`
	Mountpoint string    `json:"mountpoint"`
	State      ProcState `json:"state"`             // up: running and mounted; down: anything else
	Problem    string    `json:"problem,omitempty"` // why it is down
	Unsynced   *int64    `json:"unsynced_bytes"`    // what a loss would drop now; nil: not known
}

// FSStatus reports every power-loss filesystem (none for a cluster started without them).
func (c *Cluster) FSStatus() []FSStatus {
	var out []FSStatus
	for _, n := range c.Nodes {
		if n.FS == nil {
			continue
		}
		s := FSStatus{ID: n.ID, Role: n.Role, PID: n.FS.PID, Mountpoint: n.DataDir, State: StateUp}
		if err := c.fsProblem(n); err != nil {
			s.State, s.Problem = StateDown, err.Error()
		} else if rep, err := n.FS.client().Report(); err == nil {
			s.Unsynced = &rep.Unsynced
		}
		out = append(out, s)
	}
	return out
}

// CheckFS fails, naming each, when a power-loss filesystem is not usable: a broker on it would
// fail on its first disk access, which must never pass for a broker fault.
func (c *Cluster) CheckFS() error {
	var errs []error
	for _, n := range c.Nodes {
		if n.FS == nil {
			continue
		}
		if err := c.fsProblem(n); err != nil {
			errs = append(errs, fmt.Errorf("power-loss filesystem of %s %d (data folder %s) is down: %w", n.Role, n.ID, n.DataDir, err))
		}
	}
	if len(errs) > 0 {
		errs = append(errs, fmt.Errorf("restart the cluster: `kbench cluster down --dir %s` then `kbench cluster up --power-loss-sim`", c.dir()))
	}
	return errors.Join(errs...)
}
