package runner

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/safety"
)

// Copier worker processes: the copy pipeline's consume-transform-produce application (issue 19),
// each a `kbench worker copy` process so that a kill, a pause or a zombie is real. A copier reads
// the producers' topic with read_committed in the copy group (a static member per slot), writes
// every record unchanged but for its copier tag (record.CopyTag) to the same partition of the
// output topic, and commits the consumed offsets in the same transaction
// (SendOffsetsToTransaction with the group metadata taken when the transaction began, so a
// rebalance in between fences the offsets and the transaction aborts). Its transactional.id is
// stable per slot: a replacement's InitTransactions fences the previous instance and aborts its
// open transaction. The copier is crash-only: on any transactional error (abortable or fatal),
// a fatal consumer error, or a rewind of its positions it aborts what it can, reports why and
// exits; the parent starts a replacement, which resumes from the committed offsets.
//
// Frames to the parent on stdout (big-endian): one per record copied into the open transaction,
// one before each commit is sent (so a commit the coordinator may complete is known even if the
// copier is stopped right after), one per ended transaction, a status frame every 100 ms, and the
// reason it stops.

// CopierSpec is what the parent hands a copier worker on stdin (JSON).
type CopierSpec struct {
	Consumer   map[string]string `json:"consumer"` // librdkafka consumer config, complete
	Producer   map[string]string `json:"producer"` // librdkafka producer config with transactional.id
	Input      string            `json:"input"`
	Output     string            `json:"output"`
	Instance   uint32            `json:"instance"` // the copier tag's instance (from 1)
	TxnRecords int               `json:"txn_records"`
	TxnMs      int64             `json:"txn_ms"`
	// Client is the client library of the copier's consumer and producer: the point's client
	// ("" in a spec from an older kbench: librdkafka).
	Client profiles.Client `json:"client,omitempty"`
}

const (
	frameCopied     = 'R' // partition i32, producer u32, seq u64
	frameCommitting = 'C' // txn u32, unix ns i64
	frameTxnEnd     = 'T' // txn u32, outcome u8, records u32, commit ns i64
	frameExit       = 'X' // length u16, text
	copiedFrameSz   = 1 + 4 + 4 + 8
	commitFrameSz   = 1 + 4 + 8
	txnEndFrameSz   = 1 + 4 + 1 + 4 + 8
)

// Transaction outcomes in a 'T' frame.
const (
	copyCommitted byte = 1
	copyAborted   byte = 2
	copyFatal     byte = 3 // the commit failed fatally (fenced, ...): outcome as the coordinator decides
)

// Copier transaction bounds: a transaction ends after copierTxnRecords records or copierTxnMs,
// whichever comes first (the cost of exactly-once at this granularity is what the pipeline
// measures). copierTxnTimeoutMs is the copiers' transaction.timeout.ms unless the profile's
// producer properties set one: short, so that a pause past it fits in a short test.
const (
	copierTxnRecords   = 1000
	copierTxnMs        = 100
	copierTxnTimeoutMs = 10000
)

// errCopierStop is a copier's orderly end after a transactional error (it is replaced).
var errCopierStop = errors.New("copier stops")

// copier is one copier process's state.
type copier struct {
	spec  CopierSpec
	c     driver.Consumer
	gm    driver.GroupMetadataConsumer
	p     driver.Producer
	tp    driver.TransactionalProducer
	w     *bufio.Writer
	buf   []byte
	rec   driver.Record
	txn   uint32 // number of the open (or next) transaction
	open  bool
	n     int // records in the open transaction
	began time.Time
	group driver.GroupMetadata
	next  map[int32]int64 // next offset per partition after the open transaction's records
	seen  map[int32]int64 // next offset per partition this process has read (a rewind aborts)
	dfail atomic.Int64    // delivery failures (the commit then fails: abortable)
}

// RunCopierWorker is the body of the hidden `kbench worker copy` subcommand.
func RunCopierWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	var spec CopierSpec
	if err := json.NewDecoder(in).Decode(&spec); err != nil {
		return safety.BadInput(fmt.Errorf("copier spec on stdin: %w", err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the parent closing stdin (or dying) stops the copier
		_, _ = io.Copy(io.Discard, in)
		cancel()
	}()
	cp := &copier{spec: spec, w: bufio.NewWriterSize(out, 64<<10), next: map[int32]int64{}, seen: map[int32]int64{}}
	defer func() { _ = cp.w.Flush() }()
	if err := cp.start(ctx); err != nil {
		cp.exit(err.Error())
		return err
	}
	defer cp.close()
	err := cp.loop(ctx)
	if err != nil {
		cp.exit(err.Error())
	} else {
		cp.exit("stopped by the parent")
	}
	return err
}

// start creates the clients and registers the transactional.id (fencing any older instance).
func (cp *copier) start(ctx context.Context) error {
	d := clientDriver
	if cp.spec.Client != "" {
		var err error
		if d, err = driverFor(cp.spec.Client); err != nil {
			return fmt.Errorf("copier: %w", err)
		}
	}
	c, err := d.NewConsumer(cp.spec.Consumer)
	if err != nil {
		return fmt.Errorf("copier consumer: %w", err)
	}
	cp.c = c
	gm, ok := c.(driver.GroupMetadataConsumer)
	if !ok {
		return fmt.Errorf("copier: driver %s: %w", d.Name(), driver.ErrTransactionsNotSupported)
	}
	cp.gm = gm
	p, err := d.NewProducer(cp.spec.Producer)
	if err != nil {
		return fmt.Errorf("copier producer: %w", err)
	}
	cp.p = p
	tp, ok := p.(driver.TransactionalProducer)
	if !ok {
		return fmt.Errorf("copier: driver %s: %w", d.Name(), driver.ErrTransactionsNotSupported)
	}
	cp.tp = tp
	go p.Deliveries(copierDeliveries{cp})
	ictx, icancel := context.WithTimeout(ctx, txnCallTimeout)
	defer icancel()
	if err := tp.InitTransactions(ictx); err != nil {
		return fmt.Errorf("copier init transactions: %w", err)
	}
	if err := c.Subscribe(cp.spec.Input); err != nil {
		return fmt.Errorf("copier subscribe %s: %w", cp.spec.Input, err)
	}
	return nil
}

// close releases the clients (bounded: a fenced client may take long to tear down).
func (cp *copier) close() {
	if cp.c != nil {
		closeBounded(func() { _ = cp.c.Close() }, 10*time.Second)
	}
	if cp.p != nil {
		closeBounded(cp.p.Close, 10*time.Second)
	}
}

// copierDeliveries counts the copier's failed deliveries (its commit then fails).
type copierDeliveries struct{ cp *copier }

func (d copierDeliveries) Delivered(del *driver.Delivery) {
	if del.Err.Code() != driver.ErrNoError {
		d.cp.dfail.Add(1)
	}
}
func (d copierDeliveries) ClientError(driver.Error) {}

// loop copies until ctx ends (the parent's stop: the open transaction is committed first) or a
// transactional error stops the copier.
func (cp *copier) loop(ctx context.Context) error {
	batch := make([]driver.Message, pollBatch)
	lastStatus := time.Now()
	for ctx.Err() == nil {
		nb, perr := cp.c.Poll(50*time.Millisecond, batch)
		for i := range batch[:nb] {
			if err := cp.copy(&batch[i]); err != nil {
				return cp.fail(err)
			}
		}
		if perr != nil {
			var de driver.Error
			if errors.As(perr, &de) && de.IsFatal() {
				return cp.fail(fmt.Errorf("consumer: %w", perr))
			}
		}
		if cp.open && (cp.n >= cp.spec.TxnRecords || time.Since(cp.began) >= time.Duration(cp.spec.TxnMs)*time.Millisecond) {
			if err := cp.commit(); err != nil {
				return err
			}
		}
		if time.Since(lastStatus) >= 100*time.Millisecond {
			lastStatus = time.Now()
			if err := cp.status(); err != nil {
				return err
			}
		}
	}
	if cp.open {
		return cp.commit()
	}
	return nil
}

// copy writes one polled record into the open transaction (beginning one if needed).
func (cp *copier) copy(m *driver.Message) error {
	if last, ok := cp.seen[m.Partition]; ok && m.Offset < last {
		return fmt.Errorf("partition %d rewound from offset %d to %d (a rebalance): the open transaction is aborted", m.Partition, last, m.Offset)
	}
	cp.seen[m.Partition] = m.Offset + 1
	h, err := record.DecodeHeader(m.Value)
	if err != nil {
		return nil // not a kbench record: not ours to copy
	}
	if !cp.open {
		if err := cp.begin(); err != nil {
			return err
		}
	}
	cp.buf = append(cp.buf[:0], m.Value...)
	record.EncodeCopyTag(cp.buf, record.CopyTag{Instance: cp.spec.Instance, Txn: cp.txn})
	cp.rec = driver.Record{Topic: cp.spec.Output, Partition: m.Partition, Key: m.Key, Value: cp.buf}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := cp.p.Produce(&cp.rec)
		if err == nil {
			break
		}
		if !errors.Is(err, driver.QueueFull) || time.Now().After(deadline) {
			return fmt.Errorf("produce to %s/%d: %w", cp.spec.Output, m.Partition, err)
		}
		time.Sleep(time.Millisecond) // back-pressure: the client's queue drains on its own threads
	}
	cp.n++
	cp.next[m.Partition] = m.Offset + 1
	var f [copiedFrameSz]byte
	f[0] = frameCopied
	binary.BigEndian.PutUint32(f[1:], uint32(m.Partition))
	binary.BigEndian.PutUint32(f[5:], h.Producer)
	binary.BigEndian.PutUint64(f[9:], h.Seq)
	if _, err := cp.w.Write(f[:]); err != nil {
		return err
	}
	// Flushed per record: a copy a SIGKILL interrupts must still count as copied (redelivered
	// when its replacement copies it again); a write per record is cheap at copier rates.
	return cp.w.Flush()
}

// begin opens a transaction and takes the group metadata its offsets will be sent with.
func (cp *copier) begin() error {
	gm, err := cp.gm.GroupMetadata()
	if err != nil {
		return fmt.Errorf("group metadata: %w", err)
	}
	if err := cp.tp.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction %d: %w", cp.txn, err)
	}
	cp.group, cp.open, cp.n, cp.began = gm, true, 0, time.Now()
	clear(cp.next)
	return nil
}

// commit sends the open transaction's offsets, reports that the commit begins, and commits.
func (cp *copier) commit() error {
	ctx, cancel := context.WithTimeout(context.Background(), txnCallTimeout)
	defer cancel()
	offs := make([]driver.TopicPartition, 0, len(cp.next))
	for p, o := range cp.next {
		offs = append(offs, driver.TopicPartition{Topic: cp.spec.Input, Partition: p, Offset: o})
	}
	start := time.Now() // the transaction's end costs the offsets and the commit
	for {
		err := cp.tp.SendOffsetsToTransaction(ctx, offs, cp.group)
		if err == nil {
			break
		}
		if driver.ClassifyTxn(err) != driver.TxnRetriable || ctx.Err() != nil {
			return cp.fail(fmt.Errorf("send offsets of transaction %d: %w", cp.txn, err))
		}
	}
	var f [commitFrameSz]byte
	f[0] = frameCommitting
	binary.BigEndian.PutUint32(f[1:], cp.txn)
	binary.BigEndian.PutUint64(f[5:], uint64(time.Now().UnixNano()))
	if _, err := cp.w.Write(f[:]); err != nil {
		return err
	}
	if err := cp.w.Flush(); err != nil { // the parent knows the commit began before it is sent
		return err
	}
	for {
		err := cp.tp.CommitTransaction(ctx)
		if err == nil {
			break
		}
		if driver.ClassifyTxn(err) != driver.TxnRetriable || ctx.Err() != nil {
			return cp.fail(fmt.Errorf("commit transaction %d: %w", cp.txn, err))
		}
	}
	if err := cp.ended(copyCommitted, time.Since(start)); err != nil {
		return err
	}
	return nil
}

// ended reports the open transaction's end and moves to the next number.
func (cp *copier) ended(outcome byte, commit time.Duration) error {
	var f [txnEndFrameSz]byte
	f[0] = frameTxnEnd
	binary.BigEndian.PutUint32(f[1:], cp.txn)
	f[5] = outcome
	binary.BigEndian.PutUint32(f[6:], uint32(cp.n))
	binary.BigEndian.PutUint64(f[10:], uint64(commit))
	cp.open, cp.n = false, 0
	cp.txn++
	if _, err := cp.w.Write(f[:]); err != nil {
		return err
	}
	return cp.w.Flush()
}

// fail ends the open transaction after err (abort unless err is fatal, when the coordinator
// decides) and stops the copier: its replacement resumes from the committed offsets.
func (cp *copier) fail(err error) error {
	if cp.open {
		if driver.ClassifyTxn(err) == driver.TxnFatal && isDriverError(err) {
			_ = cp.ended(copyFatal, 0)
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), txnCallTimeout)
			aerr := cp.tp.AbortTransaction(ctx)
			cancel()
			if aerr != nil {
				_ = cp.ended(copyFatal, 0)
				err = fmt.Errorf("%w; abort: %v", err, aerr)
			} else {
				_ = cp.ended(copyAborted, 0)
			}
		}
	}
	return fmt.Errorf("%w: %w", errCopierStop, err)
}

// isDriverError says whether err came from the client (not a local condition such as a rewind).
func isDriverError(err error) bool {
	var de driver.Error
	return errors.As(err, &de)
}

// status reports the copier's assignment, open records and lag on the input.
func (cp *copier) status() error { return writeStatusFrame(cp.w, cp.c, cp.n) }

// exit reports why the copier stops (bounded text).
func (cp *copier) exit(why string) {
	if len(why) > 1000 {
		why = why[:1000]
	}
	var h [3]byte
	h[0] = frameExit
	binary.BigEndian.PutUint16(h[1:], uint16(len(why)))
	_, _ = cp.w.Write(h[:])
	_, _ = cp.w.WriteString(why)
	_ = cp.w.Flush()
}
