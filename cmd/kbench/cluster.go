package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/cluster"
)

func clusterDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "dir", Usage: "cluster state, configs, data and logs", Value: cluster.DefaultDir(), EnvVars: []string{"KBENCH_CLUSTER_DIR"}}
}

func clusterCommand() *cli.Command {
	target := []cli.Flag{
		clusterDirFlag(),
		&cli.IntFlag{Name: "broker", Usage: "broker id"},
		&cli.StringFlag{Name: "leader-of", Usage: "the broker leading `TOPIC:PARTITION` now"},
		&cli.IntFlag{Name: "controller", Usage: "controller id"},
		&cli.BoolFlag{Name: "active-controller", Usage: "the controller leading the KRaft quorum now"},
	}
	return &cli.Command{
		Name:  "cluster",
		Usage: "start, inspect, break and stop a local Apache Kafka (KRaft) cluster on 127.0.0.1",
		Subcommands: []*cli.Command{
			{
				Name:  "up",
				Usage: "format storage and start brokers and dedicated KRaft controllers",
				Flags: []cli.Flag{
					clusterDirFlag(),
					&cli.IntFlag{Name: "brokers", Value: 3, Usage: "number of brokers"},
					&cli.IntFlag{Name: "controllers", Value: 1, Usage: "number of dedicated controllers (3 survive a controller kill)"},
					&cli.StringFlag{Name: "kafka-libs", Value: cluster.DefaultKafkaLibs(), Usage: "folder of Kafka jars (`make kafka`, or the libs/ of an Apache Kafka download)", EnvVars: []string{"KBENCH_KAFKA_LIBS"}},
					&cli.StringSliceFlag{Name: "broker-config", Usage: "extra broker setting `key=value` (repeatable)"},
					&cli.StringFlag{Name: "auth", Usage: "client authentication: `scram` (SASL SCRAM-SHA-256 with ACLs; an admin and a restricted user, client configs written to the cluster folder)"},
					&cli.BoolFlag{Name: "power-loss-sim", Usage: "put each broker's data folder on a FUSE filesystem that forgets writes not fsync'ed on `cluster lose-unsynced` (needs /dev/fuse and fusermount3)"},
					&cli.BoolFlag{Name: "power-loss-sim-controllers", Usage: "--power-loss-sim for the controllers' data folders too"},
					&cli.BoolFlag{Name: "no-elr", Usage: "format with eligible.leader.replicas.version=0: KIP-966 Eligible Leader Replicas off (on by default for new Kafka 4.1+ clusters)"},
				},
				Action: clusterUp,
			},
			{Name: "status", Usage: "show each node: id, role, pid, ports, state, active controller", Flags: []cli.Flag{clusterDirFlag()}, Action: clusterStatus},
			{
				Name:   "down",
				Usage:  "stop every node (brokers first); --wipe also deletes data and logs",
				Flags:  []cli.Flag{clusterDirFlag(), &cli.BoolFlag{Name: "wipe", Usage: "also delete what kbench made in the cluster folder (only in a folder `cluster up` made)"}},
				Action: clusterDown,
			},
			{Name: "kill", Usage: "SIGKILL a broker or controller", Flags: target, Action: clusterFault("kill")},
			{Name: "pause", Usage: "SIGSTOP a broker or controller", Flags: target, Action: clusterFault("pause")},
			{Name: "resume", Usage: "SIGCONT a paused node", Flags: target, Action: clusterFault("resume")},
			{Name: "restart", Usage: "start a node again with the same data and ports; waits until it rejoins the ISR", Flags: target, Action: clusterFault("restart")},
			{Name: "unsynced", Usage: "per node on a power-loss filesystem: bytes a power loss would drop now, per file", Flags: []cli.Flag{clusterDirFlag(), &cli.IntFlag{Name: "broker", Usage: "only this broker"}, &cli.IntFlag{Name: "controller", Usage: "only this controller"}}, Action: clusterUnsynced},
			{Name: "lose-unsynced", Usage: "power loss of a killed node's disk: drop what it did not fsync, report the bytes dropped (restart it afterwards)", Flags: []cli.Flag{clusterDirFlag(), &cli.IntFlag{Name: "broker", Usage: "broker id"}, &cli.IntFlag{Name: "controller", Usage: "controller id"}}, Action: clusterLoseUnsynced},
		},
	}
}

func clusterUp(c *cli.Context) error {
	if err := cluster.CheckOptions(c.Int("brokers"), c.Int("controllers"), cluster.Auth(c.String("auth"))); err != nil {
		return withCode(exitBadInput, fmt.Errorf("cluster up: %w", err))
	}
	extra, err := parseKeyValues(c.StringSlice("broker-config"), "--broker-config")
	if err != nil {
		return withCode(exitBadInput, err)
	}
	cl, err := cluster.Up(c.Context, cluster.Options{
		Dir: c.String("dir"), Brokers: c.Int("brokers"), Controllers: c.Int("controllers"),
		KafkaLibs: c.String("kafka-libs"), BrokerConfig: extra, Auth: cluster.Auth(c.String("auth")),
		PowerLossSim: c.Bool("power-loss-sim"), PowerLossControllers: c.Bool("power-loss-sim-controllers"), NoELR: c.Bool("no-elr"),
		Log: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	})
	if err != nil {
		return withCode(clusterUpExit(err), fmt.Errorf("cluster up: %w", err))
	}
	fmt.Fprintf(os.Stderr, "Kafka %s: %d brokers, %d controller(s) in %s\n", cl.KafkaVersion, len(cl.Brokers()), len(cl.Controllers()), cl.Dir)
	for _, u := range cl.Users {
		fmt.Fprintf(os.Stderr, "client config for user %s: %s\n", u.Name, u.ConfigFile)
	}
	fmt.Println(cl.Bootstrap())
	return nil
}

// clusterUpExit is the exit code of a failed cluster start: bad input when the options or the
// folder were wrong, a cluster failure otherwise.
func clusterUpExit(err error) int {
	if errors.Is(err, cluster.ErrBadOptions) || errors.Is(err, cluster.ErrNotClusterDir) {
		return exitBadInput
	}
	return exitCluster
}

// clusterDown stops the cluster in --dir and, with --wipe, deletes what kbench made there. A wipe
// without a cluster state (never started, stopped, or a damaged state) still deletes only in a
// folder that carries kbench's marker; any other folder is refused and left as it is.
func clusterDown(c *cli.Context) error {
	dir, wipe := c.String("dir"), c.Bool("wipe")
	cl, err := loadCluster(dir, false)
	switch {
	case err == nil:
		if err := cl.Down(c.Context, wipe); err != nil {
			return withCode(downExit(err), err)
		}
		fmt.Println("cluster stopped")
		return nil
	case !wipe && errors.Is(err, cluster.ErrNotRunning):
		fmt.Println("no local cluster in", dir)
		return nil
	case !wipe:
		return err
	}
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		fmt.Println("nothing to wipe:", dir, "does not exist") // a second wipe is not an error
		return nil
	}
	left, err := cluster.Wipe(dir)
	if err != nil {
		return withCode(downExit(err), err)
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "kept %s: it also holds %s, which kbench did not make\n", dir, strings.Join(left, ", "))
	}
	fmt.Println("wiped", dir)
	return nil
}

// downExit is the exit code of a failed `cluster down`: a refused wipe is bad input (--dir names
// a folder that is not kbench's), anything else a cluster failure.
func downExit(err error) int {
	if errors.Is(err, cluster.ErrNotClusterDir) {
		return exitBadInput
	}
	return exitCluster
}

// loadCluster reads the state in dir; with needLive it refuses a stale state.
func loadCluster(dir string, needLive bool) (*cluster.Cluster, error) {
	cl, err := cluster.Load(dir)
	if err != nil {
		return nil, withCode(exitCluster, err)
	}
	if needLive && cl.Stale() {
		return nil, withCode(exitCluster, fmt.Errorf("the cluster in %s is stale: none of its processes is alive (machine rebooted?); run `kbench cluster down --dir %s` then `kbench cluster up`", dir, dir))
	}
	cl.SetLog(func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) })
	return cl, nil
}

func clusterStatus(c *cli.Context) error {
	cl, err := loadCluster(c.String("dir"), false)
	if err != nil {
		return err
	}
	if cl.Stale() {
		fmt.Printf("STALE: the state in %s names %d nodes but none of their processes is alive (machine rebooted?).\nRun `kbench cluster down --dir %s` and `kbench cluster up`.\n", cl.Dir, len(cl.Nodes), cl.Dir)
		return withCode(exitCluster, errors.New("stale cluster state"))
	}
	fmt.Printf("Kafka %s, cluster id %s, bootstrap %s\n", cl.KafkaVersion, cl.ClusterID, cl.Bootstrap())
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tROLE\tPID\tPORTS\tSTATE\tACTIVE")
	for _, s := range cl.Status() {
		ports := strconv.Itoa(s.Port)
		if s.InterPort != 0 {
			ports += fmt.Sprintf(" (inter-broker %d)", s.InterPort)
		}
		active := ""
		if s.Active {
			active = "active controller"
		}
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\t%s\n", s.ID, s.Role, s.PID, ports, s.State, active)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, line := range cl.StaticStatus() {
		fmt.Println(line)
	}
	return fsStatus(cl)
}

// clusterFault runs one fault command against the node the flags select.
func clusterFault(action string) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := checkFaultTarget(c); err != nil {
			return err
		}
		cl, err := loadCluster(c.String("dir"), true)
		if err != nil {
			return err
		}
		id, err := faultTarget(c, cl)
		if err != nil {
			return err
		}
		switch action {
		case "kill":
			err = cl.Kill(id)
		case "pause":
			err = cl.Pause(id)
		case "resume":
			err = cl.Resume(id)
		case "restart":
			err = cl.Restart(c.Context, id)
		}
		if err != nil {
			return withCode(exitCluster, fmt.Errorf("%s node %d: %w", action, id, err))
		}
		fmt.Printf("%s node %d: done\n", action, id)
		return nil
	}
}

// checkFaultTarget checks, before the cluster is looked at, that exactly one of --broker,
// --leader-of, --controller and --active-controller is given, and --leader-of's syntax.
func checkFaultTarget(c *cli.Context) error {
	set := 0
	for _, f := range []string{"broker", "leader-of", "controller", "active-controller"} {
		if c.IsSet(f) {
			set++
		}
	}
	if set != 1 {
		return withCode(exitBadInput, errors.New("name exactly one target: --broker ID, --leader-of TOPIC:PARTITION, --controller ID or --active-controller"))
	}
	if _, _, err := leaderOf(c.String("leader-of")); c.IsSet("leader-of") && err != nil {
		return withCode(exitBadInput, err)
	}
	return nil
}

// leaderOf splits --leader-of TOPIC:PARTITION.
func leaderOf(tp string) (topic string, partition int, err error) {
	i := strings.LastIndexByte(tp, ':')
	part, err := strconv.Atoi(tp[i+1:])
	if i <= 0 || err != nil || part < 0 {
		return "", 0, fmt.Errorf("--leader-of %q: want TOPIC:PARTITION, e.g. orders:0", tp)
	}
	return tp[:i], part, nil
}

// faultTarget resolves the one target checkFaultTarget allowed to a node id.
func faultTarget(c *cli.Context, cl *cluster.Cluster) (int, error) {
	switch {
	case c.IsSet("broker"):
		return c.Int("broker"), nil
	case c.IsSet("controller"):
		return c.Int("controller"), nil
	case c.Bool("active-controller"):
		id, err := cl.ActiveController()
		return id, withCode(exitCluster, err)
	}
	topic, part, err := leaderOf(c.String("leader-of"))
	if err != nil {
		return 0, withCode(exitBadInput, err)
	}
	id, err := cl.LeaderOf(topic, part)
	return id, withCode(exitCluster, err)
}

// parseKeyValues reads repeated key=value flags.
func parseKeyValues(kvs []string, flag string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s %q: want key=value", flag, kv)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, nil
}
