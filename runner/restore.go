package runner

// The runner's side of the restore file (safety.RestoreRecord): before a point changes a broker
// setting, what it will put back is written to the results folder, so that `kbench restore FILE`
// can undo the change after kbench itself crashed or was killed with SIGKILL.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver/librdkafka"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// newRestoreRecord prepares the run's restore file: in the results folder, else (a run without
// one on the local cluster) in the local cluster's folder.
func (s *session) newRestoreRecord() *safety.RestoreRecord {
	r := &safety.RestoreRecord{File: safety.RestoreFile{FormatVersion: safety.RestoreFormatVersion, RunID: s.runID, Bootstrap: s.conn.bootstrap, PID: os.Getpid(), Host: safety.HostName()}}
	switch {
	case s.opts.OutDir != "":
		r.Path = filepath.Join(s.opts.OutDir, safety.RestoreFileName(s.runID))
	case s.ctl().Local():
		r.Path = filepath.Join(s.ctl().Dir(), safety.RestoreFileName(s.runID))
	}
	if r.Path != "" {
		if abs, err := filepath.Abs(r.Path); err == nil {
			r.Path = abs
		}
	}
	if s.opts.Client != nil && s.opts.Client.File != "" {
		if abs, err := filepath.Abs(s.opts.Client.File); err == nil {
			r.File.ClientConfigFile = abs
		}
	}
	return r
}

// saveRestore returns the beforeChange hook that records point p's dynamic settings in the run's
// restore file, and the onRestored hook that drops them again once they are back.
func (s *session) saveRestore(p profiles.Point) (before func([]savedSetting) error, after func()) {
	rec := s.rec
	if rec.Path == "" {
		return nil, nil
	}
	before = func(saved []savedSetting) error {
		rec.File.PointID, rec.File.Settings = p.ID, nil
		for _, v := range saved {
			rec.File.Settings = append(rec.File.Settings, safety.RestoreSetting{Broker: v.Broker, Key: v.Key, HadDynamicValue: v.Had, Value: v.Value})
		}
		if err := rec.Save(); err != nil {
			rec.File.Settings = nil
			return fmt.Errorf("before changing broker settings (nothing changed): %w", err)
		}
		return nil
	}
	after = func() {
		rec.File.Settings = nil
		if err := rec.Save(); err != nil {
			s.warn("%v", err)
		}
	}
	return before, after
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
	rf, err := safety.ReadRestoreFile(path)
	if err != nil {
		return safety.BadInput(err)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	rec := &safety.RestoreRecord{Path: path, File: *rf}
	if rf.Static != nil {
		if err := restoreStatic(ctx, rf, out); err != nil {
			return err
		}
		rec.File.Static = nil
		if err := rec.Save(); err != nil {
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
	rec.File.Settings = nil
	if err := rec.Save(); err != nil {
		return fmt.Errorf("settings restored, but: %w", err)
	}
	fmt.Fprintf(out, "restored run %s on %s; removed %s\n", rf.RunID, bootstrap, path)
	return nil
}

// restoreStatic restarts the local cluster's brokers with the static settings they had before
// the run. A cluster that is gone, stale or another one (new cluster id) has nothing of the
// run's left: that is said, and counts as restored.
func restoreStatic(ctx context.Context, rf *safety.RestoreFile, out io.Writer) error {
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
	want := safety.OriginalStatic(cl.BrokerConfig, st.Original)
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

// restoreDynamic sets the dynamic settings back and releases the run's lease.
func restoreDynamic(ctx context.Context, rf *safety.RestoreFile, bootstrap string, cc *kafkaconf.ClientConfig, out io.Writer) error {
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
	if s.rec.Path != "" {
		r.hint = "or run: kbench restore " + s.rec.Path
	}
	return r, err
}
