package safety

// `kbench clean`: delete the topics one run left behind, found by the prefix and the run id in
// their names, and nothing else.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
)

// CleanOptions say which run's topics `kbench clean` deletes and how to reach the cluster.
type CleanOptions struct {
	Bootstrap   string
	Client      *kafkaconf.ClientConfig
	RunID       string        // required
	TopicPrefix string        // "": DefaultTopicPrefix
	DryRun      bool          // list, delete nothing
	Out         io.Writer     // one line per topic (nil: none)
	Driver      driver.Driver // makes the clients
}

// Clean deletes the topics of one run, the ones a crashed or killed kbench left behind: every
// topic whose name starts with the prefix and the run id. It asks nothing and prints each topic
// before deleting it; with DryRun it only prints. It returns the topics it found.
func Clean(ctx context.Context, o CleanOptions) ([]string, error) {
	if strings.TrimSpace(o.RunID) == "" {
		return nil, BadInput(errors.New("clean needs --run ID (the run id in the topic names and in index.json)"))
	}
	if err := CheckRunID(o.RunID); err != nil {
		return nil, BadInput(fmt.Errorf("clean --run: %w; delete such a run's topics by name (kafka-topics --delete)", err))
	}
	prefix := o.TopicPrefix
	if prefix == "" {
		prefix = DefaultTopicPrefix
	}
	conn, err := ResolveConn(o.Bootstrap, o.Client)
	if err != nil {
		return nil, err
	}
	if _, err := Probe(o.Driver, conn); err != nil {
		return nil, err
	}
	a, err := o.Driver.NewAdmin(conn.AdminConfig())
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	md, err := a.Metadata(nil, true, MetadataTimeout)
	if err != nil {
		return nil, fmt.Errorf("list topics on %s: %w", conn.Bootstrap, err)
	}
	want := RunTopicPrefix(prefix, o.RunID)
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	var topics []string
	for name := range md.Topics {
		if name == LeaseTopic(prefix) {
			// kbench's broker-settings lease topic holds every run's claims: never deleted; the
			// run's own claim is released if the run is gone.
			if err := releaseLeaseOf(ctx, o.Driver, conn, name, o.RunID, o.DryRun, out); err != nil {
				fmt.Fprintf(out, "broker-settings lease of run %s not checked: %v\n", o.RunID, err)
			}
			continue
		}
		if strings.HasPrefix(name, want) {
			topics = append(topics, name)
		}
	}
	sort.Strings(topics)
	if len(topics) == 0 {
		fmt.Fprintf(out, "no topics named %s* on %s\n", want, conn.Bootstrap)
		return nil, nil
	}
	verb := "deleting"
	if o.DryRun {
		verb = "would delete"
	}
	for _, t := range topics {
		fmt.Fprintf(out, "%s topic %s\n", verb, t)
	}
	if o.DryRun {
		return topics, nil
	}
	cctx, cancel := context.WithTimeout(ctx, CleanupTimeout)
	defer cancel()
	res, err := a.DeleteTopics(cctx, topics, driver.AdminOptions{OperationTimeout: CleanupTimeout})
	if err != nil {
		return topics, fmt.Errorf("delete topics: %w", err)
	}
	var errs []error
	for _, r := range res {
		if r.Error.Code() != driver.ErrNoError {
			e := fmt.Errorf("delete topic %s: %w", r.Topic, r.Error)
			if IsAuthz(r.Error) {
				e = fmt.Errorf("%w: %w", ErrNotPermitted, e)
			}
			errs = append(errs, e)
		}
	}
	return topics, errors.Join(errs...)
}
