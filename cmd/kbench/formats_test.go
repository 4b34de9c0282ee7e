package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsReadOldAndRepeatedRuns: plot, report, export and compare work on a run written
// before repetitions (format version 2, stats/testdata/format-v2) and on a run with
// repetitions (format 3, plots/testdata/ladder-repeated), each saying what it should.
func TestCommandsReadOldAndRepeatedRuns(t *testing.T) {
	v2 := filepath.Join("..", "..", "stats", "testdata", "format-v2", "run-ok")
	rep := filepath.Join("..", "..", "plots", "testdata", "ladder-repeated")
	out := t.TempDir()
	for _, c := range []struct {
		name   string
		args   []string
		stdout string // in stdout, or in the file check names
		file   string // a file the command writes, and what it must hold
		holds  string
		files  int // with file a glob: how many files it matches
	}{
		{name: "plot v2", args: []string{"plot", "--in", v2, "--out", filepath.Join(out, "p2")}, file: filepath.Join(out, "p2", "throughput.png")},
		{name: "plot repeated", args: []string{"plot", "--in", rep, "--out", filepath.Join(out, "p3")}, file: filepath.Join(out, "p3", "percentiles-produce.svg")},
		{name: "report v2", args: []string{"report", "--in", v2, "--out", filepath.Join(out, "r2.md")}, file: filepath.Join(out, "r2.md"), holds: "## Durability audit"},
		{name: "report repeated", args: []string{"report", "--in", rep, "--out", filepath.Join(out, "r3.md")}, file: filepath.Join(out, "r3.md"),
			holds: "acks=all + idempotence against acks=all: throughput not distinguishable (round by round"},
		{name: "export v2", args: []string{"export", "--in", v2, "--format", "omb", "--out", filepath.Join(out, "o2")}, file: filepath.Join(out, "o2", "*.json"), files: 3},
		{name: "export repeated", args: []string{"export", "--in", rep, "--format", "omb", "--out", filepath.Join(out, "o3")}, file: filepath.Join(out, "o3", "*@r3.json"), files: 4},
		{name: "compare v2", args: []string{"compare", v2, v2}, stdout: "No significant regression in B."},
		{name: "compare repeated", args: []string{"compare", rep, rep}, stdout: "4 point(s) were repeated in both runs: their numbers are medians"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runApp(t, c.args...)
			if code != exitOK {
				t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
			}
			if !strings.Contains(stdout, c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, stdout)
			}
			if c.file == "" {
				return
			}
			matches, _ := filepath.Glob(c.file)
			switch {
			case c.files > 0 && len(matches) != c.files:
				t.Errorf("%d files match %s, want %d", len(matches), c.file, c.files)
			case len(matches) == 0:
				t.Errorf("%s not written", c.file)
			case c.holds != "":
				data, _ := os.ReadFile(matches[0])
				if !strings.Contains(string(data), c.holds) {
					t.Errorf("%s lacks %q", matches[0], c.holds)
				}
			}
		})
	}
}
