package runner

// The restore file: before a point changes a broker setting, what it will put back is written to
// the results folder, so that `kbench restore FILE` can undo the change after kbench itself
// crashed or was killed with SIGKILL (when its deferred restore never ran).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver/librdkafka"
	"github.com/kbench/kbench/inputfile"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/profiles"
)

// RestoreFormatVersion is the version of the restore file format. Version 2 added the static
// settings of the local cluster (Static), the run's process (PID, Host) and its lease; version 1
// files (dynamic settings only) are still read.
const RestoreFormatVersion = 2

// RestoreFile says how to put back the broker settings one run changed. It holds no secret: the
// client config is named by its file path only. It is written before the first change and
// rewritten before each later one, so it always covers what is changed; it is removed once
// everything is back.
type RestoreFile struct {
	FormatVersion    int              `json:"format_version"`
	RunID            string           `json:"run_id"`
	PointID          string           `json:"point_id"` // the point whose dynamic Settings are changed
	Bootstrap        string           `json:"bootstrap"`
	ClientConfigFile string           `json:"client_config_file,omitempty"` // path only; give --client-config to override
	Written          time.Time        `json:"written"`
	Settings         []RestoreSetting `json:"settings"`
	// Version 2.
	PID        int            `json:"pid,omitempty"`
	Host       string         `json:"host,omitempty"`
	LeaseTopic string         `json:"lease_topic,omitempty"` // where the run's broker-settings lease is (released by restore)
	Static     *RestoreStatic `json:"static,omitempty"`
}

// RestoreSetting is one dynamic broker setting of one broker as it was before kbench changed it.
type RestoreSetting struct {
	Broker string `json:"broker"`
	Key    string `json:"key"`
	// HadDynamicValue: the broker had its own dynamic value, Value, to set back; false: kbench's
	// value is deleted, so the static or cluster default applies again.
	HadDynamicValue bool   `json:"had_dynamic_value"`
	Value           string `json:"value,omitempty"`
}

// RestoreStatic is the local cluster whose static broker settings the run changes (by rolling
// restart) and those settings as they were before: restore restarts the brokers with them.
type RestoreStatic struct {
	ClusterDir string          `json:"cluster_dir"`
	ClusterID  string          `json:"cluster_id"`
	Original   []StaticSetting `json:"original"`
}

// StaticSetting is one static broker setting as the local cluster had it before the run.
type StaticSetting struct {
	Key      string `json:"key"`
	HadValue bool   `json:"had_value"` // false: the key was not set (Kafka's default applies)
	Value    string `json:"value,omitempty"`
}

// RestoreFileName is the restore file of a run inside its results folder.
func RestoreFileName(runID string) string { return "restore-" + runID + ".json" }

// pending says whether the file still names something to put back.
func (rf *RestoreFile) pending() bool {
	return len(rf.Settings) > 0 || (rf.Static != nil && len(rf.Static.Original) > 0)
}

// restoreRecord is a run's restore file as it stands. Every change of a broker setting is
// preceded by save with the change's undo in it; once a part is back it is dropped and saved
// again; with nothing left the file is removed.
type restoreRecord struct {
	path string // "": nowhere to write (no results folder and no local cluster)
	rf   RestoreFile
}

// newRestoreRecord prepares the run's restore file: in the results folder, else (a run without
// one on the local cluster) in the local cluster's folder.
func (s *session) newRestoreRecord() *restoreRecord {
	r := &restoreRecord{rf: RestoreFile{FormatVersion: RestoreFormatVersion, RunID: s.runID, Bootstrap: s.conn.bootstrap, PID: os.Getpid(), Host: hostName()}}
	switch {
	case s.opts.OutDir != "":
		r.path = filepath.Join(s.opts.OutDir, RestoreFileName(s.runID))
	case s.ctl().Local():
		r.path = filepath.Join(s.ctl().Dir(), RestoreFileName(s.runID))
	}
	if r.path != "" {
		if abs, err := filepath.Abs(r.path); err == nil {
			r.path = abs
		}
	}
	if s.opts.Client != nil && s.opts.Client.File != "" {
		if abs, err := filepath.Abs(s.opts.Client.File); err == nil {
			r.rf.ClientConfigFile = abs
		}
	}
	return r
}

// save writes the file while something is pending and removes it when nothing is.
func (r *restoreRecord) save() error {
	if r.path == "" {
		return nil
	}
	if !r.rf.pending() {
		if err := os.Remove(r.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove restore file %s: %w", r.path, err)
		}
		return nil
	}
	r.rf.Written = time.Now().UTC()
	if err := writeRestoreFile(r.path, &r.rf); err != nil {
		return fmt.Errorf("write restore file %s: %w", r.path, err)
	}
	return nil
}

// hostName names this machine in restore files and leases ("" when unknown).
func hostName() string {
	h, _ := os.Hostname()
	return h
}

// saveRestore returns the beforeChange hook that records point p's dynamic settings in the run's
// restore file, and the onRestored hook that drops them again once they are back.
func (s *session) saveRestore(p profiles.Point) (before func([]savedSetting) error, after func()) {
	rec := s.rec
	if rec.path == "" {
		return nil, nil
	}
	before = func(saved []savedSetting) error {
		rec.rf.PointID, rec.rf.Settings = p.ID, nil
		for _, v := range saved {
			rec.rf.Settings = append(rec.rf.Settings, RestoreSetting{Broker: v.Broker, Key: v.Key, HadDynamicValue: v.Had, Value: v.Value})
		}
		if err := rec.save(); err != nil {
			rec.rf.Settings = nil
			return fmt.Errorf("before changing broker settings (nothing changed): %w", err)
		}
		return nil
	}
	after = func() {
		rec.rf.Settings = nil
		if err := rec.save(); err != nil {
			s.warn("%v", err)
		}
	}
	return before, after
}

// writeRestoreFile writes rf atomically: a temporary file in the same folder, synced, then
// renamed over path, and the folder synced, so a crash leaves the old file or the new one.
func writeRestoreFile(path string, rf *RestoreFile) error {
	data, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".restore-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(append(data, '\n'))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return werr
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadRestoreFile reads a restore file and checks it is one.
func ReadRestoreFile(path string) (*RestoreFile, error) {
	data, err := inputfile.Read(path, "restore file", inputfile.Limit)
	if err != nil {
		return nil, err
	}
	return parseRestoreFile(path, data)
}

// parseRestoreFile decodes a restore file of any version kbench wrote (1 or 2).
func parseRestoreFile(path string, data []byte) (*RestoreFile, error) {
	var rf RestoreFile
	if err := json.Unmarshal(data, &rf); err != nil {
		return nil, fmt.Errorf("%s is not a kbench restore file: %w", path, err)
	}
	switch {
	case rf.FormatVersion == 1 && len(rf.Settings) > 0 && rf.Static == nil:
	case rf.FormatVersion == 2 && rf.pending():
		if rf.Static != nil && rf.Static.ClusterDir == "" {
			return nil, fmt.Errorf("%s: static settings without cluster_dir: not a restore file kbench wrote", path)
		}
	case rf.FormatVersion > RestoreFormatVersion:
		return nil, fmt.Errorf("%s has format_version %d, newer than this kbench reads (%d): use a newer kbench", path, rf.FormatVersion, RestoreFormatVersion)
	default:
		return nil, fmt.Errorf("%s is not a kbench restore file (format_version %d, %d settings)", path, rf.FormatVersion, len(rf.Settings))
	}
	for i, st := range rf.Settings {
		if st.Broker == "" || st.Key == "" {
			return nil, fmt.Errorf("%s: settings[%d]: broker and key are required", path, i)
		}
	}
	return &rf, nil
}

// RestoreOptions say how `kbench restore` connects: Bootstrap and Client override what the file
// names (its bootstrap and client config file).
type RestoreOptions struct {
	Bootstrap string
	Client    *kafkaconf.ClientConfig
	Out       io.Writer // one line per broker setting put back (nil: none)
}

// Restore puts back what a restore file names and removes the file when all of it is back:
// first the local cluster's static settings (a rolling restart of the brokers that do not run
// the original ones, which also repairs a rolling restart interrupted halfway), then the dynamic
// settings, then the run's broker-settings lease is released. A part that is back is dropped
// from the file, so a second run of restore does only what is left; running it twice is safe.
func Restore(ctx context.Context, path string, o RestoreOptions) error {
	rf, err := ReadRestoreFile(path)
	if err != nil {
		return badInput(err)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	rec := &restoreRecord{path: path, rf: *rf}
	if rf.Static != nil {
		if err := restoreStatic(ctx, rf, out); err != nil {
			return err
		}
		rec.rf.Static = nil
		if err := rec.save(); err != nil {
			return err
		}
	}
	bootstrap := o.Bootstrap
	if bootstrap == "" {
		bootstrap = rf.Bootstrap
	}
	if len(rf.Settings) > 0 || rf.LeaseTopic != "" {
		if err := restoreDynamic(ctx, rf, bootstrap, o.Client, out); err != nil {
			return err
		}
	}
	rec.rf.Settings = nil
	if err := rec.save(); err != nil {
		return fmt.Errorf("settings restored, but: %w", err)
	}
	fmt.Fprintf(out, "restored run %s on %s; removed %s\n", rf.RunID, bootstrap, path)
	return nil
}

// restoreStatic restarts the local cluster's brokers with the static settings they had before
// the run. A cluster that is gone, stale or another one (new cluster id) has nothing of the
// run's left: that is said, and counts as restored.
func restoreStatic(ctx context.Context, rf *RestoreFile, out io.Writer) error {
	st := rf.Static
	cl, err := cluster.Load(st.ClusterDir)
	switch {
	case errors.Is(err, cluster.ErrNotRunning):
		fmt.Fprintf(out, "static settings: no local cluster in %s any more (a new one starts with its own settings): nothing to put back\n", st.ClusterDir)
		return nil
	case err != nil:
		return fmt.Errorf("%w: local cluster the run changed: %w", ErrRestoreCluster, err)
	case cl.ClusterID != st.ClusterID:
		fmt.Fprintf(out, "static settings: the cluster in %s is another one (cluster id %s, the run changed %s): nothing to put back\n", st.ClusterDir, cl.ClusterID, st.ClusterID)
		return nil
	case cl.Stale():
		fmt.Fprintf(out, "static settings: the cluster in %s is not running (stale state; `kbench cluster up` starts a new one with its own settings): nothing to put back\n", st.ClusterDir)
		return nil
	}
	cl.SetLog(func(f string, a ...any) { fmt.Fprintf(out, f+"\n", a...) })
	want := originalStatic(cl.BrokerConfig, st.Original)
	for _, s := range st.Original {
		what := "remove it (Kafka's default)"
		if s.HadValue {
			what = "set back to " + s.Value
		}
		fmt.Fprintf(out, "local cluster %s: %s: %s (rolling restart of the brokers that do not run it)\n", st.ClusterDir, s.Key, what)
	}
	if err := cl.SetBrokerConfig(ctx, want, ""); err != nil {
		return fmt.Errorf("%w: put the static broker settings of %s back: %w (run kbench restore again)", ErrRestoreCluster, st.ClusterDir, err)
	}
	return nil
}

// ErrRestoreCluster says the local cluster's static settings could not be put back.
var ErrRestoreCluster = errors.New("local cluster not restored")

// originalStatic is the cluster's broker config with the keys a run changed put back as they
// were before it.
func originalStatic(current map[string]string, original []StaticSetting) map[string]string {
	want := maps.Clone(current)
	if want == nil {
		want = map[string]string{}
	}
	for _, s := range original {
		if s.HadValue {
			want[s.Key] = s.Value
		} else {
			delete(want, s.Key)
		}
	}
	return want
}

// restoreDynamic sets the dynamic settings back and releases the run's lease.
func restoreDynamic(ctx context.Context, rf *RestoreFile, bootstrap string, cc *kafkaconf.ClientConfig, out io.Writer) error {
	var err error
	if cc == nil && rf.ClientConfigFile != "" {
		if cc, err = kafkaconf.LoadClientConfig(rf.ClientConfigFile, nil, librdkafka.Check); err != nil {
			return fmt.Errorf("the client config the run used: %w (give --client-config)", err)
		}
	}
	conn, err := resolveConnection(bootstrap, cc)
	if err != nil {
		return err
	}
	if _, err := probe(conn); err != nil {
		return err
	}
	a, err := clientDriver.NewAdmin(adminConfig(conn))
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	r := &brokerRestore{a: a}
	for _, st := range rf.Settings {
		r.saved = append(r.saved, savedSetting{Broker: st.Broker, Key: st.Key, Value: st.Value, Had: st.HadDynamicValue})
		what := "delete kbench's value (back to the broker's default)"
		if st.HadDynamicValue {
			what = "set back to " + st.Value
		}
		fmt.Fprintf(out, "broker %s: %s: %s\n", st.Broker, st.Key, what)
	}
	if err := r.Restore(); err != nil {
		if isAuthz(err) {
			return fmt.Errorf("%w: %w", ErrNotPermitted, err)
		}
		return err
	}
	if rf.LeaseTopic != "" {
		if err := releaseLeaseOf(ctx, conn, rf.LeaseTopic, rf.RunID, false, out); err != nil {
			fmt.Fprintf(out, "settings restored; the run's broker-settings lease was not released (%v): it expires on its own\n", err)
		}
	}
	return nil
}

// redactYAML replaces the value of every "key: value" line of a profile whose key names a secret
// (see profiles.Redact), so the profile text recorded in index.json carries no password.
func redactYAML(text string) string {
	if text == "" {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		trim := strings.TrimLeft(line, " \t-")
		k, v, ok := strings.Cut(trim, ":")
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		if profiles.Redact(map[string]string{k: "x"})[k] != "x" {
			lines[i] = line[:len(line)-len(trim)] + trim[:len(trim)-len(v)] + " [redacted]"
		}
	}
	return strings.Join(lines, "\n")
}

// applyBrokerDynamic applies point p's dynamic broker settings on every broker, writing the
// restore file first and removing it once the settings are back.
func (s *session) applyBrokerDynamic(ctx context.Context, p profiles.Point) (*brokerRestore, error) {
	before, after := s.saveRestore(p)
	r, err := applyBrokerDynamic(ctx, s.admin, s.brokerIDs(), p.BrokerDynamicConfig(), before)
	r.onRestored = after
	if s.rec.path != "" {
		r.hint = "or run: kbench restore " + s.rec.path
	}
	return r, err
}
