package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/driver/franzgo"
	"github.com/kbench/kbench/stats"
)

// Hanging transactions. A read_committed reader reads only below a partition's last stable
// offset, the first offset of the oldest transaction still open there. A transaction whose
// coordinator will never end it (the coordinator lost it in a power loss of every broker, so
// the transactional.id maps to a new producer id) holds that offset back for good, and the
// verification read stalls in front of it. When a read_committed read did not complete, kbench
// asks the cluster which transactions are open on the partitions it did not finish and what
// their coordinators know of them, and names them. It aborts nothing: the user gets Kafka's
// command. The loss stays unknown (a hang is not a measured loss).

// openTxnTimeout bounds the questions (DescribeProducers, ListTransactions, DescribeTransactions).
const openTxnTimeout = 15 * time.Second

// activeTxnStates are the coordinator states in which it will still write the partitions'
// commit or abort markers itself.
var activeTxnStates = map[string]bool{"Ongoing": true, "PrepareCommit": true, "PrepareAbort": true, "PrepareEpochFence": true}

// unfinishedPartitions are the partitions read did not read to their high watermark.
func unfinishedPartitions(read *stats.VerificationRead) []int32 {
	var ps []int32
	for _, p := range read.Partitions {
		if p.HighWatermark < 0 || p.ReachedOffset < p.HighWatermark {
			ps = append(ps, p.Partition)
		}
	}
	return ps
}

// classifyOpenTransactions says, for each open transaction, what its coordinator knows and
// whether it hangs (Kafka's own rule in kafka-transactions find-hanging: no transactional.id
// holds the producer id, or it holds another epoch, is not in a state that ends transactions,
// or does not list the partition). own are the point's transactional.ids: for a producer id no
// coordinator knows, NowMapsTo says which producer ids they hold now. bootstrap and topic
// make the abort command of a hanging transaction.
func classifyOpenTransactions(open []driver.OpenTransaction, coord []driver.CoordinatorTransaction, own []string, topic, bootstrap string) []stats.OpenTransaction {
	byProducer := map[int64]driver.CoordinatorTransaction{}
	byID := map[string]driver.CoordinatorTransaction{}
	for _, c := range coord {
		byProducer[c.ProducerID] = c
		byID[c.TransactionalID] = c
	}
	out := make([]stats.OpenTransaction, 0, len(open))
	for _, o := range open {
		s := stats.OpenTransaction{Partition: o.Partition, ProducerID: o.ProducerID, ProducerEpoch: o.ProducerEpoch, StartOffset: o.StartOffset}
		if !o.LastWrite.IsZero() {
			t := o.LastWrite.UTC()
			s.LastWrite = &t
		}
		c, known := byProducer[o.ProducerID]
		if known {
			s.TransactionalID, s.CoordinatorState = c.TransactionalID, c.State
			s.Hanging = c.ProducerEpoch != o.ProducerEpoch || !activeTxnStates[c.State] || !listsPartition(c.Partitions, topic, o.Partition)
		} else {
			s.Hanging = true
			for _, id := range own {
				if c, ok := byID[id]; ok {
					if s.NowMapsTo == nil {
						s.NowMapsTo = map[string]int64{}
					}
					s.NowMapsTo[id] = c.ProducerID
				}
			}
		}
		if s.Hanging {
			s.AbortCommand = fmt.Sprintf("kafka-transactions.sh --bootstrap-server %s abort --topic %s --partition %d --start-offset %d", bootstrap, topic, o.Partition, o.StartOffset)
		}
		out = append(out, s)
	}
	return out
}

func listsPartition(tps []driver.TopicPartition, topic string, p int32) bool {
	for _, tp := range tps {
		if tp.Topic == topic && tp.Partition == p {
			return true
		}
	}
	return false
}

// describeOpenTransaction is the note for one open transaction: what holds the read back, and
// for a hanging one, what it hides and how to end it.
func describeOpenTransaction(o stats.OpenTransaction) string {
	since := ""
	if o.LastWrite != nil {
		since = " since " + o.LastWrite.Format(time.RFC3339Nano)
	}
	head := fmt.Sprintf("partition %d holds producer %d's transaction (epoch %d) open from offset %d%s", o.Partition, o.ProducerID, o.ProducerEpoch, o.StartOffset, since)
	if !o.Hanging {
		return fmt.Sprintf("open transaction: %s, %s at its coordinator (transactional.id %s): the last stable offset waits for it to commit or abort (at the latest transaction.timeout.ms after it began)", head, o.CoordinatorState, o.TransactionalID)
	}
	var why string
	switch {
	case o.TransactionalID != "":
		why = fmt.Sprintf("which its coordinator does not end (transactional.id %s is %s there, without this partition or at another epoch)", o.TransactionalID, o.CoordinatorState)
	case len(o.NowMapsTo) > 0:
		var maps []string
		for _, id := range sortedKeys(o.NowMapsTo) {
			maps = append(maps, fmt.Sprintf("%s now maps to producer %d", id, o.NowMapsTo[id]))
		}
		why = fmt.Sprintf("unknown to its coordinator (transactional.id %s)", strings.Join(maps, ", "))
	default:
		why = "unknown to its coordinator (no transactional.id holds that producer id)"
	}
	return fmt.Sprintf("hanging transaction: %s, %s: the last stable offset cannot pass it; records committed after it are invisible to read_committed readers until it is aborted (`%s`; kbench does not abort it)", head, why, o.AbortCommand)
}

// checkOpenTransactions asks the cluster, after a read_committed read of topic stopped short,
// which transactions are open on the partitions it did not finish, and records them in read
// with a note each. The session's admin asks when it can; librdkafka's Go client has no
// DescribeProducers, so a franz-go admin client does (whatever the point's clients), and the
// note says so. A failure leaves "not checked: <why>", never "none open".
func (m *measurement) checkOpenTransactions(ctx context.Context, topic string, own []string, read *stats.VerificationRead) {
	parts := unfinishedPartitions(read)
	if len(parts) == 0 {
		return
	}
	insp, ok := m.s.admin.(driver.TransactionInspector)
	if !ok {
		a, err := franzgo.NewAdmin(adminConfig(m.s.conn))
		if err != nil {
			read.TransactionsChecked = fmt.Sprintf("not checked: franz-go admin client: %v", err)
			m.note("open transactions %s", read.TransactionsChecked)
			return
		}
		defer a.Close()
		insp = a
		m.note("open transactions asked with franz-go's admin client (the session's %s client has no DescribeProducers)", clientDriver.Name())
	}
	ctx, cancel := context.WithTimeout(ctx, openTxnTimeout)
	defer cancel()
	open, err := insp.OpenTransactions(ctx, topic, parts)
	if err != nil {
		read.TransactionsChecked = fmt.Sprintf("not checked: %v", err)
		m.note("open transactions on %s %s", topic, read.TransactionsChecked)
		return
	}
	if len(open) == 0 {
		read.TransactionsChecked = "none open"
		m.note("open transactions on the %d partition(s) of %s the read did not finish: none (the read stalled for another reason)", len(parts), topic)
		return
	}
	pids := make([]int64, 0, len(open))
	for _, o := range open {
		pids = append(pids, o.ProducerID)
	}
	coord, err := insp.CoordinatorTransactions(ctx, pids, own)
	if err != nil {
		read.TransactionsChecked = fmt.Sprintf("not checked: %v", err)
		m.note("open transactions on %s: the coordinators' view %s", topic, read.TransactionsChecked)
		return
	}
	read.OpenTransactions = classifyOpenTransactions(open, coord, own, topic, m.s.opts.Bootstrap)
	read.TransactionsChecked = "asked"
	hanging := 0
	for _, o := range read.OpenTransactions {
		m.note("%s", describeOpenTransaction(o))
		if o.Hanging {
			hanging++
		}
	}
	if hanging > 0 && !(m.lease != nil && m.lease.existing && !m.p.Copy()) {
		m.note("%s is a topic this run created: kbench deletes it after the point, and its hanging transaction(s) with it (the abort command matters on a topic that is kept)", topic)
	}
}

// ownTransactionalIDs are the transactional.ids that write the topic the audit reads: the
// copiers' with the copy pipeline, else the point's producers'.
func (m *measurement) ownTransactionalIDs() []string {
	var ids []string
	if m.p.Copy() {
		for i := range m.p.Workload.Consumers {
			ids = append(ids, copierTransactionalID(m.s.runID, m.p.ID, i))
		}
		return ids
	}
	for i := range m.producers {
		ids = append(ids, transactionalID(m.s.runID, m.p.ID, i))
	}
	return ids
}
