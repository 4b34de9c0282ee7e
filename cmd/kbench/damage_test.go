package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/stats/statstest"
)

// runApp runs kbench in-process with args and returns its exit code (as main would choose it),
// stdout and stderr.
func runApp(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errb
	err := app.Run(append([]string{"kbench"}, args...))
	if err != nil {
		fmt.Fprintln(&errb, "kbench:", err)
		code = exitError
		var ec *exitCoder
		if errors.As(err, &ec) {
			code = ec.code
		}
	}
	return code, out.String(), errb.String()
}

// TestDamagedRunNamedAndRestUsed: with one result file cut in half and one histogram corrupted,
// plot, report, export and compare each name both files and how they are damaged, do their work
// on everything else, and exit 2.
func TestDamagedRunNamedAndRestUsed(t *testing.T) {
	ladder := filepath.Join("..", "..", "plots", "testdata", "ladder")
	dir, at := statstest.DamagedCopy(t, ladder, "acks-all", "acks-1", "produce")
	wantLines := []string{
		"damaged: " + filepath.Join(dir, "points", "acks-1.json") + `: histogram "produce" does not decode`,
		"damaged: " + filepath.Join(dir, "points", "acks-all.json") + fmt.Sprintf(": truncated JSON at byte %d", at),
	}
	out := t.TempDir()
	cases := []struct {
		name  string
		args  []string
		wrote func() error // what must exist afterwards: the rest was used
	}{
		{"plot", []string{"plot", "--in", dir, "--out", filepath.Join(out, "plots")}, func() error {
			_, err := os.Stat(filepath.Join(out, "plots", "percentiles-produce.png"))
			return err
		}},
		{"report", []string{"report", "--in", dir, "--out", filepath.Join(out, "report.md")}, func() error {
			data, err := os.ReadFile(filepath.Join(out, "report.md"))
			if err == nil && (!bytes.Contains(data, []byte("## Damaged result files")) || !bytes.Contains(data, []byte("result file damaged"))) {
				err = errors.New("report.md does not list the damaged files")
			}
			return err
		}},
		{"export", []string{"export", "--in", dir, "--format", "omb", "--out", filepath.Join(out, "omb")}, func() error {
			files, err := filepath.Glob(filepath.Join(out, "omb", "*.json"))
			if err == nil && len(files) != 4 {
				err = fmt.Errorf("%d OMB files, want the 4 undamaged points", len(files))
			}
			return err
		}},
		{"compare", []string{"compare", ladder, dir}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runApp(t, c.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitBadInput, stderr)
			}
			for _, w := range wantLines {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if c.wrote != nil {
				if err := c.wrote(); err != nil {
					t.Error(err)
				}
			}
			if c.name == "compare" && !strings.Contains(stdout, "acks-0") {
				t.Errorf("compare did not compare the undamaged points:\n%s", stdout)
			}
		})
	}
}

// TestCompareNothingComparableExits2: two runs with no point in common are exit 2 naming each
// run's points, never exit 0 with "No significant regression".
func TestCompareNothingComparableExits2(t *testing.T) {
	fixtures := filepath.Join("..", "..", "plots", "testdata")
	code, stdout, stderr := runApp(t, "compare", filepath.Join(fixtures, "ladder"), filepath.Join(fixtures, "linger-sweep"))
	if code != exitBadInput || strings.Contains(stdout, "No significant regression") ||
		!strings.Contains(stderr, "nothing comparable") || !strings.Contains(stderr, "B has linger-0") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit 2 naming each run's points", code, stdout, stderr)
	}
	code, stdout, _ = runApp(t, "compare", "--cross-workload", filepath.Join(fixtures, "ladder"), filepath.Join(fixtures, "ladder-partial"))
	if code != exitOK || !strings.Contains(stdout, "No significant regression in B.") {
		t.Errorf("same workload: exit %d\n%s", code, stdout)
	}
}
