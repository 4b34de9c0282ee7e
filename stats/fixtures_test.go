package stats_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

// The fixture runs testdata/run-ok and testdata/run-partial are written by the one fixture
// generator, statstest (FaultLadder). Regenerate with: go test ./stats -run Fixtures -update

func TestFixtures(t *testing.T) {
	for _, c := range []struct {
		name    string
		partial bool
	}{{"run-ok", false}, {"run-partial", true}} {
		run := statstest.FaultLadder(c.partial)
		t.Run(c.name, func(t *testing.T) {
			golden := filepath.Join("testdata", c.name)
			if *stats.Update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				if err := run.Write(golden); err != nil {
					t.Fatal(err)
				}
			}
			fresh := t.TempDir()
			if err := run.Write(fresh); err != nil {
				t.Fatal(err)
			}
			statstest.SameTree(t, fresh, golden, "go test ./stats -run Fixtures -update", nil)

			read, err := stats.ReadRun(golden)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range read.Points {
				if p.Err != nil {
					t.Errorf("point %s: %v", p.Entry.ID, p.Err)
					continue
				}
				// Summaries recomputed from the stored histograms match the stored ones.
				r := *p.Result
				before := r.Metrics
				if err := stats.Resummarise(&r); err != nil {
					t.Fatal(err)
				}
				if r.Metrics.ProduceLatency != before.ProduceLatency || r.Metrics.EndToEndLatency != before.EndToEndLatency {
					t.Errorf("point %s: summaries differ from its histograms", p.Entry.ID)
				}
			}
		})
	}
}
