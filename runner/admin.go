package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/safety"
)

// adminAPI is the part of driver.Admin the runner's topic and broker-settings code uses (see
// safety.Admin).
type adminAPI = safety.Admin

// Bounded waits for admin work (see safety's).
const (
	adminTimeout    = safety.AdminTimeout
	metadataTimeout = safety.MetadataTimeout
	cleanupTimeout  = safety.CleanupTimeout
)

// Sentinels of the cluster's answers; cmd/kbench maps them to exit codes.
var (
	ErrUnreachable  = safety.ErrUnreachable
	ErrTopicTimeout = safety.ErrTopicTimeout
)

// checkReachable asks for cluster metadata with a bounded wait and returns the broker count.
func checkReachable(a adminAPI, bootstrap string) (*driver.Metadata, error) {
	md, err := a.Metadata(nil, false, metadataTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: no metadata from %s within %s: %v", ErrUnreachable, bootstrap, metadataTimeout, err)
	}
	if len(md.Brokers) == 0 {
		return nil, fmt.Errorf("%w: %s answered with no brokers", ErrUnreachable, bootstrap)
	}
	return md, nil
}

// describeTopic reads a topic's configuration back: every entry that is not at its default,
// plus every key in swept (the keys the point asked for), and replication factor and partition
// count from metadata (the smallest replica set over all partitions).
func describeTopic(ctx context.Context, a adminAPI, name string, swept map[string]string) (cfg map[string]string, rf, partitions int, err error) {
	cctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	var res []driver.ConfigResourceResult
	for {
		res, err = a.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceTopic, Name: name}})
		if err != nil {
			return nil, 0, 0, fmt.Errorf("describe topic %s configs: %w", name, err)
		}
		// A topic just created may not have reached the broker that answers yet: retry
		// (bounded by cctx) rather than fail the point.
		if len(res) == 0 || res[0].Error.Code() != driver.ErrUnknownTopicOrPart || cctx.Err() != nil {
			break
		}
		select {
		case <-cctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	cfg = map[string]string{}
	for _, r := range res {
		if r.Error.Code() != driver.ErrNoError {
			return nil, 0, 0, fmt.Errorf("describe topic %s configs: %w", name, r.Error)
		}
		for k, e := range r.Config {
			if _, ok := swept[k]; ok || !e.IsDefault {
				cfg[k] = e.Value
			}
		}
	}
	for _, k := range []string{"min.insync.replicas", "unclean.leader.election.enable", "flush.messages", "flush.ms"} {
		if _, ok := cfg[k]; !ok {
			for _, r := range res {
				if e, ok := r.Config[k]; ok {
					cfg[k] = e.Value
				}
			}
		}
	}
	md, err := a.Metadata(&name, false, metadataTimeout)
	if err != nil {
		return cfg, 0, 0, fmt.Errorf("metadata of topic %s: %w", name, err)
	}
	t := md.Topics[name]
	rf = -1
	for _, p := range t.Partitions {
		if rf < 0 || len(p.Replicas) < rf {
			rf = len(p.Replicas)
		}
	}
	if rf < 0 {
		rf = 0
	}
	return cfg, rf, len(t.Partitions), nil
}
