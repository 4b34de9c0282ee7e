package safety

// `kbench restore FILE`: put back what a restore file names after kbench crashed or was killed.

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
)

// LocalCluster is the local cluster whose static broker settings a restore puts back.
type LocalCluster interface {
	ID() string                                                                                        // the cluster id, to tell a new cluster in the same folder
	Stale() bool                                                                                       // its state file is there, its processes are not
	Config() map[string]string                                                                         // the static broker settings it runs with
	SetConfig(ctx context.Context, want map[string]string, log func(format string, args ...any)) error // rolling restart to want
}

// ErrNoLocalCluster says no local cluster runs in the folder a restore file names
// (RestoreOptions.LoadCluster's error then matches it).
var ErrNoLocalCluster = errors.New("no local cluster")

// RestoreOptions say how `kbench restore` connects: Bootstrap and Client override what the file
// names (its bootstrap and client config file).
type RestoreOptions struct {
	Bootstrap string
	Client    *kafkaconf.ClientConfig
	Out       io.Writer         // one line per broker setting put back (nil: none)
	Driver    driver.Driver     // makes the clients
	Check     kafkaconf.Checker // checks the client config the file names
	// LoadCluster loads the local cluster of the file's static settings (package cluster, which
	// safety does not import: it links the Kafka client).
	LoadCluster func(dir string) (LocalCluster, error)
}

// Restore puts back what a restore file names and removes the file when all of it is back:
// first the local cluster's static settings (a rolling restart of the brokers that do not run
// the original ones, which also repairs a rolling restart interrupted halfway), then the dynamic
// settings, then the run's broker-settings lease is released. A part that is back is dropped
// from the file, so a second run of restore does only what is left; running it twice is safe.
func Restore(ctx context.Context, path string, o RestoreOptions) error {
	rf, err := ReadRestoreFile(path)
	if err != nil {
		return BadInput(err)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	rec := &RestoreRecord{Path: path, File: *rf}
	if rf.Static != nil {
		if err := restoreStatic(ctx, rf, o.LoadCluster, out); err != nil {
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
		if err := restoreDynamic(ctx, rf, bootstrap, o, out); err != nil {
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
func restoreStatic(ctx context.Context, rf *RestoreFile, load func(string) (LocalCluster, error), out io.Writer) error {
	st := rf.Static
	if load == nil {
		return fmt.Errorf("%w: static settings of %s: no way to load a local cluster", ErrRestoreCluster, st.ClusterDir)
	}
	cl, err := load(st.ClusterDir)
	switch {
	case errors.Is(err, ErrNoLocalCluster):
		fmt.Fprintf(out, "static settings: no local cluster in %s any more (a new one starts with its own settings): nothing to put back\n", st.ClusterDir)
		return nil
	case err != nil:
		return fmt.Errorf("%w: local cluster the run changed: %w", ErrRestoreCluster, err)
	case cl.ID() != st.ClusterID:
		fmt.Fprintf(out, "static settings: the cluster in %s is another one (cluster id %s, the run changed %s): nothing to put back\n", st.ClusterDir, cl.ID(), st.ClusterID)
		return nil
	case cl.Stale():
		fmt.Fprintf(out, "static settings: the cluster in %s is not running (stale state; `kbench cluster up` starts a new one with its own settings): nothing to put back\n", st.ClusterDir)
		return nil
	}
	want := OriginalStatic(cl.Config(), st.Original)
	for _, s := range st.Original {
		what := "remove it (Kafka's default)"
		if s.HadValue {
			what = "set back to " + s.Value
		}
		fmt.Fprintf(out, "local cluster %s: %s: %s (rolling restart of the brokers that do not run it)\n", st.ClusterDir, s.Key, what)
	}
	if err := cl.SetConfig(ctx, want, func(f string, a ...any) { fmt.Fprintf(out, f+"\n", a...) }); err != nil {
		return fmt.Errorf("%w: put the static broker settings of %s back: %w (run kbench restore again)", ErrRestoreCluster, st.ClusterDir, err)
	}
	return nil
}

// ErrRestoreCluster says the local cluster's static settings could not be put back.
var ErrRestoreCluster = errors.New("local cluster not restored")

// restoreDynamic sets the dynamic settings back and releases the run's lease.
func restoreDynamic(ctx context.Context, rf *RestoreFile, bootstrap string, o RestoreOptions, out io.Writer) error {
	var err error
	cc := o.Client
	if cc == nil && rf.ClientConfigFile != "" {
		if cc, err = kafkaconf.LoadClientConfig(rf.ClientConfigFile, nil, o.Check); err != nil {
			return fmt.Errorf("the client config the run used: %w (give --client-config)", err)
		}
	}
	conn, err := ResolveConn(bootstrap, cc)
	if err != nil {
		return err
	}
	if _, err := Probe(o.Driver, conn); err != nil {
		return err
	}
	a, err := o.Driver.NewAdmin(conn.AdminConfig())
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	r := &BrokerRestore{a: a}
	for _, st := range rf.Settings {
		r.saved = append(r.saved, SavedSetting{Broker: st.Broker, Key: st.Key, Value: st.Value, Had: st.HadDynamicValue})
		what := "delete kbench's value (back to the broker's default)"
		if st.HadDynamicValue {
			what = "set back to " + st.Value
		}
		fmt.Fprintf(out, "broker %s: %s: %s\n", st.Broker, st.Key, what)
	}
	if err := r.Restore(); err != nil {
		if IsAuthz(err) {
			return fmt.Errorf("%w: %w", ErrNotPermitted, err)
		}
		return err
	}
	if rf.LeaseTopic != "" {
		if err := releaseLeaseOf(ctx, o.Driver, conn, rf.LeaseTopic, rf.RunID, false, out); err != nil {
			fmt.Fprintf(out, "settings restored; the run's broker-settings lease was not released (%v): it expires on its own\n", err)
		}
	}
	return nil
}
