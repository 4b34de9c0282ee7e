package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/runner"
)

// repeatFlags are sweep's and run's repetition flags.
func repeatFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "repeat", Usage: fmt.Sprintf("measure every point `N` times (1 to %d), in rounds: every point once per round, each round's order shuffled; each figure is then reported as the median of the N with a 95 %% confidence interval (default: the profile's repeat, else 1)", profiles.MaxRepeat)},
		&cli.Uint64Flag{Name: "seed", Usage: "`SEED` of the rounds' shuffled order, to run a recorded order again (default: a random one, recorded in index.json as order_seed)"},
	}
}

// applyRepeatFlags sets opts' repetitions from --repeat (over the profile's repeat, 0: not
// given) and --seed. It is called before any cluster is touched, so a bad --repeat exits 2 first.
func applyRepeatFlags(c *cli.Context, opts *runner.Options, profileRepeat int) error {
	opts.Repeat = profileRepeat
	if c.IsSet("repeat") {
		n := c.Int("repeat")
		if n < 1 || n > profiles.MaxRepeat {
			return withCode(exitBadInput, fmt.Errorf("--repeat %d: want 1 to %d repetitions, got %d", n, profiles.MaxRepeat, n))
		}
		opts.Repeat = n
	}
	if c.IsSet("seed") {
		if opts.Repeat <= 1 {
			return withCode(exitBadInput, fmt.Errorf("--seed %d without repetitions: the seed shuffles the rounds of --repeat N (or the profile's repeat) above 1", c.Uint64("seed")))
		}
		seed := c.Uint64("seed")
		opts.OrderSeed = &seed
	}
	return nil
}
