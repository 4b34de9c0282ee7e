package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
	"github.com/kbench/kbench/stats"
)

// session is what the points of one sweep share: one admin client, the environment, and the
// static broker settings this run's rolling restarts put in force.
type session struct {
	opts    Options
	admin   driver.Admin
	brokers []driver.BrokerMetadata
	env     stats.Environment
	runID   string
	static  map[string]string     // static broker settings in force because of this run (nil: none)
	conn    connection            // how every client of this run connects
	created map[string]bool       // topics this run created and has not deleted yet
	rec     *safety.RestoreRecord // the run's restore file: what to put back
	lease   *safety.Lease         // the broker-settings lease this run holds (nil: none)
	warming bool                  // the cluster warm-up runs (its warmup bound is clusterWarmupExtra)

	fixedLoad    *stats.FixedLoad // the resolved fixed load of latency: (nil: none, or not yet)
	fixedLoadErr error            // why it could not be resolved
	fleet        *fleetState      // sweep --workers: the coordinator's side (nil: one process)
}

// newSession connects to the cluster (bounded: an unreachable bootstrap fails within
// metadataTimeout) and records the environment.
func newSession(opts Options) (*session, error) {
	if opts.Bootstrap == "" {
		opts.Bootstrap = opts.Client.Bootstrap()
	}
	cl := opts.control()
	if opts.Bootstrap == "" {
		opts.Bootstrap = cl.Bootstrap()
	}
	if opts.Bootstrap == "" {
		return nil, fmt.Errorf("no bootstrap servers: give --bootstrap, bootstrap.servers in --client-config, or run a local cluster")
	}
	conn, err := resolveConnection(opts.Bootstrap, opts.Client)
	if err != nil {
		return nil, err
	}
	// First contact through the probe: a wrong password or an unreachable cluster fails here
	// within seconds, with one clear error, before anything changes.
	md, err := safety.Probe(clientDriver, conn.safe())
	if err != nil {
		return nil, err
	}
	a, err := clientDriver.NewAdmin(adminConfig(conn))
	if err != nil {
		return nil, fmt.Errorf("admin client for %s: %w", opts.Bootstrap, err)
	}
	runID := opts.RunID
	if runID == "" {
		runID = safety.NewRunID()
	}
	if opts.ExistingTopic != "" {
		conn.consumerReset = "latest" // the topic's older records are not this run's
	}
	s := &session{opts: opts, admin: a, brokers: md.Brokers, runID: runID, conn: conn}
	s.rec = s.newRestoreRecord()
	libVersion := clientDriver.Version() // clientDriver is librdkafka; each point records its own clients
	s.env = stats.Environment{
		KbenchVersion: opts.Version, KbenchCommit: opts.Commit, LibrdkafkaVersion: libVersion,
		Brokers: len(md.Brokers), Bootstrap: opts.Bootstrap, LocalCluster: cl.Local(), KafkaVersion: cl.KafkaVersion(),
		HostCores: runtime.NumCPU(), HostMemoryBytes: hostMemory(), HostOS: runtime.GOOS + "/" + runtime.GOARCH,
		BrokerStorage: cl.Storage(), EligibleLeaderReplicas: cl.EligibleLeaderReplicas(),
	}
	return s, nil
}

// close puts this run's static broker settings back (a rolling restart of the local cluster to
// its original settings), releases the broker-settings lease once everything is back, and closes
// the admin client. It runs after errors and after Ctrl-C, with its own bound.
func (s *session) close() error {
	var err error
	if st := s.rec.File.Static; st != nil && s.ctl().Local() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		want := safety.OriginalStatic(s.ctl().StaticConfig(), st.Original)
		if rerr := s.ctl().SetStaticConfig(ctx, want, ""); rerr != nil {
			err = fmt.Errorf("restart brokers with their original static settings (%s): %w; run: kbench restore %s", formatConfig(want), rerr, s.rec.Path)
		} else {
			s.static, s.rec.File.Static = nil, nil
			err = s.rec.Save()
		}
	}
	if lerr := s.lease.End(err == nil && !s.rec.File.Pending()); lerr != nil {
		s.warn("%v", lerr)
	}
	s.admin.Close()
	return err
}

// applyStatic makes the static broker settings in force because of this run equal to want: a
// rolling restart of the local cluster when they differ (after the restore file records the
// cluster's original settings); a clear refusal on a remote cluster.
func (s *session) applyStatic(ctx context.Context, want map[string]string) error {
	if maps.Equal(want, s.static) || (len(want) == 0 && len(s.static) == 0) {
		return nil
	}
	cl := s.ctl()
	if !cl.Local() {
		return fmt.Errorf("%w (%s), and kbench restarts only its own local cluster: restart your brokers with %s set in server.properties yourself, then run this sweep again with a profile that does not sweep it (the brokers' value is read back and recorded)",
			ErrStaticOnRemote, formatConfig(want), formatConfig(want))
	}
	st := s.rec.File.Static
	if st == nil {
		st = &safety.RestoreStatic{ClusterDir: cl.Dir(), ClusterID: cl.ClusterID()}
	}
	for _, k := range sortedKeys(want) {
		if !slices.ContainsFunc(st.Original, func(o safety.StaticSetting) bool { return o.Key == k }) {
			v, had := cl.StaticConfig()[k]
			st.Original = append(st.Original, safety.StaticSetting{Key: k, HadValue: had, Value: v})
		}
	}
	s.rec.File.Static = st
	if err := s.rec.Save(); err != nil {
		return fmt.Errorf("before the rolling restart (nothing changed): %w", err)
	}
	target := safety.OriginalStatic(cl.StaticConfig(), st.Original)
	maps.Copy(target, want)
	by := fmt.Sprintf("kbench run %s (pid %d on %s); undo: kbench restore %s", s.runID, os.Getpid(), safety.HostName(), s.rec.Path)
	if err := cl.SetStaticConfig(ctx, target, by); err != nil {
		return fmt.Errorf("rolling restart with %s: %w", formatConfig(want), err)
	}
	s.static = maps.Clone(want)
	// Brokers came back with new connections; refresh the broker list.
	if md, err := checkReachable(s.admin, s.opts.Bootstrap); err == nil {
		s.brokers = md.Brokers
	}
	return nil
}

// ErrClusterInconsistent says the local cluster's brokers do not all run its recorded static
// settings (a rolling restart was interrupted), or run static settings another run left changed,
// so a run that changes them is refused.
var ErrClusterInconsistent = errors.New("local cluster's static broker settings need putting back first")

// checkLocalStatic looks at the local cluster's static settings before anything changes: brokers
// that do not all run the recorded settings refuse a run that changes static settings (its
// "original" would be wrong) and warn any other run; settings left by another run are named.
func (s *session) checkLocalStatic(points []profiles.Point) error {
	cl := s.ctl()
	if !cl.Local() {
		return nil
	}
	if err := cl.Reload(); err != nil {
		return fmt.Errorf("local cluster state: %w", err)
	}
	_, static := safety.LeaseKeys(points)
	if mis := cl.ConfigMismatch(); len(mis) > 0 {
		why := strings.Join(mis, "; ")
		if cl.ChangedBy() != "" {
			why += "; changed by " + cl.ChangedBy()
		}
		if static {
			return fmt.Errorf("%w: %s: put them back first (kbench restore FILE, see `kbench cluster status --dir %s`)", ErrClusterInconsistent, why, cl.Dir())
		}
		s.warn("the local cluster's brokers do not all run the same static settings: %s", why)
		return nil
	}
	if cl.ChangedBy() != "" && len(cl.StaticConfig()) > 0 {
		if static { // its "original" would be the other run's value
			return fmt.Errorf("%w: the local cluster in %s runs with %s, left changed by %s: put it back first", ErrClusterInconsistent, cl.Dir(), formatConfig(cl.StaticConfig()), cl.ChangedBy())
		}
		s.warn("the local cluster runs with %s, left by %s", formatConfig(cl.StaticConfig()), cl.ChangedBy())
	}
	return nil
}

// hostMemory is the machine's memory in bytes from /proc/meminfo (0 where there is none).
func hostMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// brokerIDs are the ids of the cluster's brokers, as admin resource names.
func (s *session) brokerIDs() []string {
	ids := make([]string, 0, len(s.brokers))
	for _, b := range s.brokers {
		ids = append(ids, strconv.Itoa(int(b.ID)))
	}
	return ids
}

// beforeChanges runs after the preflight and before the first change of any kind: the
// broker-settings lease is taken (so a live run changing the same settings is named first), then
// the local cluster's static settings are checked.
func (s *session) beforeChanges(ctx context.Context, points []profiles.Point) error {
	if err := s.takeLease(ctx, points); err != nil {
		return err
	}
	return s.checkLocalStatic(points)
}
