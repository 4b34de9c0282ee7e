package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/cluster/powerfs"
)

// powerfsCommand is the hidden `kbench powerfs serve`: the daemon of one power-loss filesystem
// (`cluster up --power-loss-sim` starts one per node; it is the same entry point as
// powerfs.DaemonEnv's).
func powerfsCommand() *cli.Command {
	return &cli.Command{
		Name:            "powerfs",
		Hidden:          true,
		SkipFlagParsing: true,
		Usage:           "serve a power-loss filesystem: powerfs serve --source DIR --mount DIR --control SOCKET",
		Action: func(c *cli.Context) error {
			code, err := powerfs.DaemonMain(c.Args().Slice(), os.Stderr)
			return withCode(code, err)
		},
	}
}

// fsStatus prints the power-loss filesystems of the cluster (nothing without them) and fails
// when one is down: its broker's data folder is unusable.
func fsStatus(cl *cluster.Cluster) error {
	fss := cl.FSStatus()
	if len(fss) == 0 {
		return nil
	}
	fmt.Println("power-loss filesystems (data folders that forget what was not fsync'ed on `kbench cluster lose-unsynced`):")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tPID\tMOUNT\tSTATE\tUNSYNCED")
	for _, s := range fss {
		unsynced := "unknown"
		if s.Unsynced != nil {
			unsynced = fmt.Sprintf("%d bytes", *s.Unsynced)
		}
		if s.State == cluster.StateDown {
			unsynced = s.Problem
		}
		fmt.Fprintf(w, "%s %d\t%d\t%s\t%s\t%s\n", s.Role, s.ID, s.PID, s.Mountpoint, s.State, unsynced)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := cl.CheckFS(); err != nil {
		return withCode(exitCluster, err)
	}
	return nil
}

// fsTargets are the node ids --broker/--controller select, or every node on a power-loss filesystem.
func fsTargets(c *cli.Context, cl *cluster.Cluster, needOne bool) ([]int, error) {
	switch {
	case c.IsSet("broker") && c.IsSet("controller"):
		return nil, withCode(exitBadInput, errors.New("name one node: --broker ID or --controller ID"))
	case c.IsSet("broker"):
		return []int{c.Int("broker")}, nil
	case c.IsSet("controller"):
		return []int{c.Int("controller")}, nil
	case needOne:
		return nil, withCode(exitBadInput, errors.New("name the node: --broker ID or --controller ID"))
	}
	var ids []int
	for _, n := range cl.Nodes {
		if cl.HasPowerLossFS(n.ID) {
			ids = append(ids, n.ID)
		}
	}
	if len(ids) == 0 {
		return nil, withCode(exitCluster, fmt.Errorf("the cluster in %s has no power-loss filesystem: start it with `kbench cluster up --power-loss-sim`", cl.Dir))
	}
	return ids, nil
}

func clusterUnsynced(c *cli.Context) error {
	cl, err := loadCluster(c.String("dir"), false)
	if err != nil {
		return err
	}
	ids, err := fsTargets(c, cl, false)
	if err != nil {
		return err
	}
	for _, id := range ids {
		rep, err := cl.Unsynced(id)
		if err != nil {
			return withCode(exitCluster, fmt.Errorf("unsynced data of node %d: %w", id, err))
		}
		printReport(id, "would drop", rep)
	}
	return nil
}

func clusterLoseUnsynced(c *cli.Context) error {
	cl, err := loadCluster(c.String("dir"), false)
	if err != nil {
		return err
	}
	ids, err := fsTargets(c, cl, true)
	if err != nil {
		return err
	}
	rep, err := cl.LoseUnsynced(ids[0])
	if err != nil {
		return withCode(exitCluster, err)
	}
	printReport(ids[0], "dropped", rep)
	return nil
}

// printReport prints one node's report: the total, then one line per file.
func printReport(id int, verb string, rep powerfs.Report) {
	fmt.Printf("node %d: a power loss %s %d unsynced bytes in %d files\n", id, verb, rep.Unsynced, len(rep.Files))
	for _, f := range rep.Files {
		fmt.Printf("  %12d  %s (%d appended, %d overwritten; size %d, %d at its last sync)\n", f.Unsynced, f.Path, f.Appended, f.Overwritten, f.Size, f.SyncedSize)
	}
}
