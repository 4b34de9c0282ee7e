package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kbench/kbench/profiles"
)

// A results folder (one per run) looks like this:
//
//	<dir>/index.json         the run: profile, environment, start/end, one entry per point
//	<dir>/points/<id>.json   one Result per point (see PointFile)
//	<dir>/points/<id>.hlog   the point's per-second latency histograms (HdrHistogram interval log)
//
// Every file is written atomically (temporary file in the same folder, fsync, rename, fsync of the
// folder), so a crash or Ctrl-C leaves either the old file or the new one, never half of one.

// IndexFile is the name of a run's index inside its results folder.
const IndexFile = "index.json"

// PointsDir is the folder, inside a results folder, that holds one file per point.
const PointsDir = "points"

// Index describes one run: what was asked for, where it ran, and which points it has. The runner
// rewrites it after every point, so an interrupted run still has an index of what finished.
type Index struct {
	FormatVersion int          `json:"format_version"`
	RunID         string       `json:"run_id"`
	Profile       string       `json:"profile"`      // profile name
	ProfileYAML   string       `json:"profile_yaml"` // the profile file's text as given, so the run can be repeated
	Environment   Environment  `json:"environment"`
	Start         time.Time    `json:"start"`
	End           time.Time    `json:"end"` // zero while the run is in progress
	Points        []IndexPoint `json:"points"`
}

// IndexPoint is one point's entry in the index.
type IndexPoint struct {
	ID     string                    `json:"id"`
	Label  string                    `json:"label"`
	Level  profiles.ReliabilityLevel `json:"level"`
	Status Status                    `json:"status"`
	File   string                    `json:"file"` // relative to the results folder, slash-separated; see PointFile
}

// Run is a results folder read back: its index and each point's result, in level order.
type Run struct {
	Dir    string
	Index  Index
	Points []RunPoint
}

// RunPoint is one point of a Run. Result is nil when the point's file is missing or unreadable;
// Err then says why, so a report can say "point X incomplete" instead of failing as a whole.
type RunPoint struct {
	Entry  IndexPoint
	Result *Result
	Err    error
}

// Results returns the results that could be read, in level order.
func (r *Run) Results() []*Result {
	var out []*Result
	for _, p := range r.Points {
		if p.Result != nil {
			out = append(out, p.Result)
		}
	}
	return out
}

// PointFile is the path, relative to a results folder and slash-separated, of the result file of
// the point with this id: "points/<id>.json", with any character outside [A-Za-z0-9._=-] of the id
// replaced by '_' so an id can never escape the folder.
func PointFile(id string) string {
	return PointsDir + "/" + safeName(id) + ".json"
}

// PointLogFile is the path, relative to a results folder, of the point's interval histogram log.
func PointLogFile(id string) string {
	return PointsDir + "/" + safeName(id) + ".hlog"
}

func safeName(id string) string {
	if id == "" {
		return "_"
	}
	b := []byte(id)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '='
		if !ok {
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "." || s == ".." {
		s = strings.Repeat("_", len(s))
	}
	return s
}

// WriteResult writes r to dir/PointFile(r.Point.ID) atomically, creating the points folder. It
// sets r.FormatVersion.
func WriteResult(dir string, r *Result) error {
	if r == nil {
		return errors.New("write result: nil result")
	}
	r.FormatVersion = FormatVersion
	path := filepath.Join(dir, filepath.FromSlash(PointFile(r.Point.ID)))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write result of point %q: %w", r.Point.ID, err)
	}
	if err := writeJSONAtomic(path, r); err != nil {
		return fmt.Errorf("write result of point %q: %w", r.Point.ID, err)
	}
	return nil
}

// ReadResult reads one point's result file. It rejects a file written by a newer kbench (format
// version above FormatVersion) rather than guess at its meaning.
func ReadResult(path string) (*Result, error) {
	var r Result
	if err := readJSONVersioned(path, &r); err != nil {
		return nil, err
	}
	upgradeResult(&r)
	return &r, nil
}

// upgradeResult brings a version 1 result to version 2's meaning. Version 1 counted every
// acknowledged record its verification read had not reached as lost, and wrote zeros when the
// read was skipped, so its lost count is kept only where the read completed; elsewhere it becomes
// unknown, with what is known of the read.
func upgradeResult(r *Result) {
	if r.FormatVersion >= 2 {
		return
	}
	a := &r.Audit
	ran := a.Sent > 0 || a.Acked > 0 || a.Consumed > 0
	switch {
	case ran && !a.DrainTimedOut:
		a.VerificationRead = &VerificationRead{Complete: true, Attempts: 1, RecordsRead: a.Consumed + a.Duplicates}
	case ran:
		a.Lost = nil
		a.VerificationRead = &VerificationRead{Stopped: "did not reach every high watermark (a format 1 file, whose lost count included the records not read)",
			Attempts: 1, RecordsRead: a.Consumed + a.Duplicates}
	case r.Metrics.Sent.Records > 0:
		a.Lost = nil // records were sent, the audit wrote zeros: skipped
		a.VerificationRead = &VerificationRead{Stopped: "skipped (a format 1 file)"}
	default:
		a.Lost = nil // nothing measured: no audit
	}
}

// WriteIndex writes idx to dir/index.json atomically, creating dir. It sets idx.FormatVersion.
func WriteIndex(dir string, idx *Index) error {
	if idx == nil {
		return errors.New("write index: nil index")
	}
	idx.FormatVersion = FormatVersion
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	if err := writeJSONAtomic(filepath.Join(dir, IndexFile), idx); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// ReadIndex reads a results folder's index.json.
func ReadIndex(dir string) (*Index, error) {
	var idx Index
	if err := readJSONVersioned(filepath.Join(dir, IndexFile), &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}

// ReadRun reads a results folder: its index (an error if missing or unreadable) and every point
// the index lists, in level order (rank, then the index's order). A point whose file is missing or
// unreadable is kept with a nil Result and its Err, not a failure of the whole read.
func ReadRun(dir string) (*Run, error) {
	idx, err := ReadIndex(dir)
	if err != nil {
		return nil, err
	}
	run := &Run{Dir: dir, Index: *idx}
	for _, e := range idx.Points {
		rp := RunPoint{Entry: e}
		file := e.File
		if file == "" {
			file = PointFile(e.ID)
		}
		if !filepath.IsLocal(filepath.FromSlash(file)) {
			rp.Err = fmt.Errorf("point %q: file %q is outside the results folder", e.ID, file)
		} else if r, err := ReadResult(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
			rp.Err = fmt.Errorf("point %q: %w", e.ID, err)
		} else {
			rp.Result = r
		}
		run.Points = append(run.Points, rp)
	}
	sort.SliceStable(run.Points, func(i, j int) bool {
		return run.Points[i].Entry.Level.Rank < run.Points[j].Entry.Level.Rank
	})
	return run, nil
}

// versionProbe reads only the format version of a file, before decoding the rest.
type versionProbe struct {
	FormatVersion *int `json:"format_version"`
}

// readJSONVersioned decodes the JSON file at path into v after checking its format version.
func readJSONVersioned(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	var probe versionProbe
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("read %s: not a kbench file: %w", path, err)
	}
	switch {
	case probe.FormatVersion == nil:
		return fmt.Errorf("read %s: no format_version: not a kbench result file", path)
	case *probe.FormatVersion > FormatVersion:
		return fmt.Errorf("read %s: %w: file has format version %d, this kbench reads up to %d; use a newer kbench",
			path, ErrFutureFormat, *probe.FormatVersion, FormatVersion)
	case *probe.FormatVersion < 1:
		return fmt.Errorf("read %s: invalid format version %d", path, *probe.FormatVersion)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// ErrFutureFormat is returned (wrapped) when a file was written by a newer kbench whose format
// this one does not know.
var ErrFutureFormat = errors.New("unknown future format version")

// writeJSONAtomic writes v as indented JSON to path via a temporary file in the same folder.
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	data = append(data, '\n')
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFileAtomic creates or replaces path with what write writes, atomically: write goes to a
// temporary file in the same folder, which is fsynced, renamed over path, and the folder fsynced.
// If anything fails, path is untouched and the temporary file is removed.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir fsyncs a folder so a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync folder %s: %w", dir, err)
	}
	return nil
}

// Resummarise recomputes r's latency summaries from its stored histograms ("produce",
// "produce_raw", "end_to_end"), proving a result can be re-read and re-analysed without the
// cluster. A summary whose histogram is absent is left as it is.
func Resummarise(r *Result) error {
	targets := []struct {
		key string
		dst *LatencySummary
	}{
		{HistProduce, &r.Metrics.ProduceLatency},
		{HistProduceRaw, &r.Metrics.ProduceLatencyRaw},
		{HistEndToEnd, &r.Metrics.EndToEndLatency},
	}
	for _, t := range targets {
		enc, ok := r.Histograms[t.key]
		if !ok || enc == "" {
			continue
		}
		h, err := DecodeHistogram(enc)
		if err != nil {
			return fmt.Errorf("point %q histogram %q: %w", r.Point.ID, t.key, err)
		}
		*t.dst = h.Summary()
	}
	return nil
}

// Keys of Result.Histograms (and tags in the interval log).
const (
	HistProduce    = "produce"     // send (scheduled, in rate mode) to delivery report
	HistProduceRaw = "produce_raw" // actual Produce call to delivery report
	HistEndToEnd   = "end_to_end"  // send time in the record to consumer receipt
)
