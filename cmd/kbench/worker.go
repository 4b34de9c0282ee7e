package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/runner"
)

// workerCommand is the hidden `kbench worker consume` subcommand: a measuring consumer in its
// own process, started by the runner so that a consumer crash fault can SIGKILL it for real.
// It reads its spec on stdin and reports on stdout; it is not meant to be run by hand.
func workerCommand() *cli.Command {
	return &cli.Command{
		Name:      "worker",
		Usage:     "take a share of every point of a `kbench sweep --workers N` run, anywhere that reaches the cluster",
		UsageText: "kbench worker --run RUN --bootstrap HOST:PORT [--client-config FILE] [--index N]",
		Flags:     fleetWorkerFlags(),
		Action:    fleetWorkerAction,
		Subcommands: []*cli.Command{{
			Name:   "consume",
			Hidden: true,
			Usage:  "internal: consume as the runner's spec on stdin says; report processed records on stdout",
			Action: func(c *cli.Context) error {
				ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
				defer stop()
				err := runner.RunConsumerWorker(ctx, os.Stdin, os.Stdout)
				if errors.Is(err, runner.ErrBadInput) {
					return withCode(exitBadInput, err)
				}
				return err
			},
		}, {
			Name:  "copy",
			Usage: "copy the input topic to the output in transactions as the runner's spec on stdin says; report on stdout",
			Action: func(c *cli.Context) error {
				ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
				defer stop()
				err := runner.RunCopierWorker(ctx, os.Stdin, os.Stdout)
				if errors.Is(err, runner.ErrBadInput) {
					return withCode(exitBadInput, err)
				}
				return err
			},
		}},
	}
}

// faultFlags are the fault schedule flags shared by run and sweep.
func faultFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "fault", Usage: "fault during the measured phase, repeatable: `at=20s|every=20s,action=kill|pause|restart|power-loss|zombie,target=leader:P|broker:N|controller|coordinator|consumer:N|copier:N|brokers:N,M|all[,for=12s]` (added to the profile's faults; power-loss needs `cluster up --power-loss-sim` or a power-loss --fault-command)"},
		&cli.StringSliceFlag{Name: "fault-command", Usage: "remote cluster: shell command per fault operation, repeatable: `OP=COMMAND` with OP kill, start, pause, resume, restart or power-loss (run once per broker, all at once; e.g. a hypervisor hard reset); placeholders {broker} {node} {role} {topic} {partition}"},
		&cli.DurationFlag{Name: "fault-command-timeout", Usage: "bound on each --fault-command (0: 2m)"},
		&cli.BoolFlag{Name: "consumer-processes", Usage: "run the measuring consumers as separate worker processes (always when a fault targets a consumer)"},
		&cli.DurationFlag{Name: "consumer-processing-delay", Usage: "consumer workers count a record as processed this long after polling it (0: 200ms)"},
	}
}

// applyFaultFlags puts the profile's fault schedule and commands plus the fault flags into opts.
func applyFaultFlags(c *cli.Context, opts *runner.Options, faults []profiles.Fault, commands map[string]string) error {
	opts.Faults = append([]profiles.Fault(nil), faults...)
	for _, s := range c.StringSlice("fault") {
		f, err := profiles.ParseFaultFlag(s)
		if err != nil {
			return withCode(exitBadInput, err)
		}
		opts.Faults = append(opts.Faults, f)
	}
	if len(commands) > 0 || len(c.StringSlice("fault-command")) > 0 {
		opts.FaultCommands = map[string]string{}
		for k, v := range commands {
			opts.FaultCommands[k] = v
		}
	}
	for _, s := range c.StringSlice("fault-command") {
		op, cmd, err := profiles.ParseFaultCommand(s)
		if err != nil {
			return withCode(exitBadInput, err)
		}
		opts.FaultCommands[op] = cmd
	}
	if len(opts.FaultCommands) > 0 && opts.Cluster != nil {
		return withCode(exitBadInput, fmt.Errorf("--fault-command is for a cluster kbench does not run (--bootstrap); the local cluster's faults are carried out by process id"))
	}
	opts.FaultCommandTimeout = c.Duration("fault-command-timeout")
	opts.ConsumerProcesses = c.Bool("consumer-processes")
	opts.ConsumerProcessingDelay = c.Duration("consumer-processing-delay")
	return nil
}
