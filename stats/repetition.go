package stats

import (
	"strconv"
	"strings"
)

// Repetition identifies one of a point's repeated measurements. Repetitions run in rounds:
// every point once per round, in an order shuffled per round (Index.Rounds), so that a drift of
// the machine or the cluster during the run hits every point alike instead of the last ones.
type Repetition struct {
	Number int `json:"number"` // 1..Of: this repetition
	Of     int `json:"of"`     // how many repetitions the run asked for
	Round  int `json:"round"`  // 1..Of: the round it ran in (equal to Number: one per round)
	// PositionInRound is where in its round the point ran, 1 = first.
	PositionInRound int `json:"position_in_round"`
}

// IndexRepetition is one repetition's entry under its point in the index.
type IndexRepetition struct {
	Number int    `json:"number"`
	Round  int    `json:"round"`
	Status Status `json:"status"`
	File   string `json:"file"` // relative to the results folder, slash-separated; see RepetitionFile
}

// IndexRound is the order in which one round ran its points (point ids, first to last).
type IndexRound struct {
	Round  int      `json:"round"`
	Points []string `json:"points"`
}

// repetitionMark separates a point id from its repetition number in a repetition's id and file
// names. safeName never leaves an '@' in a point's own file name, so a repetition's files can
// never be taken for another point's.
const repetitionMark = "@r"

// RepetitionID is the id the engine measures repetition n of point id under (its topic, its
// consumer group, its interval log): "<id>@r<n>". The result file names the point by its own id.
func RepetitionID(id string, n int) string {
	return id + repetitionMark + strconv.Itoa(n)
}

// SplitRepetitionID undoes RepetitionID; ok is false for an id that is no repetition's.
func SplitRepetitionID(rid string) (id string, n int, ok bool) {
	i := strings.LastIndex(rid, repetitionMark)
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rid[i+len(repetitionMark):])
	if err != nil || n < 1 || strconv.Itoa(n) != rid[i+len(repetitionMark):] {
		return "", 0, false
	}
	return rid[:i], n, true
}

// RepetitionFile is the path, relative to a results folder and slash-separated, of repetition n
// of the point with this id: "points/<id>@r<n>.json".
func RepetitionFile(id string, n int) string {
	return PointsDir + "/" + safeName(id) + repetitionMark + strconv.Itoa(n) + ".json"
}

// RepetitionLogFile is the interval log of repetition n of the point: "points/<id>@r<n>.hlog".
func RepetitionLogFile(id string, n int) string {
	return PointsDir + "/" + safeName(id) + repetitionMark + strconv.Itoa(n) + ".hlog"
}

// resultFile is where WriteResult puts r: its repetition's file, or its point's.
func resultFile(r *Result) string {
	if rep := r.Repetition; rep != nil {
		return RepetitionFile(r.Point.ID, rep.Number)
	}
	return PointFile(r.Point.ID)
}

// ResultFile is the path, relative to a results folder, WriteResult writes r to.
func ResultFile(r *Result) string { return resultFile(r) }

// RunRepetition is one repetition of a point read back: Result nil when its file is missing or
// unreadable, Err then says why.
type RunRepetition struct {
	Entry  IndexRepetition
	Result *Result
	Err    error
}

// Repeated says whether the point was measured more than once.
func (p RunPoint) Repeated() bool { return len(p.Repetitions) > 0 }

// RepetitionResults are the repetitions of p that could be read, in repetition order; for a
// point measured once, its one result (none when it could not be read).
func (p RunPoint) RepetitionResults() []*Result {
	if !p.Repeated() {
		if p.Result == nil {
			return nil
		}
		return []*Result{p.Result}
	}
	var out []*Result
	for _, r := range p.Repetitions {
		if r.Result != nil {
			out = append(out, r.Result)
		}
	}
	return out
}

// readRepetitions reads every repetition the index lists for point e; the point's Result is the
// first that reads (for its settings, environment and effective settings), its Err the first
// error when none reads.
func readRepetitions(dir string, e IndexPoint, rp *RunPoint) {
	for _, ie := range e.Repetitions {
		rr := RunRepetition{Entry: ie}
		file := ie.File
		if file == "" {
			file = RepetitionFile(e.ID, ie.Number)
		}
		rr.Result, rr.Err = readPointFile(dir, e.ID, file)
		if rr.Err == nil && rr.Result.Repetition == nil {
			rr.Result.Repetition = &Repetition{Number: ie.Number, Of: len(e.Repetitions), Round: ie.Round}
		}
		if rr.Result != nil && rp.Result == nil {
			rp.Result = rr.Result
		}
		if rr.Err != nil && rp.Err == nil {
			rp.Err = rr.Err
		}
		rp.Repetitions = append(rp.Repetitions, rr)
	}
	if rp.Result != nil {
		rp.Err = nil
	}
}

// repetitionDamage is PointDamage for each repetition of a repeated point.
func (r *Run) repetitionDamage(p RunPoint) []*FileError {
	var out []*FileError
	for _, rr := range p.Repetitions {
		one := RunPoint{Entry: p.Entry, Result: rr.Result, Err: rr.Err}
		one.Entry.File = rr.Entry.File
		if one.Entry.File == "" {
			one.Entry.File = RepetitionFile(p.Entry.ID, rr.Entry.Number)
		}
		out = append(out, r.singleDamage(one, RepetitionLogFile(p.Entry.ID, rr.Entry.Number))...)
	}
	return out
}
