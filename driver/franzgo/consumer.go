package franzgo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kbench/kbench/driver"
)

// Consumer is a franz-go consumer behind the seam. It starts as a direct (group-less) client,
// which serves Assign, metadata and watermarks; Subscribe replaces it with a group client
// (franz-go fixes the group when a client is created).
//
// Poll asks franz-go for at most len(batch) records (PollRecords) and copies them into the
// caller's slice: no allocation per record beyond franz-go's own. Positions and watermarks are
// tracked per partition from what Poll returned (one map update per partition per poll).
type Consumer struct {
	s     *settings
	cfg   props
	cl    *kgo.Client
	adm   *kadm.Client
	group bool // subscribed: cl is a group client

	mu       sync.Mutex // guards parts and assigned (Assignment may run beside Poll)
	parts    map[partKey]*partState
	assigned map[partKey]struct{}

	pending []*kgo.Record // records franz-go returned beyond the caller's batch
	mark    map[string]map[int32]kgo.EpochOffset
}

type partKey struct {
	topic string
	part  int32
}

// partState is what Poll saw of one partition: the next offset, the watermarks.
type partState struct {
	pos, lo, hi int64
	seen        bool // a fetch reported the watermarks
}

// NewConsumer creates a consumer from librdkafka properties.
func NewConsumer(cfg map[string]string) (*Consumer, error) {
	s, err := readSettings(cfg, roleConsumer)
	if err != nil {
		return nil, err
	}
	// Transaction markers come back as control records, which Poll skips: they move a
	// partition's position past the marker that ends it, so a reader knows it has read
	// everything up to the high watermark (librdkafka's position does the same).
	s.opts = append(s.opts, kgo.KeepControlRecords())
	s.effective["kgo.KeepControlRecords"] = "yes (skipped by Poll; they advance the position)"
	c := &Consumer{s: s, cfg: props(cfg), parts: map[partKey]*partState{}, assigned: map[partKey]struct{}{},
		mark: map[string]map[int32]kgo.EpochOffset{}}
	if c.cl, err = kgo.NewClient(s.opts...); err != nil {
		return nil, fmt.Errorf("franz-go consumer: %w", err)
	}
	c.adm = kadm.NewClient(c.cl)
	return c, nil
}

// Effective is the configuration franz-go runs with, as option=value.
func (c *Consumer) Effective() map[string]string { return c.s.effective }

// Subscribe joins the configured group on topic.
func (c *Consumer) Subscribe(topic string) error {
	if c.group {
		return errors.New("franz-go consumer: already subscribed")
	}
	gopts, err := c.s.groupOpts(c.cfg)
	if err != nil {
		return err
	}
	opts := append(append([]kgo.Opt(nil), c.s.opts...), gopts...)
	opts = append(opts, kgo.ConsumeTopics(topic),
		kgo.OnPartitionsAssigned(c.onAssigned), kgo.OnPartitionsRevoked(c.onRevoked), kgo.OnPartitionsLost(c.onLost))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("franz-go consumer: %w", err)
	}
	old := c.cl
	c.cl, c.adm, c.group = cl, kadm.NewClient(cl), true
	old.Close()
	return nil
}

func (c *Consumer) onAssigned(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, ps := range m {
		for _, p := range ps {
			c.assigned[partKey{t, p}] = struct{}{}
		}
	}
}

// onRevoked commits what librdkafka's auto commit would on a rebalance (the consumed or the
// stored offsets) and forgets the partitions; without auto commit nothing is committed, so a
// revoked partition's unprocessed records are delivered again (commit after processing).
func (c *Consumer) onRevoked(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
	if c.s.autoCmt {
		if c.s.autoStore {
			_ = cl.CommitUncommittedOffsets(ctx)
		} else {
			_ = cl.CommitMarkedOffsets(ctx)
		}
	}
	c.onLost(ctx, cl, m)
}

func (c *Consumer) onLost(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, ps := range m {
		for _, p := range ps {
			delete(c.assigned, partKey{t, p})
			delete(c.parts, partKey{t, p})
			delete(c.mark[t], p)
		}
	}
}

// Assign reads the given partitions from their offsets, replacing the previous assignment.
func (c *Consumer) Assign(parts []driver.TopicPartition) error {
	if c.group {
		return errors.New("franz-go consumer: Assign after Subscribe")
	}
	c.mu.Lock()
	old := map[string][]int32{}
	for k := range c.assigned {
		old[k.topic] = append(old[k.topic], k.part)
	}
	clear(c.assigned)
	clear(c.parts)
	add := map[string]map[int32]kgo.Offset{}
	for _, tp := range parts {
		if add[tp.Topic] == nil {
			add[tp.Topic] = map[int32]kgo.Offset{}
		}
		add[tp.Topic][tp.Partition] = startOffset(tp.Offset)
		c.assigned[partKey{tp.Topic, tp.Partition}] = struct{}{}
	}
	c.mu.Unlock()
	if len(old) > 0 {
		c.cl.RemoveConsumePartitions(old)
	}
	c.cl.AddConsumePartitions(add)
	return nil
}

func startOffset(o int64) kgo.Offset {
	switch o {
	case driver.OffsetBeginning:
		return kgo.NewOffset().AtStart()
	case driver.OffsetEnd, driver.OffsetInvalid:
		return kgo.NewOffset().AtEnd()
	}
	return kgo.NewOffset().At(o)
}

// Poll fills batch with up to len(batch) records, waiting up to timeout when none is ready.
func (c *Consumer) Poll(timeout time.Duration, batch []driver.Message) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	if len(c.pending) > 0 {
		return c.drainPending(batch), nil
	}
	// A nil context is franz-go's documented "drain what is buffered, do not wait" (a canceled
	// one returns no records), and it spares a timer per poll while records are ready.
	//lint:ignore SA1012 see above
	fs := c.cl.PollRecords(nil, len(batch))
	if fs.NumRecords() == 0 && len(fs.Errors()) == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		fs = c.cl.PollRecords(ctx, len(batch))
		cancel()
	}
	return c.fill(fs, batch)
}

// fill copies fs's records into batch (the rest to pending) and updates positions and
// watermarks; the first error other than the poll's own timeout comes back with the records.
func (c *Consumer) fill(fs kgo.Fetches, batch []driver.Message) (int, error) {
	n := 0
	var ferr error
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range fs {
		for j := range fs[i].Topics {
			t := &fs[i].Topics[j]
			for k := range t.Partitions {
				p := &t.Partitions[k]
				if p.Err != nil {
					if ferr == nil && !errors.Is(p.Err, context.DeadlineExceeded) && !errors.Is(p.Err, context.Canceled) {
						ferr = toError(p.Err)
					}
					continue
				}
				st := c.part(t.Topic, p.Partition)
				if p.HighWatermark >= 0 {
					st.hi, st.lo, st.seen = p.HighWatermark, p.LogStartOffset, true
				}
				for _, r := range p.Records {
					if n == len(batch) {
						c.pending = append(c.pending, r)
						continue
					}
					if r.Attrs.IsControl() {
						st.pos = r.Offset + 1
						continue
					}
					m := &batch[n]
					m.Topic, m.Partition, m.Offset = t.Topic, p.Partition, r.Offset
					m.Key, m.Value, m.Timestamp = r.Key, r.Value, r.Timestamp
					st.pos = r.Offset + 1
					n++
				}
			}
		}
	}
	return n, ferr
}

// drainPending hands over records kept from an earlier poll.
func (c *Consumer) drainPending(batch []driver.Message) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, used := 0, 0
	for n < len(batch) && used < len(c.pending) {
		r := c.pending[used]
		used++
		c.part(r.Topic, r.Partition).pos = r.Offset + 1
		if r.Attrs.IsControl() {
			continue
		}
		m := &batch[n]
		m.Topic, m.Partition, m.Offset = r.Topic, r.Partition, r.Offset
		m.Key, m.Value, m.Timestamp = r.Key, r.Value, r.Timestamp
		n++
	}
	rest := copy(c.pending, c.pending[used:])
	clear(c.pending[rest:])
	c.pending = c.pending[:rest]
	return n
}

// part is the state of one partition (c.mu held).
func (c *Consumer) part(topic string, p int32) *partState {
	k := partKey{topic, p}
	st := c.parts[k]
	if st == nil {
		st = &partState{pos: driver.OffsetInvalid, lo: driver.OffsetInvalid, hi: driver.OffsetInvalid}
		c.parts[k] = st
	}
	return st
}

// StoreOffsets marks offsets as processed (enable.auto.offset.store=false) for the next Commit
// (or the next auto commit).
func (c *Consumer) StoreOffsets(offsets []driver.TopicPartition) error {
	if !c.group {
		return errors.New("franz-go consumer: StoreOffsets needs a group (Subscribe)")
	}
	if c.s.autoStore {
		return driver.NewError(driver.ErrInvalidArg, "_INVALID_ARG", "StoreOffsets needs enable.auto.offset.store=false", driver.DefinitelyFailed, false, false)
	}
	c.mu.Lock()
	for _, tp := range offsets {
		m := c.mark[tp.Topic]
		if m == nil {
			m = map[int32]kgo.EpochOffset{}
			c.mark[tp.Topic] = m
		}
		m[tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: tp.Offset}
	}
	c.mu.Unlock()
	if !c.s.autoCmt {
		return nil // kept in c.mark until Commit (franz-go marks only with auto commit on)
	}
	c.cl.MarkCommitOffsets(c.mark)
	for _, tp := range offsets {
		delete(c.mark[tp.Topic], tp.Partition)
	}
	return nil
}

// commitStored commits the offsets StoreOffsets kept (auto commit off) and forgets them.
func (c *Consumer) commitStored(ctx context.Context) error {
	c.mu.Lock()
	offs := map[string]map[int32]kgo.EpochOffset{}
	for t, ps := range c.mark {
		if len(ps) > 0 {
			offs[t] = maps.Clone(ps)
		}
	}
	c.mu.Unlock()
	if len(offs) == 0 {
		return nil
	}
	var cerr error
	c.cl.CommitOffsetsSync(ctx, offs, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if cerr == nil && p.ErrorCode != 0 {
					cerr = kerr.ErrorForCode(p.ErrorCode)
				}
			}
		}
	})
	if cerr != nil {
		return wrap(cerr)
	}
	c.mu.Lock()
	for t, ps := range offs {
		for p, o := range ps {
			if cur, ok := c.mark[t][p]; ok && cur == o {
				delete(c.mark[t], p)
			}
		}
	}
	c.mu.Unlock()
	return nil
}

// Commit commits synchronously: the stored offsets (enable.auto.offset.store=false), else
// everything Poll has returned.
func (c *Consumer) Commit() error {
	if !c.group {
		return errors.New("franz-go consumer: Commit needs a group (Subscribe)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch {
	case c.s.autoStore:
		return wrap(c.cl.CommitUncommittedOffsets(ctx))
	case c.s.autoCmt:
		return wrap(c.cl.CommitMarkedOffsets(ctx))
	}
	return c.commitStored(ctx)
}

// Assignment is the current assignment, in topic and partition order.
func (c *Consumer) Assignment() ([]driver.TopicPartition, error) {
	c.mu.Lock()
	out := make([]driver.TopicPartition, 0, len(c.assigned))
	for k := range c.assigned {
		out = append(out, driver.TopicPartition{Topic: k.topic, Partition: k.part, Offset: driver.OffsetInvalid})
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b driver.TopicPartition) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition - b.Partition)
	})
	return out, nil
}

// Position is the next offset per partition after what Poll returned (OffsetInvalid: none yet).
func (c *Consumer) Position(parts []driver.TopicPartition) ([]driver.TopicPartition, error) {
	out := slices.Clone(parts)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range out {
		out[i].Offset = driver.OffsetInvalid
		if st := c.parts[partKey{out[i].Topic, out[i].Partition}]; st != nil {
			out[i].Offset = st.pos
		}
	}
	return out, nil
}

// Committed asks the group coordinator for the committed offsets (OffsetInvalid: none).
func (c *Consumer) Committed(parts []driver.TopicPartition, timeout time.Duration) ([]driver.TopicPartition, error) {
	if c.s.group == "" {
		return nil, errors.New("franz-go consumer: Committed needs group.id")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := c.adm.FetchOffsets(ctx, c.s.group)
	if err != nil {
		return nil, wrap(err)
	}
	out := slices.Clone(parts)
	for i := range out {
		out[i].Offset = driver.OffsetInvalid
		if o, ok := res.Lookup(out[i].Topic, out[i].Partition); ok {
			if o.Err != nil {
				out[i].Err = toError(o.Err)
			} else if o.At >= 0 {
				out[i].Offset = o.At
			}
		}
	}
	return out, nil
}

// CachedWatermarks are the watermarks of the partition's last fetch; an error when no fetch
// has reported them yet (an unknown is not a zero).
func (c *Consumer) CachedWatermarks(topic string, partition int32) (int64, int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.parts[partKey{topic, partition}]
	if st == nil || !st.seen {
		return driver.OffsetInvalid, driver.OffsetInvalid, fmt.Errorf("no fetch of %s/%d yet", topic, partition)
	}
	return st.lo, st.hi, nil
}

// QueryWatermarks asks the partition's leader (ListOffsets, earliest and latest).
func (c *Consumer) QueryWatermarks(topic string, partition int32, timeout time.Duration) (int64, int64, error) {
	return queryWatermarks(c.adm, topic, partition, timeout)
}

func queryWatermarks(adm *kadm.Client, topic string, partition int32, timeout time.Duration) (int64, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	lo, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return 0, 0, wrap(err)
	}
	hi, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, 0, wrap(err)
	}
	l, okL := lo.Lookup(topic, partition)
	h, okH := hi.Lookup(topic, partition)
	if !okL || !okH {
		return 0, 0, toError(fmt.Errorf("watermarks of %s/%d: %w", topic, partition, kerr.UnknownTopicOrPartition))
	}
	if l.Err != nil {
		return 0, 0, toError(l.Err)
	}
	if h.Err != nil {
		return 0, 0, toError(h.Err)
	}
	return l.Offset, h.Offset, nil
}

// Metadata asks the cluster for metadata.
func (c *Consumer) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	return metadata(c.cl, topic, all, timeout)
}

// Close leaves the group (if any) and closes the client.
func (c *Consumer) Close() error {
	c.cl.Close()
	return nil
}
