package runner

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/stats"
)

// session is what the points of one sweep share: one admin client, the environment, and the
// static broker settings this run's rolling restarts put in force.
type session struct {
	opts    Options
	admin   *kafka.AdminClient
	brokers []kafka.BrokerMetadata
	env     stats.Environment
	runID   string
	static  map[string]string // static broker settings in force because of this run (nil: none)
	conn    connection        // how every client of this run connects
	created map[string]bool   // topics this run created and has not deleted yet
}

// newSession connects to the cluster (bounded: an unreachable bootstrap fails within
// metadataTimeout) and records the environment.
func newSession(opts Options) (*session, error) {
	if opts.Bootstrap == "" {
		opts.Bootstrap = opts.Client.Bootstrap()
	}
	if opts.Bootstrap == "" && opts.Cluster != nil {
		opts.Bootstrap = opts.Cluster.Bootstrap()
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
	md, err := probe(conn)
	if err != nil {
		return nil, err
	}
	a, err := kafka.NewAdminClient(toConfigMap(adminConfig(conn)))
	if err != nil {
		return nil, fmt.Errorf("admin client for %s: %w", opts.Bootstrap, err)
	}
	runID := opts.RunID
	if runID == "" {
		runID = newRunID()
	}
	if opts.ExistingTopic != "" {
		conn.consumerReset = "latest" // the topic's older records are not this run's
	}
	s := &session{opts: opts, admin: a, brokers: md.Brokers, runID: runID, conn: conn}
	_, libVersion := kafka.LibraryVersion()
	s.env = stats.Environment{
		KbenchVersion: opts.Version, KbenchCommit: opts.Commit, LibrdkafkaVersion: libVersion,
		Brokers: len(md.Brokers), Bootstrap: opts.Bootstrap, LocalCluster: opts.Cluster != nil,
		HostCores: runtime.NumCPU(), HostMemoryBytes: hostMemory(), HostOS: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if opts.Cluster != nil {
		s.env.KafkaVersion = opts.Cluster.KafkaVersion
	}
	return s, nil
}

// close undoes this run's static broker settings (a rolling restart without them) and closes the
// admin client.
func (s *session) close() error {
	var err error
	if len(s.static) > 0 && s.opts.Cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		unset := map[string]string{}
		for k := range s.static {
			unset[k] = "" // RollingRestart removes keys set to ""
		}
		if rerr := s.opts.Cluster.RollingRestart(ctx, unset); rerr != nil {
			err = fmt.Errorf("restart brokers without %s: %w", formatConfig(s.static), rerr)
		} else {
			s.static = nil
		}
	}
	s.admin.Close()
	return err
}

// applyStatic makes the static broker settings in force equal to want: a rolling restart of the
// local cluster when they differ; a clear refusal on a remote cluster.
func (s *session) applyStatic(ctx context.Context, want map[string]string) error {
	if maps.Equal(want, s.static) || (len(want) == 0 && len(s.static) == 0) {
		return nil
	}
	if s.opts.Cluster == nil {
		return fmt.Errorf("%w (%s), and kbench restarts only its own local cluster: restart your brokers with %s set in server.properties yourself, then run this sweep again with a profile that does not sweep it (the brokers' value is read back and recorded)",
			ErrStaticOnRemote, formatConfig(want), formatConfig(want))
	}
	if err := s.opts.Cluster.RollingRestart(ctx, want); err != nil {
		return fmt.Errorf("rolling restart with %s: %w", formatConfig(want), err)
	}
	s.static = maps.Clone(want)
	// Brokers came back with new connections; refresh the broker list.
	if md, err := checkReachable(s.admin, s.opts.Bootstrap); err == nil {
		s.brokers = md.Brokers
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
