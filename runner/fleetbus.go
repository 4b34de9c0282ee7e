package runner

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/stats"
)

// controlBus is fleet.Bus on the run's control topic: one partition, every side reads all of it
// from the beginning (so a worker that starts before the coordinator, or a coordinator that
// starts after its workers, misses nothing) and writes with acks=all, one record at a time.
type controlBus struct {
	topic string
	p     driver.Producer
	c     driver.Consumer
	in    chan fleet.Message
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex // Send is called from several goroutines
	bad   func(error)
}

// controlMaxBytes bounds one control record (a worker's result carries its histograms and
// ledgers); the control topic is created with it.
const controlMaxBytes = 16 << 20

// controlFetchWaitMs is how long the broker may hold a control reader's fetch while the topic
// has nothing new.
const controlFetchWaitMs = 500

// openControlBus connects to the control topic, waiting (bounded by wait) for it to exist: a
// worker may start before the coordinator created it.
func openControlBus(ctx context.Context, conn connection, topic, clientID string, wait time.Duration, bad func(error)) (*controlBus, error) {
	pcfg := conn.base()
	for k, v := range map[string]string{"client.id": clientID, "acks": "all", "linger.ms": "0", "log_level": "0",
		"message.max.bytes": fmt.Sprint(controlMaxBytes + 1<<16), "enable.idempotence": "true"} {
		pcfg[k] = v
	}
	p, err := clientDriver.NewProducer(pcfg)
	if err != nil {
		return nil, fmt.Errorf("control producer: %w", err)
	}
	ccfg := conn.safe().ReaderConfig(clientID)
	ccfg["fetch.message.max.bytes"] = fmt.Sprint(controlMaxBytes + 1<<16)
	// A fetch is answered as soon as a message arrives, so the wait bounds only the idle case:
	// at 10 ms every worker's and the coordinator's reader sent 100 empty fetches a second to the
	// control partition's leader, a broker of the cluster under test (a coordinator and two idle
	// workers cost the local brokers 0.19 cores at 10 ms, 0.05 at 500 ms; clock offsets came out
	// within 3.6 to 4.5 ms either way).
	ccfg["fetch.wait.max.ms"] = strconv.Itoa(controlFetchWaitMs)
	c, err := clientDriver.NewConsumer(ccfg)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("control consumer: %w", err)
	}
	b := &controlBus{topic: topic, p: p, c: c, in: make(chan fleet.Message, 1024), stop: make(chan struct{}), bad: bad}
	if err := b.waitTopic(ctx, wait); err != nil {
		b.Close()
		return nil, err
	}
	if err := c.Assign([]driver.TopicPartition{{Topic: topic, Partition: 0, Offset: driver.OffsetBeginning}}); err != nil {
		b.Close()
		return nil, fmt.Errorf("read control topic %s: %w", topic, err)
	}
	go p.Deliveries(discardDeliveries{}) // ends when the producer is closed
	b.wg.Add(1)
	go b.read()
	return b, nil
}

func (b *controlBus) waitTopic(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		md, err := b.p.Metadata(&b.topic, false, 5*time.Second)
		if err == nil && leadersKnown(md, b.topic, 1) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("control topic %s not there after %s (is the coordinator `kbench sweep --workers` of this run started?): %v", b.topic, wait, err)
		}
		t := time.NewTimer(500 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (b *controlBus) read() {
	defer b.wg.Done()
	batch := make([]driver.Message, 64)
	for {
		select {
		case <-b.stop:
			return
		default:
		}
		n, _ := b.c.Poll(50*time.Millisecond, batch)
		for _, m := range batch[:n] {
			msg, err := fleet.Decode(m.Value)
			if err != nil {
				if b.bad != nil {
					b.bad(err)
				}
				continue
			}
			select {
			case b.in <- msg:
			case <-b.stop:
				return
			}
		}
	}
}

// Send publishes m and waits for the cluster's acknowledgement (bounded).
func (b *controlBus) Send(m fleet.Message) error {
	raw, err := encodeControl(m, controlMaxBytes)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err = b.p.ProduceSync(&driver.Record{Topic: b.topic, Partition: 0, Value: raw}, 10*time.Second)
	return err
}

func (b *controlBus) Recv() <-chan fleet.Message { return b.in }

// encodeControl encodes m within limit bytes. A worker's result over it (its audit ledgers grow
// with every interleaving of acknowledged and failed records: a million records that alternate
// take 0.26 MB, ten million 2.5 MB per producer, a third more in the message) is sent without its
// ledgers and marked failed, saying why: the coordinator then names the worker and leaves its
// records out of the audit, instead of waiting for a result that never comes and calling the
// worker silent.
func encodeControl(m fleet.Message, limit int) ([]byte, error) {
	raw, err := fleet.Encode(m)
	if err != nil || len(raw) <= limit {
		return raw, err
	}
	if m.Kind != fleet.KindResult || m.Result == nil || len(m.Result.Ledgers) == 0 {
		return nil, fmt.Errorf("control message %s of %d bytes: over the control topic's %d", m.Kind, len(raw), limit)
	}
	r := *m.Result
	why := fmt.Sprintf("result of %d bytes with its audit ledgers is over the control topic's %d-byte record limit: ledgers not sent, this worker's records are not audited (shorten the point or add workers)", len(raw), limit)
	r.Ledgers, r.Status, r.Error = nil, stats.StatusFailed, why
	r.Notes = append(append([]string(nil), r.Notes...), why)
	m.Result = &r
	if raw, err = fleet.Encode(m); err == nil && len(raw) > limit {
		err = fmt.Errorf("control message %s of %d bytes without ledgers: over the control topic's %d", m.Kind, len(raw), limit)
	}
	return raw, err
}

// Close stops reading and closes both clients (bounded).
func (b *controlBus) Close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	b.wg.Wait() // the reader is out of Poll before the consumer closes
	driver.CloseBounded(func() { _ = b.c.Close() }, 10*time.Second)
	driver.CloseBounded(b.p.Close, 10*time.Second)
}

type discardDeliveries struct{}

func (discardDeliveries) Delivered(*driver.Delivery) {}
func (discardDeliveries) ClientError(driver.Error)   {}
