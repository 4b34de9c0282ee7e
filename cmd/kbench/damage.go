package main

import (
	"fmt"
	"io"

	"github.com/kbench/kbench/stats"
)

// reportDamage prints each damaged or missing file of the runs on stderr, one line each ("damaged:
// results/x/points/acks-1.json: truncated JSON at byte 812 (the file ends there)"), and returns
// the error the command ends with once it has drawn or written everything else: exit 2, since a
// file it was given is wrong. Plot, report, export and compare all end this way.
func reportDamage(cmd string, stderr io.Writer, runs ...*stats.Run) error {
	n := 0
	for _, run := range runs {
		for _, d := range run.Damage() {
			fmt.Fprintln(stderr, "damaged:", d)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return withCode(exitBadInput, fmt.Errorf("%s: %w: %d file(s), listed above; everything else was used", cmd, stats.ErrDamaged, n))
}
