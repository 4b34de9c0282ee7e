package stats

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestRepetitionID(t *testing.T) {
	for _, c := range []struct {
		rid  string
		id   string
		n    int
		isOK bool
	}{
		{"acks-1@r2", "acks-1", 2, true},
		{RepetitionID("a@r1", 10), "a@r1", 10, true},
		{"acks-1", "", 0, false},
		{"acks-1@r0", "", 0, false},
		{"acks-1@r02", "", 0, false},
		{"acks-1@rx", "", 0, false},
		{"acks-1@r-1", "", 0, false},
	} {
		id, n, ok := SplitRepetitionID(c.rid)
		if id != c.id || n != c.n || ok != c.isOK {
			t.Errorf("SplitRepetitionID(%q) = %q %d %v, want %q %d %v", c.rid, id, n, ok, c.id, c.n, c.isOK)
		}
	}
	// A repetition's files never take the name of another point's: safeName leaves no '@'.
	if RepetitionFile("a/b", 2) != "points/a_b@r2.json" || PointFile("a@r2") != "points/a_r2.json" {
		t.Errorf("files: %s %s", RepetitionFile("a/b", 2), PointFile("a@r2"))
	}
	if PointLogFile(RepetitionID("x", 3)) != "points/x@r3.hlog" || PointLogFile("x") != "points/x.hlog" {
		t.Errorf("log files: %s %s", PointLogFile(RepetitionID("x", 3)), PointLogFile("x"))
	}
}

// writeRepeatedRun writes a run of one point measured three times, and one point measured once.
func writeRepeatedRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	seed := uint64(42)
	idx := &Index{RunID: "r", Profile: "p", Repeat: 3, OrderSeed: &seed,
		Rounds: []IndexRound{{1, []string{"a", "b"}}, {2, []string{"b", "a"}}, {3, []string{"a", "b"}}}}
	for _, id := range []string{"a", "b"} {
		e := IndexPoint{ID: id, Label: id, Status: StatusOK}
		for n := 1; n <= 3; n++ {
			r := sampleResult(id, 1)
			r.Metrics.Acked.RecordsPerSecond = float64(1000 * n)
			r.Repetition = &Repetition{Number: n, Of: 3, Round: n, PositionInRound: 1}
			if err := WriteResult(dir, r); err != nil {
				t.Fatal(err)
			}
			e.Repetitions = append(e.Repetitions, IndexRepetition{Number: n, Round: n, Status: StatusOK, File: ResultFile(r)})
		}
		e.File = e.Repetitions[0].File
		idx.Points = append(idx.Points, e)
	}
	if err := WriteIndex(dir, idx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRepeatedRunRoundTrip: every repetition is kept and read back, with the seed and rounds.
func TestRepeatedRunRoundTrip(t *testing.T) {
	dir := writeRepeatedRun(t)
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Index.Repeat != 3 || run.Index.OrderSeed == nil || *run.Index.OrderSeed != 42 || len(run.Index.Rounds) != 3 ||
		!reflect.DeepEqual(run.Index.Rounds[1].Points, []string{"b", "a"}) {
		t.Errorf("index: repeat %d seed %v rounds %+v", run.Index.Repeat, run.Index.OrderSeed, run.Index.Rounds)
	}
	for _, p := range run.Points {
		reps := p.RepetitionResults()
		if !p.Repeated() || len(reps) != 3 || p.Result != reps[0] || p.Err != nil {
			t.Fatalf("point %s: %d repetitions read, err %v", p.Entry.ID, len(reps), p.Err)
		}
		for i, r := range reps {
			if r.Repetition.Number != i+1 || r.Metrics.Acked.RecordsPerSecond != float64(1000*(i+1)) || r.Point.ID != p.Entry.ID {
				t.Errorf("point %s repetition %d: %+v %v", p.Entry.ID, i+1, r.Repetition, r.Metrics.Acked.RecordsPerSecond)
			}
		}
	}
	if d := run.Damage(); len(d) != 0 {
		t.Errorf("damage in a whole run: %v", d)
	}
}

// TestRepeatedRunDamage: a missing repetition file is named as damage of its point, and the
// other repetitions are still read.
func TestRepeatedRunDamage(t *testing.T) {
	dir := writeRepeatedRun(t)
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(RepetitionFile("a", 2)))); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := run.Points[0]
	if len(a.RepetitionResults()) != 2 || a.Result == nil || a.Err != nil {
		t.Errorf("point a: %d repetitions, result %v, err %v", len(a.RepetitionResults()), a.Result != nil, a.Err)
	}
	if !errors.Is(a.Repetitions[1].Err, fs.ErrNotExist) {
		t.Errorf("repetition 2: err %v, want missing", a.Repetitions[1].Err)
	}
	d := run.Damage()
	if len(d) != 1 || d[0].PointID != "a" || !d[0].Missing() || filepath.Base(d[0].Path) != "a@r2.json" {
		t.Errorf("damage %v: want the one missing repetition file of point a", d)
	}
}

// TestOldFormatsRead: a version 2 run (stats/testdata/format-v2, written before repetitions) and
// a version 1 result still read, as runs of points measured once.
func TestOldFormatsRead(t *testing.T) {
	run, err := ReadRun(filepath.Join("testdata", "format-v2", "run-ok"))
	if err != nil {
		t.Fatal(err)
	}
	if run.Index.FormatVersion != 2 || len(run.Points) != 3 || run.Index.Repeat != 0 || run.Index.OrderSeed != nil {
		t.Fatalf("v2 index: version %d, %d points, repeat %d", run.Index.FormatVersion, len(run.Points), run.Index.Repeat)
	}
	for _, p := range run.Points {
		if p.Result == nil || p.Repeated() || len(p.RepetitionResults()) != 1 || p.Result.Repetition != nil {
			t.Errorf("v2 point %s: result %v, repeated %v", p.Entry.ID, p.Result != nil, p.Repeated())
		}
	}
	if d := run.Damage(); len(d) != 0 {
		t.Errorf("v2 run damage: %v", d)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "v1.json")
	v1 := `{"format_version": 1, "status": "ok", "point": {"id": "p"}, "metrics": {"sent": {"records": 10}},
		"audit": {"sent": 10, "acked": 10, "consumed": 10, "lost": 0}}`
	if err := os.WriteFile(path, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := r.Audit.LostCount(); !ok || n != 0 || r.Repetition != nil {
		t.Errorf("v1 result: lost %d known %v, repetition %v", n, ok, r.Repetition)
	}
}

// TestExportRepetitions: export writes one OMB document per repetition (OMB has no notion of
// repetitions), each named and labelled by its repetition, with its own interval log; a
// version 2 run exports as before.
func TestExportRepetitions(t *testing.T) {
	run, err := ReadRun(filepath.Join("..", "plots", "testdata", "ladder-repeated"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	paths, err := ExportOMBFiles(run, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 12 || filepath.Base(paths[1]) != "20260303-080000-acks-1@r2.json" {
		t.Fatalf("exported %d files, second %s: want 12, one per repetition", len(paths), filepath.Base(paths[1]))
	}
	docs, _, damaged := ombPoints(run)
	if len(damaged) != 0 || docs[1].Driver != "Kafka acks=1 (repetition 2 of 3)" {
		t.Errorf("driver %q, damaged %v", docs[1].Driver, damaged)
	}
	if notes := OMBNotes(run); len(notes) != 0 {
		t.Errorf("notes %v: every repetition has its interval log", notes)
	}
	old, err := ReadRun(filepath.Join("testdata", "format-v2", "run-ok"))
	if err != nil {
		t.Fatal(err)
	}
	if paths, err := ExportOMBFiles(old, t.TempDir()); err != nil || len(paths) != 3 {
		t.Errorf("v2 run: %d files, %v", len(paths), err)
	}
}
