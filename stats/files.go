package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kbench/kbench/inputfile"
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
	if err := readJSONVersioned(path, "point result file", maxResultFile, &r); err != nil {
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
	if err := readJSONVersioned(filepath.Join(dir, IndexFile), "run index", maxIndexFile, &idx); err != nil {
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
			rp.Err = &FileError{Path: filepath.Join(dir, IndexFile), Err: ErrDamaged,
				Problem: fmt.Sprintf("point %q: file %q is outside the results folder", e.ID, file)}
		} else if r, err := ReadResult(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				fe.PointID = e.ID
			}
			rp.Err = err
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

// Damage lists every file of the run that the index lists but that cannot be used: point files
// that are missing or do not read, histograms inside them that do not decode, and interval logs
// (.hlog) that do not read to their end. Plot, report, export and compare name each one, use
// everything else, and exit 2.
func (r *Run) Damage() []*FileError {
	var out []*FileError
	for _, p := range r.Points {
		out = append(out, r.PointDamage(p)...)
	}
	return out
}

// PointDamage is Damage for one point of the run.
func (r *Run) PointDamage(p RunPoint) []*FileError {
	if p.Err != nil {
		var fe *FileError
		if !errors.As(p.Err, &fe) {
			fe = &FileError{Path: filepath.Join(r.Dir, IndexFile), Problem: p.Err.Error(), Err: p.Err}
		}
		fe.PointID = p.Entry.ID
		return []*FileError{fe}
	}
	file := p.Entry.File
	if file == "" {
		file = PointFile(p.Entry.ID)
	}
	out := HistogramDamage(filepath.Join(r.Dir, filepath.FromSlash(file)), p.Result)
	for _, fe := range out {
		fe.PointID = p.Entry.ID
	}
	if _, err := readPointLog(r.Dir, p.Entry.ID); err != nil {
		out = append(out, &FileError{Path: filepath.Join(r.Dir, filepath.FromSlash(PointLogFile(p.Entry.ID))),
			PointID: p.Entry.ID, Problem: "interval log does not read: " + err.Error(), Err: err})
	}
	return out
}

// HistogramDamage returns one FileError (of the result file at path) per histogram of res that
// does not decode, in key order.
func HistogramDamage(path string, res *Result) []*FileError {
	if res == nil {
		return nil
	}
	keys := make([]string, 0, len(res.Histograms))
	for k := range res.Histograms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*FileError
	for _, k := range keys {
		if res.Histograms[k] == "" {
			continue // absent
		}
		if _, err := DecodeHistogram(res.Histograms[k]); err != nil {
			out = append(out, &FileError{Path: path, PointID: res.Point.ID, Err: err,
				Problem: fmt.Sprintf("histogram %q does not decode (HdrHistogram base64/zlib): %v", k, errors.Unwrap(err))})
		}
	}
	return out
}

// versionProbe reads only the format version of a file, before decoding the rest.
type versionProbe struct {
	FormatVersion *int `json:"format_version"`
}

// FileError says which file of a results folder cannot be used, and how: missing, truncated,
// not JSON, a field of the wrong type, a histogram that does not decode, an interval log that
// does not read. Its message is "<path>: <problem>", e.g. "results/x/points/acks-1.json:
// truncated JSON at byte 812 (the file ends there)".
type FileError struct {
	Path    string // the file, as the results folder was given
	PointID string // the point the file belongs to; "" for the index
	Problem string
	Err     error // the cause, for errors.Is (fs.ErrNotExist, ErrFutureFormat, ...)
}

func (e *FileError) Error() string { return e.Path + ": " + e.Problem }
func (e *FileError) Unwrap() error { return e.Err }

// Missing says the file is not there at all, as opposed to there but damaged.
func (e *FileError) Missing() bool { return errors.Is(e.Err, fs.ErrNotExist) }

// Bounds on the result files kbench reads whole (see inputfile.Read): a path given to plot,
// report, export or compare that names a device, a FIFO or a huge file is refused at once instead
// of hanging or filling memory. An index holds one short entry per point and the profile text, so
// 16 MiB is thousands of points; a point file grows with its per-second series, and 1 GiB is
// far beyond any run kbench measures.
const (
	maxIndexFile  = 16 << 20
	maxResultFile = 1 << 30
)

// readJSONVersioned decodes the JSON file at path into v after checking its format version. what
// names the file in errors; it is read only if it is a regular file of at most limit bytes. Its
// errors are *FileError, saying how the file is damaged.
func readJSONVersioned(path, what string, limit int64, v any) error {
	data, err := inputfile.Read(path, what, limit)
	if err != nil {
		problem := err.Error()
		var refused *inputfile.RefusedError
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problem = "missing"
		case errors.As(err, &refused):
			problem = refused.Reason
		case errors.As(err, &pe):
			problem = "cannot be read: " + pe.Err.Error()
		}
		return &FileError{Path: path, Problem: problem, Err: err}
	}
	var probe versionProbe
	if err := json.Unmarshal(data, &probe); err != nil {
		return &FileError{Path: path, Problem: jsonProblem(data, err), Err: err}
	}
	switch {
	case probe.FormatVersion == nil:
		return &FileError{Path: path, Problem: "no format_version: not a kbench result file", Err: ErrDamaged}
	case *probe.FormatVersion > FormatVersion:
		return &FileError{Path: path, Err: ErrFutureFormat, Problem: fmt.Sprintf("%v: file has format version %d, this kbench reads up to %d; use a newer kbench",
			ErrFutureFormat, *probe.FormatVersion, FormatVersion)}
	case *probe.FormatVersion < 1:
		return &FileError{Path: path, Problem: fmt.Sprintf("invalid format version %d", *probe.FormatVersion), Err: ErrDamaged}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &FileError{Path: path, Problem: jsonProblem(data, err), Err: err}
	}
	return nil
}

// jsonProblem says in words where and how data is not the JSON it should be.
func jsonProblem(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(data) == 0:
		return "empty file (0 bytes)"
	case errors.As(err, &syn) && syn.Offset >= int64(len(data)):
		return fmt.Sprintf("truncated JSON at byte %d (the file ends there)", len(data))
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s at byte %d: %s where %s belongs", typ.Field, typ.Offset, typ.Value, typ.Type)
	}
	return err.Error()
}

// ErrDamaged is wrapped by the errors that say a results folder has damaged or missing files
// (FileError, DamageError): plot, report, export and compare exit 2 with it, after drawing or
// writing everything else.
var ErrDamaged = errors.New("damaged result files")

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
			os.Remove(tmp) // the file os.CreateTemp made above for this write, never path itself
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
	if t := r.Metrics.Transactions; t != nil {
		targets = append(targets, struct {
			key string
			dst *LatencySummary
		}{HistTxnCommit, &t.CommitLatency})
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
	// HistSendDelay is scheduled to actual send time at a target rate: how far the sender lagged
	// its schedule, OMB's "publish delay". Closed-loop points have none (nothing is scheduled, the
	// delay is 0 by definition); results written before it was added lack it.
	HistSendDelay = "send_delay"
)
