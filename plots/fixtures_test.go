package plots

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

var update = flag.Bool("update", false, "rewrite the fixture runs and golden files in testdata")

// The fixture runs in testdata/ (ladder, ladder-partial, linger-sweep) are written by the one
// fixture generator, statstest. Regenerate with: go test ./plots -run TestFixtures -update

// fixtureRuns lists the fixture runs and how to write each.
var fixtureRuns = []struct {
	name string
	run  statstest.Run
}{
	{"ladder", statstest.Ladder(false)},
	{"ladder-partial", statstest.Ladder(true)},
	{"linger-sweep", statstest.LingerSweep()},
	{"ladder-repeated", statstest.RepeatedLadder()},
}

// TestFixtures checks the fixture runs are what the generator writes (and rewrites them with
// -update), so a change to the result format shows up here first.
func TestFixtures(t *testing.T) {
	for _, fr := range fixtureRuns {
		t.Run(fr.name, func(t *testing.T) {
			golden := filepath.Join("testdata", fr.name)
			if *update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				if err := fr.run.Write(golden); err != nil {
					t.Fatal(err)
				}
			}
			fresh := t.TempDir()
			if err := fr.run.Write(fresh); err != nil {
				t.Fatal(err)
			}
			// JSON files are compared as decoded results and indexes, so a field stats adds
			// later, zero in both, does not fail the test.
			statstest.SameTree(t, fresh, golden, "go test ./plots -run TestFixtures -update", func(rel string) bool {
				return filepath.Ext(rel) == ".json" && sameJSON(t, filepath.Join(fresh, rel), filepath.Join(golden, rel), rel == stats.IndexFile)
			})
		})
	}
}

// sameJSON decodes two result (or index) files and compares them.
func sameJSON(t *testing.T, a, b string, index bool) bool {
	t.Helper()
	if index {
		x, errX := stats.ReadIndex(filepath.Dir(a))
		y, errY := stats.ReadIndex(filepath.Dir(b))
		return errX == nil && errY == nil && reflect.DeepEqual(x, y)
	}
	x, errX := stats.ReadResult(a)
	y, errY := stats.ReadResult(b)
	return errX == nil && errY == nil && reflect.DeepEqual(x, y)
}
