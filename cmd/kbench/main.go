// Command kbench measures what each Kafka reliability setting costs and what it buys.
//
// Each subcommand lives in its own file, fills an options struct from flags and calls one function
// in a package; only main turns an error into an exit code.
package main

import (
	"errors"
	"fmt"
	"os"

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
	return &cli.App{
		Name:    "kbench",
		Usage:   "measure what each Kafka reliability setting costs and what it buys",
		Version: Version + " (" + Commit + ")",
		Commands: []*cli.Command{
			clusterCommand(),
			runCommand(),
			sweepCommand(),
			profilesCommand(),
			exportCommand(),
			workerCommand(),
			cleanCommand(),
			restoreCommand(),
			plotCommand(), reportCommand(), compareCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // main prints and exits
		// Repeatable flags take values with commas in them (--fault "at=5s,action=kill,...",
		// -X sasl.jaas.config=..., --broker-config listeners=...): repeat the flag instead.
		DisableSliceFlagSeparator: true,
	}
}

func main() {
	err := newApp().Run(os.Args)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "kbench:", err)
	var ec *exitCoder
	if errors.As(err, &ec) {
		os.Exit(ec.code)
	}
	os.Exit(exitError)
}
