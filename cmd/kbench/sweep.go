package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/plots"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/runlog"
	"github.com/kbench/kbench/runner"
	"github.com/kbench/kbench/stats"
)

// targetFlags say which cluster a run measures: --bootstrap for any cluster, otherwise the local
// one in --cluster-dir (started if none runs, and then stopped again).
func targetFlags() []cli.Flag {
	return append(append([]cli.Flag{
		&cli.StringFlag{Name: "bootstrap", Usage: "bootstrap servers `HOST:PORT,...` of the cluster to measure (default: the local cluster)", EnvVars: []string{"KBENCH_BOOTSTRAP"}},
		&cli.StringFlag{Name: "cluster-dir", Usage: "local cluster folder, used without --bootstrap", Value: cluster.DefaultDir(), EnvVars: []string{"KBENCH_CLUSTER_DIR"}},
		&cli.StringFlag{Name: "out", Usage: "results `DIR` (index.json, points/); must be new or empty unless --force"},
		&cli.BoolFlag{Name: "force", Usage: "--out may hold an old run: its kbench files (index.json, points/, plots/, report) are removed first, other files are left"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but errors"},
		&cli.BoolFlag{Name: "no-cluster-warmup", Usage: "skip the load on a throwaway topic before the first point (until produce p99 is steady, at most 1 min)"},
		&cli.BoolFlag{Name: "fixed-warmup", Usage: "every point's warmup is the profile's, not ended at steady state (implies --no-cluster-warmup)"},
	}, connectFlags()...), guardFlags()...)
}

func sweepCommand() *cli.Command {
	return &cli.Command{
		Name:      "sweep",
		Usage:     "run every point of a profile, least durable first, and write one result file per point",
		ArgsUsage: " ",
		Flags: append(append(append(targetFlags(), faultFlags()...), repeatFlags()...),
			&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, Usage: "shipped profile `NAME` or profile FILE", Required: true},
			&cli.BoolFlag{Name: "plan", Usage: "print the points and where each setting goes, touch nothing"},
			&cli.BoolFlag{Name: "fail-fast", Usage: "stop at the first failed point"},
			&cli.BoolFlag{Name: "no-plots", Usage: "do not draw the charts at the end (`kbench plot` draws them later from the results)"},
			&cli.IntFlag{Name: "workers", Usage: "coordinate `N` kbench worker processes that share every point, talking only through the run's control topic (started here on the local cluster or with --local-workers; else they join with `kbench worker --run RUN`)"},
			&cli.BoolFlag{Name: "local-workers", Usage: "with --workers and --bootstrap: start the workers on this machine"},
			&cli.StringFlag{Name: "run", Usage: "run `ID` (letters, digits, . _; no dash): names the run's topics; what remote workers give as --run (default: from the start time)"},
			&cli.DurationFlag{Name: "join-timeout", Usage: "with --workers: how long a point waits for every worker to join before it fails naming the missing ones (0: 2m)"},
		),
		Action: func(c *cli.Context) error {
			if _, err := bootstrapFlag(c, "the local cluster"); err != nil {
				return err // before --plan too: a plan for the wrong cluster helps no one
			}
			prof, err := profiles.Load(c.String("profile"))
			if err != nil {
				return withCode(exitBadInput, err)
			}
			points, err := prof.Points()
			if err != nil {
				return withCode(exitBadInput, err)
			}
			var repeat runner.Options
			if err := applyRepeatFlags(c, &repeat, prof.Repeat); err != nil {
				return err
			}
			if c.Bool("plan") {
				warnings, _ := prof.Validate()
				if err := printClientConfig(c); err != nil {
					return err
				}
				local, err := planLocal(c)
				if err != nil {
					return err
				}
				// The plan shows the points as the runner will run them (the flusher interval
				// kbench gives its local cluster included).
				points = profiles.WithFlushScheduler(points, local)
				if err := profiles.WritePlan(os.Stdout, points, warnings...); err != nil {
					return err
				}
				if repeat.Repeat > 1 {
					n := len(points) + len(profiles.FixedLoadPoints(points, 0))
					fmt.Printf("\nEvery point is measured %d times: %d rounds of %d points (the fixed-load points' rounds after the saturation points'), each round in its own shuffled order (seed recorded in index.json as order_seed).\n",
						repeat.Repeat, repeat.Repeat, n)
				}
				faults, commands, err := faultPlan(c, prof.Faults, prof.FaultCommands)
				if err != nil {
					return err
				}
				return profiles.WriteFaultPlan(os.Stdout, faults, commands)
			}
			if c.String("out") == "" {
				return withCode(exitBadInput, errors.New("--out DIR is required (or --plan)"))
			}
			if err := claimOutDir(c.String("out"), c.Bool("force")); err != nil {
				return err // before any cluster is touched, and no charts: the folder is not this run's
			}
			err = runWithCluster(c, func(ctx context.Context, opts runner.Options) error {
				opts.Profile, opts.ProfileYAML = prof.Name, string(prof.Source)
				opts.FailFast = c.Bool("fail-fast")
				opts.Repeat, opts.OrderSeed = repeat.Repeat, repeat.OrderSeed
				if err := applyFaultFlags(c, &opts, prof.Faults, prof.FaultCommands); err != nil {
					return err
				}
				if err := applyFleetFlags(c, &opts); err != nil {
					return err
				}
				return runner.Sweep(ctx, points, opts)
			})
			if !c.Bool("no-plots") {
				drawCharts(c.String("out"), c.Bool("quiet")) // also after failed points: the finished ones are drawn
			}
			return err
		},
	}
}

// planLocal says whether a sweep would measure the local cluster (no --bootstrap, and no
// bootstrap.servers in the client config), as runWithCluster decides.
func planLocal(c *cli.Context) (bool, error) {
	bootstrap, err := bootstrapFlag(c, "the local cluster")
	if err != nil {
		return false, err
	}
	cc, err := loadClientConfig(c)
	if err != nil {
		return false, err
	}
	return bootstrap == "" && cc.Bootstrap() == "", nil
}

// runWithCluster resolves the target cluster (starting the local one if needed), installs the
// Ctrl-C handling, calls fn, stops what it started, and maps errors to exit codes.
func runWithCluster(c *cli.Context, fn func(ctx context.Context, opts runner.Options) error) error {
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	quiet := c.Bool("quiet")
	bootstrap, err := bootstrapFlag(c, "the local cluster")
	if err != nil {
		return err
	}
	opts := runner.Options{Bootstrap: bootstrap, OutDir: c.String("out"), Version: Version, Commit: Commit,
		NoClusterWarmup: c.Bool("no-cluster-warmup"), FixedWarmup: c.Bool("fixed-warmup")}
	// This command owns the run: its result files are written as the runner reports each point
	// (runlog), and the screen shows the progress and summary unless --quiet.
	rl := runlog.New(opts.OutDir)
	opts.Events, opts.IntervalLogs = events.Tee(rl, screenFor(quiet)), rl
	if err := applyGuardFlags(c, &opts); err != nil {
		return err
	}
	if opts.Bootstrap == "" && opts.Client.Bootstrap() == "" {
		cl, started, err := localCluster(ctx, c.String("cluster-dir"), quiet)
		if err != nil {
			return withCode(clusterUpExit(err), err)
		}
		opts.Cluster, opts.Bootstrap = cl, cl.Bootstrap()
		if err := localClientConfig(cl, &opts); err != nil {
			return err
		}
		if started {
			defer func() {
				dctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				if err := cl.Down(dctx, false); err != nil {
					fmt.Fprintln(os.Stderr, "kbench: stopping the local cluster this run started:", err)
				}
			}()
		}
	}
	err = fn(ctx, opts)
	switch {
	case err == nil:
		return checkPromises(opts.OutDir)
	case errors.Is(err, runner.ErrInterrupted) || ctx.Err() != nil:
		return withCode(exitInterrupted, err)
	case errors.Is(err, runner.ErrUnreachable), errors.Is(err, runner.ErrBrokersDown), errors.Is(err, runner.ErrTopicTimeout), errors.Is(err, runner.ErrStaticOnRemote), errors.Is(err, runner.ErrPointsFailed),
		errors.Is(err, runner.ErrLeaseHeld), errors.Is(err, runner.ErrClusterInconsistent):
		return withCode(exitCluster, err)
	case errors.Is(err, runner.ErrBadPoints):
		return withCode(exitBadInput, err)
	default:
		return guardExit(err)
	}
}

// screenFor is the screen a run renders its events on: stderr, rewritten in place on a terminal;
// none when quiet.
func screenFor(quiet bool) events.Sink {
	if quiet {
		return nil
	}
	return newScreen(os.Stderr, term.IsTerminal(int(os.Stderr.Fd())))
}

// localCluster returns the running local cluster in dir, or starts one (started = true).
func localCluster(ctx context.Context, dir string, quiet bool) (cl *cluster.Cluster, started bool, err error) {
	cl, err = cluster.Load(dir)
	if err == nil && !cl.Stale() {
		// A dead power-loss filesystem would pass for a broker failing: refuse to measure on it.
		if err := cl.CheckFS(); err != nil {
			return nil, false, fmt.Errorf("local cluster in %s: %w", dir, err)
		}
		return cl, false, nil
	}
	if err == nil { // a state file whose processes are gone (reboot): start afresh
		err = cluster.ErrNotRunning
	}
	if !errors.Is(err, cluster.ErrNotRunning) {
		return nil, false, fmt.Errorf("local cluster in %s: %w", dir, err)
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "no local cluster in %s: starting one (stopped again at the end)\n", dir)
	}
	cl, err = cluster.Up(ctx, cluster.Options{Dir: dir})
	if err != nil {
		return nil, false, fmt.Errorf("start local cluster in %s: %w", dir, err)
	}
	return cl, true, nil
}

// faultPlan merges the profile's faults and commands with the --fault flags, as a run would.
func faultPlan(c *cli.Context, faults []profiles.Fault, commands map[string]string) ([]profiles.Fault, map[string]string, error) {
	var opts runner.Options
	if err := applyFaultFlags(c, &opts, faults, commands); err != nil {
		return nil, nil, err
	}
	return opts.Faults, opts.FaultCommands, nil
}

// drawCharts draws a finished sweep's charts from its result files into DIR/plots. A chart that
// cannot be drawn never fails the sweep (its results are on disk): it is reported on stderr, and
// `kbench plot` can try again.
func drawCharts(dir string, quiet bool) {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		return // nothing ran (refused before the first point): no charts, and no second error line
	}
	run, err := stats.ReadRun(dir)
	if err == nil {
		var paths []string
		paths, err = plots.DrawAll(run, filepath.Join(dir, "plots"))
		if err == nil && !quiet {
			fmt.Fprintf(os.Stderr, "charts: %d files in %s\n", len(paths), filepath.Join(dir, "plots"))
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kbench: charts not drawn:", err)
	}
}

// checkPromises exits with exitDurability when a point's settings promised what its audit shows
// was not kept (duplicates with idempotence, loss at the top of the ladder): see
// analysis.BrokenPromises for the rules. A promise whose verification read did not complete
// is neither broken nor kept: it is listed as not verified and fails the command (exit 1), so
// an unknown loss never passes as none.
func checkPromises(dir string) error {
	run, err := stats.ReadRun(dir)
	if err != nil {
		return fmt.Errorf("read back results: %w", err)
	}
	broken, unverified := analysis.RunBrokenPromises(run), analysis.RunUnverifiedPromises(run)
	for _, u := range unverified {
		fmt.Fprintln(os.Stderr, "DURABILITY NOT VERIFIED:", u)
	}
	for _, b := range broken {
		fmt.Fprintln(os.Stderr, "DURABILITY:", b)
	}
	switch {
	case len(broken) > 0:
		return withCode(exitDurability, fmt.Errorf("%d durability promise(s) broken (listed above)", len(broken)))
	case len(unverified) > 0:
		return fmt.Errorf("%d point(s) promise no loss or no duplicates but their verification read did not complete: durability not verified (listed above)", len(unverified))
	}
	return nil
}
