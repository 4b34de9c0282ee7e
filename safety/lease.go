package safety

// The broker-settings lease: two runs that change the same broker setting at once leave it
// changed for good (each restores what it saw, and the second saw the first's value). So before
// its first broker-setting change a run takes a lease on the keys it will change: a record in a
// small compacted topic of kbench's own (<prefix>broker-settings-lease), keyed by run id, saying
// who holds it (run id, pid, host, since), which keys, and until when (renewed while the run
// lives). Kafka has no compare-and-set on a topic, so the topic's single partition orders the
// claims: a run writes its claim, reads the partition to its end, and holds the lease only if no
// live claim on an overlapping key came before its own; otherwise it withdraws its claim and is
// refused. A claim whose expiry passed, or whose process is gone (same host, pid dead), is stale:
// it is taken over with a warning. The lease is released (a tombstone) after the run's restore.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/profiles"
)

const (
	// leaseTTL is how long a claim lives without renewal: a run killed on another host blocks
	// others at most this long. leaseRenew is how often a live run renews it.
	leaseTTL   = 60 * time.Second
	leaseRenew = 15 * time.Second
	// leaseTopicSuffix follows the topic prefix in the lease topic's name.
	leaseTopicSuffix = "broker-settings-lease"
	// leaseReadBatch is how many records one poll of the lease topic reads at most.
	leaseReadBatch = 64
)

// ErrLeaseHeld says another live run holds the lease on a broker setting this run would change;
// nothing was changed.
var ErrLeaseHeld = errors.New("broker settings in use by another run")

// LeaseTopic is the name of the lease topic for a topic prefix ("": the default prefix).
func LeaseTopic(prefix string) string {
	if prefix == "" {
		prefix = DefaultTopicPrefix
	}
	return prefix + leaseTopicSuffix
}

// LeaseRecord is one claim, the value of a record keyed by RunID.
type LeaseRecord struct {
	RunID          string    `json:"run_id"`
	PID            int       `json:"pid"`
	Host           string    `json:"host"`
	Keys           []string  `json:"keys"`
	RollingRestart bool      `json:"rolling_restart,omitempty"` // changes static settings: conflicts with any other such run
	Since          time.Time `json:"since"`
	Expires        time.Time `json:"expires"`
	RestoreFile    string    `json:"restore_file,omitempty"` // on Host
	// ClaimOffset is where the claim was first written (renewals repeat it, so compaction of the
	// first record cannot reorder claims).
	ClaimOffset int64 `json:"claim_offset"`
}

// leaseEntry is the live state of one run's claim as read from the topic.
type leaseEntry struct {
	LeaseRecord
	offset int64 // the claim's order: ClaimOffset, else the offset of its first record
}

// conflicts says whether two claims cover a common setting.
func (r LeaseRecord) conflicts(o LeaseRecord) bool {
	if r.RollingRestart && o.RollingRestart {
		return true
	}
	for _, k := range r.Keys {
		if slices.Contains(o.Keys, k) {
			return true
		}
	}
	return false
}

// stale says whether a claim's run is gone: expired, or on this host with its process dead.
func (r LeaseRecord) stale(now time.Time, host string, alive func(int) bool) bool {
	return now.After(r.Expires) || (host != "" && r.Host == host && !alive(r.PID))
}

// describe names the run holding a claim, for the refusal and the takeover warning.
func (r LeaseRecord) describe() string {
	return fmt.Sprintf("run %s (pid %d on host %s, since %s, keys %s)", r.RunID, r.PID, r.Host,
		r.Since.UTC().Format(time.RFC3339), strings.Join(r.Keys, ", "))
}

// leaseProducerConfig makes a producer config one for lease records: every write acknowledged by
// the in-sync replicas, and none left queued beyond the bound the writer waits.
func leaseProducerConfig(cfg map[string]string) {
	cfg["client.id"], cfg["log_level"], cfg["acks"] = "kbench-lease", "0", "all"
	cfg["message.timeout.ms"] = fmt.Sprint(AdminTimeout.Milliseconds())
}

// pidAlive says whether a process with this id exists on this machine.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// decideLease judges mine (claimed at myOffset) against the claims read back: holder is a live
// conflicting claim made before mine (mine loses), stale are the conflicting claims of gone runs
// (taken over).
func decideLease(entries map[string]leaseEntry, mine LeaseRecord, myOffset int64, now time.Time, host string, alive func(int) bool) (holder *leaseEntry, stale []leaseEntry) {
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return entries[ids[i]].offset < entries[ids[j]].offset })
	for _, id := range ids {
		e := entries[id]
		if id == mine.RunID || !mine.conflicts(e.LeaseRecord) {
			continue
		}
		switch {
		case e.stale(now, host, alive):
			stale = append(stale, e)
		case e.offset < myOffset && holder == nil:
			holder = &e
		}
	}
	return holder, stale
}

// Lease is a lease this run holds; End gives it back.
type Lease struct {
	topic string
	rec   LeaseRecord
	p     driver.Producer
	stop  chan struct{}
	done  chan struct{}
}

// LeaseKeys are the broker settings the points change, and whether any is static.
func LeaseKeys(points []profiles.Point) (keys []string, static bool) {
	set := map[string]bool{}
	for _, p := range points {
		for k := range p.BrokerDynamicConfig() {
			set[k] = true
		}
		for k := range p.BrokerStaticConfig() {
			set[k], static = true, true
		}
	}
	return slices.Sorted(maps.Keys(set)), static
}

// AcquireLease makes sure the lease topic exists, claims, reads the claims back and decides.
func AcquireLease(ctx context.Context, d driver.Driver, a Admin, conn Conn, topic string, rec LeaseRecord, brokers int, warn func(string, ...any)) (*Lease, error) {
	if err := ensureLeaseTopic(ctx, a, topic, brokers); err != nil {
		return nil, err
	}
	cfg := conn.Base()
	leaseProducerConfig(cfg)
	p, err := d.NewProducer(cfg)
	if err != nil {
		return nil, fmt.Errorf("lease producer: %w", err)
	}
	l := &Lease{topic: topic, rec: rec, p: p}
	off, err := l.write(&rec)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("claim the broker-settings lease in topic %s: %w", topic, err)
	}
	l.rec.ClaimOffset = off
	entries, err := readLeases(ctx, d, conn, topic)
	if err != nil {
		_, _ = l.write(nil)
		p.Close()
		return nil, err
	}
	holder, stale := decideLease(entries, l.rec, off, time.Now(), rec.Host, pidAlive)
	if holder != nil {
		_, _ = l.write(nil)
		p.Close()
		return nil, fmt.Errorf("%w: %s holds the lease on the broker settings this run would change; nothing was changed (run again when it ends; a lease of a run that died expires %s after its last renewal)",
			ErrLeaseHeld, holder.describe(), leaseTTL)
	}
	for _, e := range stale {
		hint := ""
		if e.RestoreFile != "" {
			hint = fmt.Sprintf("; its settings may still be changed: run kbench restore %s (on host %s)", e.RestoreFile, e.Host)
		}
		warn("taking over the stale broker-settings lease of %s: that run is gone%s", e.describe(), hint)
		if _, err := l.writeFor(e.RunID, nil); err != nil {
			warn("could not remove the stale lease of run %s: %v", e.RunID, err)
		}
	}
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go l.renew(warn)
	return l, nil
}

// ensureLeaseTopic creates the lease topic if it does not exist: one partition (the order of
// claims), compacted (one record per run), replicated like the cluster allows.
func ensureLeaseTopic(ctx context.Context, a Admin, topic string, brokers int) error {
	rf := max(1, min(3, brokers))
	cfg := map[string]string{"cleanup.policy": "compact", "min.insync.replicas": fmt.Sprint(min(2, rf))}
	err := CreateTopic(ctx, a, topic, 1, rf, cfg)
	var ke driver.Error
	if err == nil || (errors.As(err, &ke) && ke.Code() == driver.ErrTopicAlreadyExists) {
		return nil
	}
	if IsAuthz(err) {
		return fmt.Errorf("%w: the broker-settings lease needs topic %s (create, read and write): %v; nothing was changed", ErrNotPermitted, topic, err)
	}
	return fmt.Errorf("broker-settings lease: %w", err)
}

// write writes this run's claim (nil: a tombstone, releasing it) and returns its offset.
func (l *Lease) write(rec *LeaseRecord) (int64, error) { return l.writeFor(l.rec.RunID, rec) }

// writeFor writes a claim (nil: tombstone) under runID and waits, bounded, for the broker's ack.
func (l *Lease) writeFor(runID string, rec *LeaseRecord) (int64, error) {
	var value []byte
	if rec != nil {
		var err error
		if value, err = json.Marshal(rec); err != nil {
			return 0, err
		}
	}
	return l.p.ProduceSync(&driver.Record{Topic: l.topic, Partition: 0, Key: []byte(runID), Value: value}, AdminTimeout)
}

// renew rewrites the claim with a later expiry every leaseRenew until release.
func (l *Lease) renew(warn func(string, ...any)) {
	defer close(l.done)
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			rec := l.rec
			rec.Expires = time.Now().UTC().Add(leaseTTL)
			if _, err := l.write(&rec); err != nil {
				warn("could not renew the broker-settings lease (%v): it expires at %s", err, l.rec.Expires.Format(time.RFC3339))
				continue
			}
			l.rec = rec
		}
	}
}

// End stops renewing; with release it also removes the claim (after the run's settings are
// back). Without release (settings not back) the claim stays until it expires, so another run
// meanwhile is refused or warned with this run's restore file.
func (l *Lease) End(release bool) error {
	if l == nil {
		return nil
	}
	close(l.stop)
	<-l.done
	defer l.p.Close()
	if !release {
		return nil
	}
	if _, err := l.write(nil); err != nil {
		return fmt.Errorf("release the broker-settings lease in %s: %w (it expires on its own within %s)", l.topic, err, leaseTTL)
	}
	return nil
}

// readLeases reads the lease topic to its end and returns the live claims by run id.
func readLeases(ctx context.Context, d driver.Driver, conn Conn, topic string) (map[string]leaseEntry, error) {
	// The reader's group id carries the prefix (shared clusters grant groups by prefix); it only
	// assigns, so the group is never joined and nothing is committed.
	c, err := d.NewConsumer(conn.ReaderConfig(topic + "-reader"))
	if err != nil {
		return nil, fmt.Errorf("lease reader: %w", err)
	}
	defer driver.CloseBounded(func() { _ = c.Close() }, 10*time.Second)
	_, hi, err := c.QueryWatermarks(topic, 0, MetadataTimeout)
	if err != nil {
		return nil, fmt.Errorf("read the broker-settings leases in %s: %w", topic, err)
	}
	entries := map[string]leaseEntry{}
	if hi <= 0 {
		return entries, nil
	}
	if err := c.Assign([]driver.TopicPartition{{Topic: topic, Partition: 0, Offset: driver.OffsetBeginning}}); err != nil {
		return nil, fmt.Errorf("read the broker-settings leases in %s: %w", topic, err)
	}
	deadline := time.Now().Add(AdminTimeout)
	batch := make([]driver.Message, leaseReadBatch)
	for {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("read the broker-settings leases in %s: not read to its end (offset %d) within %s", topic, hi, AdminTimeout)
		}
		n, _ := c.Poll(100*time.Millisecond, batch)
		for _, m := range batch[:n] {
			applyLeaseRecord(entries, string(m.Key), m.Value, m.Offset)
			if m.Offset+1 >= hi {
				return entries, nil
			}
		}
	}
}

// applyLeaseRecord folds one record into the claims: a tombstone (or an unreadable value)
// removes the run's claim; a renewal keeps the claim's first offset.
func applyLeaseRecord(entries map[string]leaseEntry, key string, value []byte, offset int64) {
	var r LeaseRecord
	if len(value) == 0 || json.Unmarshal(value, &r) != nil || r.RunID != key {
		delete(entries, key)
		return
	}
	e := leaseEntry{LeaseRecord: r, offset: offset}
	if old, ok := entries[key]; ok {
		e.offset = old.offset
	}
	if r.ClaimOffset >= 0 && r.ClaimOffset < e.offset {
		e.offset = r.ClaimOffset
	}
	entries[key] = e
}

// releaseLeaseOf removes the claim of run runID from the lease topic when that run is gone
// (restore and clean: a killed run never released it). A live claim is left, and said.
func releaseLeaseOf(ctx context.Context, d driver.Driver, conn Conn, topic, runID string, dryRun bool, out io.Writer) error {
	entries, err := readLeases(ctx, d, conn, topic)
	if err != nil {
		return err
	}
	e, ok := entries[runID]
	if !ok {
		return nil
	}
	if !e.stale(time.Now(), HostName(), pidAlive) && !(e.Host == HostName() && e.PID == os.Getpid()) {
		fmt.Fprintf(out, "the broker-settings lease of %s is live: left in place\n", e.describe())
		return nil
	}
	if dryRun {
		fmt.Fprintf(out, "would release the broker-settings lease of %s\n", e.describe())
		return nil
	}
	cfg := conn.Base()
	leaseProducerConfig(cfg)
	p, err := d.NewProducer(cfg)
	if err != nil {
		return fmt.Errorf("lease producer: %w", err)
	}
	defer p.Close()
	l := &Lease{topic: topic, p: p}
	if _, err := l.writeFor(runID, nil); err != nil {
		return err
	}
	fmt.Fprintf(out, "released the broker-settings lease of %s\n", e.describe())
	return nil
}

// NewClaim is this process's claim on keys for run runID (static: it restarts brokers), naming
// the run's restore file for whoever takes a stale claim over.
func NewClaim(runID string, keys []string, static bool, restoreFile string) LeaseRecord {
	now := time.Now().UTC()
	return LeaseRecord{RunID: runID, PID: os.Getpid(), Host: HostName(), Keys: keys, RollingRestart: static,
		Since: now, Expires: now.Add(leaseTTL), RestoreFile: restoreFile, ClaimOffset: -1}
}

// Claims reads the lease topic to its end and returns the live claims by run id (what a run
// holds, for tests and diagnostics).
func Claims(ctx context.Context, d driver.Driver, conn Conn, topic string) (map[string]LeaseRecord, error) {
	entries, err := readLeases(ctx, d, conn, topic)
	if err != nil {
		return nil, err
	}
	out := make(map[string]LeaseRecord, len(entries))
	for id, e := range entries {
		out[id] = e.LeaseRecord
	}
	return out, nil
}

// WriteClaim writes rec (nil: a tombstone) as run runID's claim through p and returns its
// offset: a claim as another process would have left it.
func WriteClaim(p driver.Producer, topic, runID string, rec *LeaseRecord) (int64, error) {
	return (&Lease{topic: topic, p: p}).writeFor(runID, rec)
}
