package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/runner"
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
			return cleanExit(runner.Restore(c.Context, c.Args().First(), runner.RestoreOptions{
				Bootstrap: bootstrap, Client: cc, Out: os.Stdout,
			}))
		},
	}
}

type errUsage string

func (e errUsage) Error() string { return string(e) }
