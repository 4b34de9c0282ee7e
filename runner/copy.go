package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/safety"
	"github.com/kbench/kbench/stats"
)

// The copy pipeline in a point's life (pipeline: copy). The producers fill the point's topic (the
// input); copier worker processes (copier.go, copypool.go), one per workload consumer, copy it
// into the output topic in transactions; the measuring consumers, in kbench's process, read the
// output with read_committed, so end-to-end latency runs from the producer's send to the
// read of the copy. The audit's verification read is of the output (read_committed), by record
// identity against the producers' ledgers; the copier tags in it find a zombie's writes. A
// consumer fault target (consumer:N) hits copier N, so one fault schedule crashes "the
// consuming application" at every level of the delivery-semantics profile.

// copyState is the copy pipeline's part of a measurement (zero: pipeline direct).
type copyState struct {
	out   *topicLease
	pool  *copierPool
	group string
	tags  *audit.CopyTags
	// caughtUp says the copiers had copied everything when the drain ended.
	caughtUp bool
}

// outputTopicName is the copy pipeline's output topic of a point: the point's own name with
// "-out", so `kbench clean --run` finds it with the input.
func outputTopicName(prefix, runID, pointID string) string {
	return safety.TopicName(prefix, runID, pointID+"-out")
}

// copierTransactionalID is copier slot i's transactional.id: stable per slot, so a replacement
// fences the instance it replaces.
func copierTransactionalID(runID, pointID string, i int) string {
	return fmt.Sprintf("%s-copier-%d", topicName(runID, pointID), i)
}

// setupCopy creates the output topic and starts the copiers.
func (m *measurement) setupCopy(ctx context.Context) error {
	if m.lease != nil && m.lease.existing {
		return errors.New("pipeline copy runs on a fresh topic: not with --existing-topic")
	}
	s := m.s
	name := outputTopicName(s.opts.topicPrefix(), s.runID, m.p.ID)
	if err := safety.CreateTopic(ctx, s.admin, name, m.partitions, m.p.TopicReplicationFactor(), m.p.TopicConfig()); err != nil {
		return fmt.Errorf("create the copy pipeline's output topic: %w", err)
	}
	if s.created == nil {
		s.created = map[string]bool{}
	}
	s.created[name] = true
	m.cp.out = &topicLease{name: name, partitions: m.partitions}
	m.cp.group = m.group + "-copy"
	command := s.opts.WorkerCommand
	if len(command) == 0 {
		var err error
		if command, err = defaultWorkerCommand(); err != nil {
			return err
		}
	}
	m.cp.pool = newCopierPool(command, m.p.Workload.Consumers, m.copierSpec)
	spec := m.copierSpec(0, 0)
	m.note("pipeline copy: %d copier processes (client %s) read %s (read_committed, group %s) and write %s in transactions of up to %d records or %d ms with their offsets; transactional.id %s to -%d; copier transaction.timeout.ms %s",
		m.p.Workload.Consumers, spec.Client, m.topic, m.cp.group, name, copierTxnRecords, copierTxnMs, spec.Producer["transactional.id"], m.p.Workload.Consumers-1, spec.Producer["transaction.timeout.ms"])
	for i := range m.p.Workload.Consumers {
		if _, err := m.cp.pool.start(i); err != nil {
			return err
		}
	}
	return nil
}

// copierSpec is copier slot i's spec for its process instance.
func (m *measurement) copierSpec(i int, instance uint32) CopierSpec {
	ccfg := consumerConfig(m.s.conn, m.p, m.cp.group, fmt.Sprintf("kbench-copier-%d", i))
	ccfg["isolation.level"] = string(profiles.ReadCommitted)
	ccfg["enable.auto.commit"] = "false"
	ccfg["auto.offset.reset"] = "earliest"
	// Static membership: the replacement takes its predecessor's partitions at once, and a
	// zombie's member id is fenced by it.
	ccfg["group.instance.id"] = fmt.Sprintf("%s-member-%d", m.cp.group, i)
	pcfg := producerConfig(m.s.conn, m.p, fmt.Sprintf("kbench-copier-%d", i))
	pcfg = maps.Clone(pcfg)
	pcfg["transactional.id"] = copierTransactionalID(m.s.runID, m.p.ID, i)
	pcfg["acks"], pcfg["enable.idempotence"] = "all", "true"
	delete(pcfg, "request.required.acks")
	if _, ok := pcfg["transaction.timeout.ms"]; !ok {
		pcfg["transaction.timeout.ms"] = strconv.Itoa(copierTxnTimeoutMs)
	}
	// librdkafka refuses a transactional producer whose delivery timeout exceeds its
	// transaction timeout.
	txnTimeout, _ := strconv.Atoi(pcfg["transaction.timeout.ms"])
	for _, k := range []string{"delivery.timeout.ms", "message.timeout.ms"} {
		if v, err := strconv.Atoi(pcfg[k]); err == nil && txnTimeout > 0 && v > txnTimeout {
			pcfg[k] = strconv.Itoa(txnTimeout)
		}
	}
	return CopierSpec{Consumer: ccfg, Producer: pcfg, Input: m.topic, Output: m.cp.out.name, Instance: instance,
		TxnRecords: copierTxnRecords, TxnMs: copierTxnMs, Client: m.p.ProducerClient()}
}

// consumerTopic is the topic the measuring consumers read: the output with the copy pipeline.
func (m *measurement) consumerTopic() string {
	if m.cp.out != nil {
		return m.cp.out.name
	}
	return m.topic
}

// waitCopiersAssigned waits (bounded) until the copiers hold every input partition, each copier
// some when there are enough (the group's rebalance as the second copier joins must be over
// before the measured phase, or the first faults hit an idle copier).
func (m *measurement) waitCopiersAssigned(ctx context.Context, limit time.Duration) {
	if m.cp.pool == nil {
		return
	}
	deadline := time.Now().Add(limit)
	for !m.cp.pool.allAssigned(m.partitions) {
		if ctx.Err() != nil || time.Now().After(deadline) {
			m.note("copiers did not get every input partition within %s; end-to-end latency includes their join", limit)
			return
		}
		time.Sleep(50 * time.Millisecond) // status frames come every 100 ms
	}
}

// waitCopiersCaughtUp is the copy pipeline's drain: bounded wait until the live copiers hold
// every partition, are at the input's end and have no open transaction.
func (m *measurement) waitCopiersCaughtUp(ctx context.Context, limit time.Duration) {
	if m.cp.pool == nil || ctx.Err() != nil {
		return
	}
	deadline := time.Now().Add(limit)
	for !m.cp.pool.caughtUp(m.partitions) {
		if ctx.Err() != nil || time.Now().After(deadline) {
			m.note("copiers had not copied everything within %s (missing counts may include records still uncopied)", limit)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.cp.caughtUp = true
}

// copyFaultConfig gives the fault schedule the copiers (also as the consumer target) and the
// coordinator lookup.
func (m *measurement) copyFaultConfig(cfg *copyFaultTargets) {
	if m.cp.pool != nil {
		cfg.copiers = copierFaults{m.cp.pool}
		txnID := copierTransactionalID(m.s.runID, m.p.ID, 0)
		cfg.coordinator = func(ctx context.Context) (int, error) { return transactionCoordinator(ctx, m.s.conn, txnID) }
		return
	}
	if m.p.Transactional() {
		txnID := transactionalID(m.s.runID, m.p.ID, 0)
		cfg.coordinator = func(ctx context.Context) (int, error) { return transactionCoordinator(ctx, m.s.conn, txnID) }
	}
}

// copyFaultTargets is what copyFaultConfig fills.
type copyFaultTargets struct {
	copiers     copierFaults
	coordinator func(context.Context) (int, error)
}

// copierFaults adapts the pool to faults.CopierFaults (and, for consumer:N, ConsumerCrasher).
type copierFaults struct{ p *copierPool }

func (c copierFaults) Kill(i int) (string, error)          { return c.p.kill(i) }
func (c copierFaults) Start(i int) (string, error)         { return c.p.start(i) }
func (c copierFaults) Pause(i int) (string, error)         { return c.p.pause(i) }
func (c copierFaults) Resume(i int) (string, error)        { return c.p.resume(i) }
func (c copierFaults) Zombie(i int) (string, error)        { return c.p.zombie(i) }
func (c copierFaults) ReleaseZombie(i int) (string, error) { return c.p.releaseZombie(i) }

// copyTap collects the copier tags of the output records the verification read returns.
func (m *measurement) copyTap() func(h record.Header, value []byte) {
	if m.cp.pool == nil {
		return nil
	}
	m.cp.tags = audit.NewCopyTags()
	return func(h record.Header, value []byte) {
		t, _ := record.DecodeCopyTag(value)
		m.cp.tags.Observe(t, h.Producer, h.Seq)
	}
}

// auditCopy fills the copy pipeline's account once the output has been read and reconciled,
// and the delivery-semantics figures (skipped, redelivered, duplicated) of its consumer audit.
func (m *measurement) auditCopy() {
	if m.cp.pool == nil {
		return
	}
	c, instances, copied := m.cp.pool.account()
	c.InputTopic, c.OutputTopic = m.topic, m.cp.out.name
	c.TxnTimeoutMs, _ = strconv.Atoi(m.copierSpec(0, 0).Producer["transaction.timeout.ms"])
	audit.CopyOutput(&c, &m.res.Audit, m.cp.tags, instances, copied)
	m.res.CopyAudit = &c
	processedUnique := int64(0)
	if all := audit.NewVerifier(); len(copied) > 0 {
		for _, v := range copied {
			all.Merge(v)
		}
		processedUnique = all.Observed() - c.Redelivered
	}
	ca := stats.ConsumerAudit{CommitMode: "transactional (copy)", Workers: c.Copiers, Crashes: c.Kills + c.Zombies,
		Processed: c.CopyEvents, ProcessedUnique: processedUnique, Redelivered: c.Redelivered, CaughtUp: m.cp.caughtUp}
	if c.Missing != nil {
		ca.Skipped = *c.Missing
	}
	dups := c.Duplicates
	ca.Duplicated = &dups
	m.res.ConsumerAudit = &ca
	for _, p := range m.cp.pool.all {
		if tail := tailString(p.stderr.String(), outputTailBytes); tail != "" {
			m.note("copier %d (instance %d) stderr: %s", p.slot, p.inst, tail)
		}
	}
	if c.ZombieVisible > 0 {
		m.note("DEFECT: %d records written by a fenced copier visible to read_committed readers", c.ZombieVisible)
	}
}

// releaseCopyOutput deletes the output topic if, and only if, this run created it.
func (m *measurement) releaseCopyOutput() {
	if m.cp.out == nil {
		return
	}
	if err := m.s.release(m.cp.out); err != nil {
		m.note("topic left behind: %v", err)
	}
}
