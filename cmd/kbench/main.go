// Command kbench measures what each Kafka reliability setting costs and what it buys.
//
// Each subcommand lives in its own file, fills an options struct from flags and calls one function
// in a package; only main turns an error into an exit code.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// Version is set at build time (-ldflags "-X main.Version=...").
var Version = "dev"

// Commit is the git commit the binary was built from, set at build time.
var Commit = "unknown"

// Exit codes, documented in README.md.
const (
	exitOK          = 0
	exitError       = 1 // anything not covered below
	exitBadInput    = 2 // profile, flag or file the user gave is wrong
	exitCluster     = 3 // the cluster could not be reached, started or changed
	exitDurability  = 4 // a durability check failed (records lost, duplicated)
	exitInterrupted = 130
)

// exitError is an error that carries the exit code main should use.
type exitCoder struct {
	code int
	err  error
}

func (e *exitCoder) Error() string { return e.err.Error() }
func (e *exitCoder) Unwrap() error { return e.err }

// withCode wraps err so that main exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitCoder{code: code, err: err}
}

func newApp() *cli.App {
	app := &cli.App{
		Name:    "kbench",
		Usage:   "measure what each Kafka reliability setting costs and what it buys",
		Version: Version + " (" + Commit + ")",
		Commands: []*cli.Command{
			clusterCommand(),
			runCommand(),
			withTarResults(sweepCommand()),
			profilesCommand(),
			exportCommand(),
			workerCommand(), k8sCommand(),
			cleanCommand(),
			restoreCommand(),
			plotCommand(), reportCommand(), compareCommand(),
			powerfsCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // main prints and exits
		// Repeatable flags take values with commas in them (--fault "at=5s,action=kill,...",
		// -X sasl.jaas.config=..., --broker-config listeners=...): repeat the flag instead.
		DisableSliceFlagSeparator: true,
		OnUsageError:              usageError,
	}
	for _, cmd := range app.Commands {
		badInputOnMisuse(cmd)
	}
	return app
}

// usageError turns urfave/cli's flag errors (an unknown flag, a value that does not parse) into
// one line and the bad-input exit code, without the help text around it.
func usageError(c *cli.Context, err error, _ bool) error {
	name := "kbench"
	if c.Command != nil && c.Command.HelpName != "" {
		name = c.Command.HelpName
	}
	if name == "kbench" {
		return withCode(exitBadInput, fmt.Errorf("%v (see kbench --help)", err))
	}
	return withCode(exitBadInput, fmt.Errorf("%s: %v (see %s --help)", commandName(name), err, name))
}

// commandName is a help name without the program's: "cluster up" for "kbench cluster up".
func commandName(helpName string) string {
	if s := strings.TrimPrefix(helpName, "kbench "); s != "" {
		return s
	}
	return helpName
}

// badInputOnMisuse makes every command, recursively, report flag errors through usageError, and
// checks required flags itself: urfave/cli's own check prints the whole help and exits 1, where a
// missing flag is bad input (2) and deserves one line.
func badInputOnMisuse(cmd *cli.Command) {
	cmd.OnUsageError = usageError
	var required []string
	for _, f := range cmd.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Required {
			sf.Required = false
			sf.Usage += " (required)"
			required = append(required, sf.Name)
		}
	}
	if len(required) > 0 {
		before := cmd.Before
		cmd.Before = func(c *cli.Context) error {
			for _, name := range required {
				if !c.IsSet(name) {
					return withCode(exitBadInput, fmt.Errorf("%s: --%s is required (see %s --help)", commandName(c.Command.HelpName), name, c.Command.HelpName))
				}
			}
			if before != nil {
				return before(c)
			}
			return nil
		}
	}
	for _, sub := range cmd.Subcommands {
		badInputOnMisuse(sub)
	}
}

func main() {
	err := newApp().Run(os.Args)
	if err == nil {
		return
	}
	os.Exit(report(err))
}

// report prints err as kbench's one error line and returns the exit code for it (README.md).
func report(err error) int {
	var ec *exitCoder
	var unknown cli.ExitCoder
	switch {
	case errors.As(err, &ec):
		fmt.Fprintln(os.Stderr, "kbench:", err)
		return ec.code
	case errors.As(err, &unknown): // urfave/cli's only own exit error: no such command
		msg := strings.Replace(err.Error(), "No help topic for", "unknown command", 1)
		fmt.Fprintf(os.Stderr, "kbench: %s (see kbench --help)\n", msg)
		return exitBadInput
	}
	fmt.Fprintln(os.Stderr, "kbench:", err)
	return exitError
}
