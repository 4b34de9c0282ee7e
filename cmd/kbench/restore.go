package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver/librdkafka"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/safety"
	"github.com/urfave/cli/v2"
)

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "put broker settings back from a restore file (results folder, restore-<run>.json) after kbench crashed or was killed: dynamic settings, and the local cluster's static ones by a rolling restart; releases the run's broker-settings lease",
		ArgsUsage: "FILE",
		Flags: append(connectFlags(),
			&cli.StringFlag{Name: "bootstrap", Usage: "bootstrap servers `HOST:PORT,...` (default: the file's)", EnvVars: []string{"KBENCH_BOOTSTRAP"}},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return withCode(exitBadInput, errUsage("restore needs one FILE (restore-<run>.json in the results folder)"))
			}
			bootstrap, err := bootstrapFlag(c, "the restore file's bootstrap")
			if err != nil {
				return err
			}
			cc, err := loadClientConfig(c)
			if err != nil {
				return err
			}
			return cleanExit(safety.Restore(c.Context, c.Args().First(), restoreOptions(bootstrap, cc)))
		},
	}
}

// restoreOptions connects `kbench restore` to the cluster: the librdkafka driver, and the local
// cluster (package cluster) for static settings.
func restoreOptions(bootstrap string, cc *kafkaconf.ClientConfig) safety.RestoreOptions {
	return safety.RestoreOptions{
		Bootstrap: bootstrap, Client: cc, Out: os.Stdout,
		Driver: librdkafka.New(), Check: librdkafka.Check, LoadCluster: loadRestoreCluster,
	}
}

// restoreCluster is a local cluster as safety.Restore puts its static settings back.
type restoreCluster struct{ *cluster.Cluster }

func (c restoreCluster) ID() string                { return c.ClusterID }
func (c restoreCluster) Config() map[string]string { return c.BrokerConfig }

// SetConfig restarts the brokers that do not run want, logging each step.
func (c restoreCluster) SetConfig(ctx context.Context, want map[string]string, log func(string, ...any)) error {
	c.SetLog(log)
	return c.SetBrokerConfig(ctx, want, "")
}

// loadRestoreCluster loads the local cluster in dir; no cluster running there matches
// safety.ErrNoLocalCluster.
func loadRestoreCluster(dir string) (safety.LocalCluster, error) {
	cl, err := cluster.Load(dir)
	if errors.Is(err, cluster.ErrNotRunning) {
		return nil, fmt.Errorf("%w: %w", safety.ErrNoLocalCluster, err)
	}
	if err != nil {
		return nil, err
	}
	return restoreCluster{cl}, nil
}

type errUsage string

func (e errUsage) Error() string { return string(e) }
