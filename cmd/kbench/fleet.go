package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/runner"
	"github.com/kbench/kbench/safety"
)

// fleetWorkerFlags are `kbench worker`'s flags (the Kubernetes manifests use these names).
func fleetWorkerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "run", Usage: "run `ID` of the coordinating `kbench sweep --workers N --run ID`"},
		&cli.StringFlag{Name: "bootstrap", Usage: "bootstrap servers `HOST:PORT,...` of the cluster under test", EnvVars: []string{"KBENCH_BOOTSTRAP"}},
		&cli.StringFlag{Name: "client-config", Usage: "Java-style client .properties `FILE` (security settings)", EnvVars: []string{"KBENCH_CLIENT_CONFIG"}},
		&cli.StringSliceFlag{Name: "X", Usage: "client property `KEY=VALUE`, over --client-config (repeatable)"},
		&cli.StringFlag{Name: "index", Usage: "this worker's index `N`, 0..workers-1 (default: $JOB_COMPLETION_INDEX)"},
		&cli.StringFlag{Name: "topic-prefix", Value: safety.DefaultTopicPrefix, Usage: "the coordinator's topic `PREFIX`"},
		&cli.DurationFlag{Name: "join-timeout", Usage: "how long to wait for the control topic and the coordinator (0: 2m)"},
	}
}

func fleetWorkerAction(c *cli.Context) error {
	if err := safety.CheckRunID(c.String("run")); err != nil {
		return withCode(exitBadInput, fmt.Errorf("--run: give the coordinator's %w", err))
	}
	idx := c.String("index")
	if idx == "" {
		idx = os.Getenv("JOB_COMPLETION_INDEX")
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		return withCode(exitBadInput, fmt.Errorf("--index %q: give the worker index N >= 0 (or set JOB_COMPLETION_INDEX)", idx))
	}
	cc, err := loadClientConfig(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = runner.RunFleetWorker(ctx, runner.FleetWorkerOptions{
		RunID: c.String("run"), Index: n, Bootstrap: c.String("bootstrap"), Client: cc, TopicPrefix: c.String("topic-prefix"),
		Timing: fleet.Timing{JoinTimeout: c.Duration("join-timeout")},
		Log:    func(format string, args ...any) { fmt.Fprintf(os.Stderr, "kbench: "+format+"\n", args...) },
	})
	switch {
	case errors.Is(err, runner.ErrBadInput):
		return withCode(exitBadInput, err)
	case ctx.Err() != nil:
		return withCode(exitInterrupted, fmt.Errorf("worker %d interrupted", n))
	}
	return err
}

// applyFleetFlags makes the sweep a coordinator when --workers is given.
func applyFleetFlags(c *cli.Context, opts *runner.Options) error {
	if id := c.String("run"); id != "" {
		if err := safety.CheckRunID(id); err != nil {
			return withCode(exitBadInput, fmt.Errorf("--run: %w", err))
		}
		opts.RunID = id
	}
	n := c.Int("workers")
	if n == 0 && !c.IsSet("workers") {
		return nil
	}
	if n < 1 {
		return withCode(exitBadInput, fmt.Errorf("--workers %d: at least 1", n))
	}
	opts.Fleet = &runner.FleetOptions{
		Workers: n, Spawn: opts.Cluster != nil || c.Bool("local-workers"), ClientConfigFile: c.String("client-config"),
		ClientOverrides: c.StringSlice("X"), Timing: fleet.Timing{JoinTimeout: c.Duration("join-timeout")},
	}
	if cl := opts.Cluster; opts.Fleet.ClientConfigFile == "" && cl != nil && cl.Auth != cluster.AuthNone && len(cl.Users) > 0 {
		opts.Fleet.ClientConfigFile = cl.Users[0].ConfigFile // what localClientConfig connects the coordinator with
	}
	return nil
}
