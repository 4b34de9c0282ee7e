package stats_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

// damagedRun is run-ok with acks-all's result file cut in half, acks-1's produce histogram
// corrupted and acks-all-idem's interval log ending in a broken line.
func damagedRun(t *testing.T) (dir string, truncatedAt int) {
	t.Helper()
	dir, truncatedAt = statstest.DamagedCopy(t, filepath.Join("testdata", "run-ok"), "acks-all", "acks-1", stats.HistProduce)
	log := filepath.Join(dir, filepath.FromSlash(stats.PointLogFile("acks-all-idem")))
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("Tag=produce,1.000,1.000,0.5,HISTFAAA%%%broken\n"); err != nil {
		t.Fatal(err)
	}
	return dir, truncatedAt
}

// TestRunDamageNamesEachFileAndHow: a truncated result file is "truncated at byte N", not
// "missing"; a corrupt histogram and a broken interval log are named with their file.
func TestRunDamageNamesEachFileAndHow(t *testing.T) {
	dir, at := damagedRun(t)
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range run.Damage() {
		got = append(got, d.PointID+" | "+d.Error())
	}
	want := []string{
		"acks-1 | " + filepath.Join(dir, "points", "acks-1.json") + `: histogram "produce" does not decode (HdrHistogram base64/zlib): `,
		"acks-all | " + filepath.Join(dir, "points", "acks-all.json") + fmt.Sprintf(": truncated JSON at byte %d (the file ends there)", at),
		"acks-all-idem | " + filepath.Join(dir, "points", "acks-all-idem.hlog") + ": interval log does not read: ",
	}
	if len(got) != len(want) {
		t.Fatalf("damage:\n%s\nwant %d entries", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("damage %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
	for _, p := range run.Points {
		var fe *stats.FileError
		if p.Entry.ID == "acks-all" && (!errors.As(p.Err, &fe) || fe.Missing()) {
			t.Errorf("truncated file: err %v, want a stats.FileError that is not Missing", p.Err)
		}
	}
}

// TestExportOMBSkipsDamagedPoints: one damaged point does not stop the export of the others; the
// error names the skipped points and wraps stats.ErrDamaged.
func TestExportOMBSkipsDamagedPoints(t *testing.T) {
	dir, _ := damagedRun(t)
	// Leave only the corrupt histogram: the export of the other two points must go through.
	src := filepath.Join("testdata", "run-ok", "points")
	for _, f := range []string{"acks-all.json", "acks-all-idem.hlog"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "points", f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = stats.ExportOMB(run, &buf)
	if !errors.Is(err, stats.ErrDamaged) || !strings.Contains(err.Error(), "skipped point(s) acks-1") {
		t.Errorf("err = %v, want stats.ErrDamaged naming acks-1", err)
	}
	var docs []stats.OMBTestResult
	if err := json.Unmarshal(buf.Bytes(), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Driver != "Kafka acks=all" || docs[1].Driver != "Kafka acks=all idem" {
		t.Errorf("exported %d documents, want acks=all and acks=all idem", len(docs))
	}
	paths, err := stats.ExportOMBFiles(run, t.TempDir())
	if len(paths) != 2 || !errors.Is(err, stats.ErrDamaged) {
		t.Errorf("files %v, err %v: want 2 files and stats.ErrDamaged", paths, err)
	}
}
