package franzgo

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kbench/kbench/driver"
)

// Producer is a franz-go producer behind the seam.
//
// The per-record path: Produce takes a kgo.Record from a free list (its Key and Value buffers
// are reused, so the caller's bytes are copied without an allocation in steady state) and hands
// it to TryProduce; franz-go calls the promise serially, the promise passes the record through
// a channel to the Deliveries goroutine, which fills the one reused Delivery, calls the handler
// and puts the record back on the free list. The free list is a single-producer
// single-consumer ring (Deliveries puts, Produce takes): no lock.
//
// Queue full: franz-go reports a full buffer only through the promise (after TryProduce has
// returned), so the driver keeps its own count of outstanding records and bytes and says
// driver.QueueFull before handing a record over; franz-go's own bound sits just above it.
type Producer struct {
	cl      *kgo.Client
	s       *settings
	ctx     context.Context
	promise func(*kgo.Record, error)
	events  chan event
	closed  chan struct{}
	closeMu sync.Once
	free    recordRing
	recs    atomic.Int64 // records handed to franz-go whose result the handler has not had
	bytes   atomic.Int64 // their key and value bytes
	d       driver.Delivery
	conns   connState

	// The open transaction (transactional.id only): records Produce handed over in it (send
	// goroutine), and its failed records with the first failure (franz-go's promise).
	txnRecs     uint64
	txnFailed   atomic.Int64
	txnFirstErr atomic.Pointer[driver.Error]
	topicIDs    map[string][16]byte // SendOffsetsToTransaction's topics (the caller's goroutine)
}

// event is one delivery result or one client error for the Deliveries goroutine.
type event struct {
	r    *kgo.Record
	err  error
	cerr *driver.Error
}

// NewProducer creates a producer from librdkafka properties.
func NewProducer(cfg map[string]string) (*Producer, error) {
	s, err := readSettings(cfg, roleProducer)
	if err != nil {
		return nil, err
	}
	p := &Producer{s: s, ctx: context.Background(), events: make(chan event, 4096), closed: make(chan struct{})}
	p.promise = p.onPromise
	p.conns.report = p.clientError
	opts := append(append([]kgo.Opt(nil), s.opts...), kgo.WithHooks(&p.conns))
	if p.cl, err = kgo.NewClient(opts...); err != nil {
		return nil, fmt.Errorf("franz-go producer: %w", err)
	}
	return p, nil
}

// Effective is the configuration franz-go runs with, as option=value.
func (p *Producer) Effective() map[string]string { return p.s.effective }

// Produce copies r into a recycled record and hands it to franz-go; driver.QueueFull when the
// configured bound of buffered records or bytes is reached.
func (p *Producer) Produce(r *driver.Record) error {
	size := int64(len(r.Key) + len(r.Value))
	if p.recs.Load() >= p.s.maxRecs || (p.s.maxBytes > 0 && p.bytes.Load()+size > p.s.maxBytes && p.recs.Load() > 0) {
		return driver.QueueFull
	}
	kr := p.free.get()
	if kr == nil {
		kr = new(kgo.Record)
	}
	key, value := kr.Key, kr.Value
	*kr = kgo.Record{Topic: r.Topic, Partition: r.Partition}
	if r.Key != nil {
		kr.Key = append(key[:0], r.Key...)
	}
	if r.Value != nil {
		kr.Value = append(value[:0], r.Value...)
	}
	p.recs.Add(1)
	p.bytes.Add(size)
	p.txnRecs++
	p.cl.TryProduce(p.ctx, kr, p.promise)
	return nil
}

// onPromise is franz-go's promise for every produced record: it passes the result on to the
// Deliveries goroutine, or, once the producer is closed, drops it.
func (p *Producer) onPromise(r *kgo.Record, err error) {
	if err != nil && p.s.txnID != "" && p.txnFailed.Add(1) == 1 {
		e := toError(err) // a failure allocates; a success does not
		p.txnFirstErr.Store(&e)
	}
	select {
	case p.events <- event{r: r, err: err}:
		return
	default:
	}
	select {
	case p.events <- event{r: r, err: err}:
	case <-p.closed:
	}
}

// clientError passes a client-level error (a failed connection, TLS, login) to the Deliveries
// goroutine (kept in the channel until Deliveries runs); never blocks the client's goroutine.
func (p *Producer) clientError(e driver.Error) {
	select {
	case p.events <- event{cerr: &e}:
	default: // a full channel already carries results: a client error is not worth blocking for
	}
}

// Deliveries calls h for every delivery result and client error until Close.
func (p *Producer) Deliveries(h driver.DeliveryHandler) {
	for {
		var ev event
		select {
		case ev = <-p.events:
		default:
			select {
			case ev = <-p.events:
			case <-p.closed:
				return
			}
		}
		if ev.cerr != nil {
			h.ClientError(*ev.cerr)
			continue
		}
		r := ev.r
		p.recs.Add(-1)
		p.bytes.Add(-int64(len(r.Key) + len(r.Value)))
		p.d.Key, p.d.Partition, p.d.Offset = r.Key, r.Partition, r.Offset
		p.d.Err = toError(ev.err)
		if ev.err != nil {
			p.d.Offset = driver.OffsetInvalid
		}
		h.Delivered(&p.d)
		p.d.Key = nil
		p.free.put(r)
	}
}

// ProduceSync sends r and waits for its result (a record of its own, outside the free list).
func (p *Producer) ProduceSync(r *driver.Record, timeout time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	kr := &kgo.Record{Topic: r.Topic, Partition: r.Partition, Key: append([]byte(nil), r.Key...), Value: append([]byte(nil), r.Value...)}
	res := p.cl.ProduceSync(ctx, kr)
	if err := res.FirstErr(); err != nil {
		return 0, fmt.Errorf("produce to %s/%d: %w", r.Topic, r.Partition, toError(err))
	}
	return kr.Offset, nil
}

// Purge fails every buffered record at once, sent or not, without waiting for the brokers:
// their results arrive as _PURGE_INFLIGHT (indeterminate: franz-go does not say which were sent).
// A transactional producer waits for the records in flight first (in the background): franz-go
// would otherwise reuse their sequence numbers in the transaction.
func (p *Producer) Purge() {
	if p.s.txnID != "" {
		go func() { _ = p.cl.AbortBufferedRecords(context.Background()) }()
		return
	}
	go p.cl.UnsafeAbortBufferedRecords()
}

// Metadata asks the cluster for metadata.
func (p *Producer) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	return metadata(p.cl, topic, all, timeout)
}

// Close closes the client; results still outstanding are dropped, and Deliveries returns.
func (p *Producer) Close() {
	p.closeMu.Do(func() {
		close(p.closed)
		p.cl.Close()
	})
}

// recordRing is the producer's free list of records: a bounded single-producer
// single-consumer ring (Deliveries puts, Produce gets). A full ring drops the record (the
// garbage collector takes it); an empty one makes Produce allocate.
type recordRing struct {
	head atomic.Uint64 // next slot to get (Produce's goroutine)
	tail atomic.Uint64 // next slot to put (the Deliveries goroutine)
	buf  [ringSize]*kgo.Record
}

const ringSize = 1 << 14

func (q *recordRing) get() *kgo.Record {
	h := q.head.Load()
	if h == q.tail.Load() {
		return nil
	}
	r := q.buf[h%ringSize]
	q.head.Store(h + 1)
	return r
}

func (q *recordRing) put(r *kgo.Record) {
	t := q.tail.Load()
	if t-q.head.Load() == ringSize {
		return
	}
	q.buf[t%ringSize] = r
	q.tail.Store(t + 1)
}
