package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/safety"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// Consumer worker processes make a consumer crash real: each measuring consumer runs as its own
// `kbench worker consume` process that a fault kills with SIGKILL, so whatever its client had
// committed (or not) is exactly what a crashed application leaves; the replacement, started in
// the same group with the same static member id (group.instance.id), resumes from the committed
// offsets. The worker models an application with an asynchronous processing pipeline: a record
// counts as processed ProcessingDelay after it was polled. With auto-commit the client commits
// what was polled on a timer, which can run ahead of processing (a crash then skips records);
// with commit-after-processing only processed offsets are committed, once a second (a crash then
// redelivers what was processed since the last commit).
//
// The worker streams fixed-size binary frames to the parent over stdout: one per processed
// record (identity, send and poll time) and a status frame every 100 ms.

// WorkerSpec is what the parent hands a consumer worker on stdin (JSON).
type WorkerSpec struct {
	Client            string            `json:"client,omitempty"` // the consumer's client library (profiles.Client; "": librdkafka)
	Config            map[string]string `json:"config"`           // consumer config in the seam's names, complete
	Topic             string            `json:"topic"`
	CommitMode        string            `json:"commit_mode"` // auto or after-processing
	ProcessingDelayMs int64             `json:"processing_delay_ms"`
}

const (
	frameRecord   = 'R' // partition i32, producer u32, seq u64, send ns i64, poll ns i64, size u32
	frameStatus   = 'S' // assigned u32, pending u32, behind i64
	recordFrameSz = 1 + 4 + 4 + 8 + 8 + 8 + 4
	statusFrameSz = 1 + 4 + 4 + 8
)

// afterProcessingCommitInterval is how often a commit-after-processing worker commits what it
// has processed.
const afterProcessingCommitInterval = time.Second

// RunConsumerWorker is the body of the hidden `kbench worker consume` subcommand: it reads a
// WorkerSpec from in, consumes until ctx ends or in is closed, and writes frames to out.
func RunConsumerWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	var spec WorkerSpec
	if err := dec.Decode(&spec); err != nil {
		return safety.BadInput(fmt.Errorf("worker spec on stdin: %w", err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the parent closing stdin (or dying) stops the worker
		_, _ = io.Copy(io.Discard, in)
		cancel()
	}()
	after := spec.CommitMode == string(profiles.CommitAfterProcessing)
	c, err := newWorkerConsumer(spec, after)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	w := bufio.NewWriterSize(out, 64<<10)
	delay := time.Duration(spec.ProcessingDelayMs) * time.Millisecond
	var pending []polled
	lastStatus, lastCommit := time.Now(), time.Now()
	dirty := false
	batch := make([]driver.Message, pollBatch)
	for ctx.Err() == nil {
		nb, _ := c.Poll(50*time.Millisecond, batch)
		for _, m := range batch[:nb] {
			if h, err := record.DecodeHeader(m.Value); err == nil {
				tp := driver.TopicPartition{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}
				pending = append(pending, polled{tp: tp, h: h, pollNs: time.Now().UnixNano(), size: uint32(len(m.Value))})
			}
		}
		now := time.Now()
		n := 0
		for n < len(pending) && now.UnixNano()-pending[n].pollNs >= int64(delay) {
			p := pending[n]
			if err := writeRecordFrame(w, p); err != nil {
				return err
			}
			if after {
				next := p.tp
				next.Offset++
				if err := c.StoreOffsets([]driver.TopicPartition{next}); err == nil {
					dirty = true
				}
			}
			n++
		}
		if n > 0 {
			pending = append(pending[:0], pending[n:]...)
			// What is reported processed must reach the parent before any commit covers it.
			if err := w.Flush(); err != nil {
				return err
			}
		}
		if after && dirty && time.Since(lastCommit) >= afterProcessingCommitInterval {
			lastCommit = time.Now()
			if err := c.Commit(); err == nil {
				dirty = false
			}
		}
		if time.Since(lastStatus) >= 100*time.Millisecond {
			lastStatus = time.Now()
			if err := writeStatusFrame(w, c, len(pending)); err != nil {
				return err
			}
		}
	}
	if after && dirty {
		_ = c.Commit()
	}
	return nil
}

// newWorkerConsumer creates the worker's consumer in the spec's group, subscribed to its topic;
// after: offsets are stored and committed by the worker once processed, else automatically.
func newWorkerConsumer(spec WorkerSpec, after bool) (driver.Consumer, error) {
	cfg := maps.Clone(spec.Config)
	if cfg == nil {
		cfg = map[string]string{}
	}
	client := profiles.Client(spec.Client)
	if client == "" {
		client = profiles.ClientLibrdkafka
	}
	d, err := driverFor(client)
	if err != nil {
		return nil, safety.BadInput(fmt.Errorf("worker spec: %w", err))
	}
	// Offsets are stored apart from committing them (both drivers): after processing, only what
	// the worker stored is committed.
	cfg["enable.auto.commit"] = strconv.FormatBool(!after)
	cfg["enable.auto.offset.store"] = strconv.FormatBool(!after)
	c, err := d.NewConsumer(cfg)
	if err != nil {
		return nil, fmt.Errorf("worker consumer: %w", err)
	}
	if err := c.Subscribe(spec.Topic); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("worker subscribe %s: %w", spec.Topic, err)
	}
	return c, nil
}

// polled is a record the worker has read and not yet reported processed.
type polled struct {
	tp     driver.TopicPartition
	h      record.Header
	pollNs int64
	size   uint32
}

// writeRecordFrame reports one processed record to the parent.
func writeRecordFrame(w *bufio.Writer, p polled) error {
	var frame [recordFrameSz]byte
	frame[0] = frameRecord
	binary.BigEndian.PutUint32(frame[1:], uint32(p.tp.Partition))
	binary.BigEndian.PutUint32(frame[5:], p.h.Producer)
	binary.BigEndian.PutUint64(frame[9:], p.h.Seq)
	binary.BigEndian.PutUint64(frame[17:], uint64(p.h.SendNs))
	binary.BigEndian.PutUint64(frame[25:], uint64(p.pollNs))
	binary.BigEndian.PutUint32(frame[33:], p.size)
	_, err := w.Write(frame[:])
	return err
}

// writeStatusFrame reports the worker's assignment, backlog and lag to the parent, flushed.
func writeStatusFrame(w *bufio.Writer, c driver.Consumer, pending int) error {
	assigned, behind := workerPosition(c)
	var st [statusFrameSz]byte
	st[0] = frameStatus
	binary.BigEndian.PutUint32(st[1:], uint32(assigned))
	binary.BigEndian.PutUint32(st[5:], uint32(pending))
	binary.BigEndian.PutUint64(st[9:], uint64(behind))
	if _, err := w.Write(st[:]); err != nil {
		return err
	}
	return w.Flush()
}

// workerPosition is the worker's assigned partition count and how many records it is behind the
// high watermarks its client last saw (no network call); -1 when a position is not known yet.
func workerPosition(c driver.Consumer) (int, int64) {
	parts, err := c.Assignment()
	if err != nil || len(parts) == 0 {
		return 0, 0
	}
	pos, err := c.Position(parts)
	if err != nil {
		return len(parts), -1
	}
	var behind int64
	for i, p := range pos {
		if p.Offset < 0 {
			// Nothing consumed by this process yet (a replacement at the end of its
			// partitions): its committed offset is where it stands.
			com, err := c.Committed([]driver.TopicPartition{parts[i]}, time.Second)
			if err != nil || len(com) == 0 || com[0].Offset < 0 {
				return len(parts), -1
			}
			p.Offset = com[0].Offset
		}
		_, hi, err := c.CachedWatermarks(p.Topic, p.Partition)
		if err != nil {
			return len(parts), -1
		}
		if d := hi - p.Offset; d > 0 {
			behind += d
		}
	}
	return len(parts), behind
}

// workerPool runs one worker process per consumer slot and turns their frames into the
// measuring consumers' counters, histograms and the group's processed set.
type workerPool struct {
	command []string
	spec    func(slot int) WorkerSpec
	slots   []*workerSlot
	crashes int
	mu      sync.Mutex
	status  chan struct{} // a slot's status changed (frame or process end): wakes waitCaughtUp
}

// workerSlot is one consumer position in the group; its process is replaced after a crash.
type workerSlot struct {
	idx    int
	cur    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer
	procs  chan io.ReadCloser // stdout of each process, in start order
	status chan struct{}      // the pool's: a status change wakes waitCaughtUp
	// Read by the reader goroutine, read by others after it ends.
	processed *audit.Verifier
	count     int64
	// Live status: written by the reader goroutine, read by waitCaughtUp. Status frames (a few a
	// second) go under mu; the time of the last record is an atomic, since it changes per record.
	mu        sync.Mutex
	assigned  int
	pending   int
	behind    int64
	lastRecNs atomic.Int64 // time.Now().UnixNano() of the last record frame
}

func newWorkerPool(command []string, n int, spec func(slot int) WorkerSpec) *workerPool {
	wp := &workerPool{command: command, spec: spec, status: make(chan struct{}, 1)}
	for i := 0; i < n; i++ {
		wp.slots = append(wp.slots, &workerSlot{idx: i, procs: make(chan io.ReadCloser, 16), status: wp.status, processed: audit.NewVerifier(), stderr: &bytes.Buffer{}})
	}
	return wp
}

// defaultWorkerCommand is this executable with the hidden worker subcommand.
func defaultWorkerCommand() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the kbench executable for consumer workers: %w", err)
	}
	return []string{exe, "worker"}, nil
}

// start launches slot i's process (a first start or a replacement).
func (wp *workerPool) start(i int) (string, error) {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	s := wp.slots[i]
	args := append(append([]string(nil), wp.command[1:]...), "consume")
	cmd := exec.Command(wp.command[0], args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start consumer worker %d (%s): %w", i, strings.Join(wp.command, " "), err)
	}
	if err := json.NewEncoder(stdin).Encode(wp.spec(i)); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", fmt.Errorf("consumer worker %d spec: %w", i, err)
	}
	s.cur, s.stdin = cmd, stdin
	s.procs <- stdout
	return fmt.Sprintf("start consumer worker %d (pid %d)", i, cmd.Process.Pid), nil
}

// kill crashes slot i's process with SIGKILL and reaps it.
func (wp *workerPool) kill(i int) (string, error) {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	if i >= len(wp.slots) {
		return "", fmt.Errorf("no consumer worker %d (%d running)", i, len(wp.slots))
	}
	s := wp.slots[i]
	if s.cur == nil {
		return "", fmt.Errorf("consumer worker %d is not running", i)
	}
	pid := s.cur.Process.Pid
	err := s.cur.Process.Signal(syscall.SIGKILL)
	_ = s.cur.Wait()
	s.cur = nil
	wp.crashes++
	return fmt.Sprintf("SIGKILL pid %d (consumer worker %d)", pid, i), err
}

// stopAll ends every worker: stdin closed (a graceful stop), SIGKILL after limit. Then no more
// processes are read.
func (wp *workerPool) stopAll(limit time.Duration) {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	for _, s := range wp.slots {
		if s.cur != nil {
			_ = s.stdin.Close()
			done := make(chan struct{})
			go func(c *exec.Cmd) { _ = c.Wait(); close(done) }(s.cur)
			select {
			case <-done:
			case <-time.After(limit):
				_ = s.cur.Process.Kill()
				<-done
			}
			s.cur = nil
		}
		close(s.procs)
	}
}

// read consumes the frames of slot s's processes in order and feeds cw (its measuring
// consumer's counters and histograms), until the pool is stopped.
func (s *workerSlot) read(cw *consumerWorker) {
	defer close(cw.done)
	defer cw.win.flush()
	var frame [recordFrameSz]byte
	for r := range s.procs {
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			t, err := br.ReadByte()
			if err != nil {
				break
			}
			if t == frameStatus {
				if _, err := io.ReadFull(br, frame[1:statusFrameSz]); err != nil {
					break
				}
				s.mu.Lock()
				s.assigned = int(binary.BigEndian.Uint32(frame[1:]))
				s.pending = int(binary.BigEndian.Uint32(frame[5:]))
				s.behind = int64(binary.BigEndian.Uint64(frame[9:]))
				s.mu.Unlock()
				s.statusChanged()
				continue
			}
			if t != frameRecord {
				break // not our protocol: stop reading this process
			}
			if _, err := io.ReadFull(br, frame[1:recordFrameSz]); err != nil {
				break // a crash mid-frame: the partial record was never reported processed
			}
			part := int32(binary.BigEndian.Uint32(frame[1:]))
			producer := binary.BigEndian.Uint32(frame[5:])
			seq := binary.BigEndian.Uint64(frame[9:])
			sendNs := int64(binary.BigEndian.Uint64(frame[17:]))
			pollNs := int64(binary.BigEndian.Uint64(frame[25:]))
			size := int64(binary.BigEndian.Uint32(frame[33:]))
			s.processed.Observe(part, producer, seq)
			s.count++
			cw.c.consumedAll.Add(1)
			if cw.clock.member(producer, seq, sendNs) {
				lat := time.Duration(pollNs - sendNs)
				cw.e2e.Record(lat)
				cw.win.record(pollNs, lat)
				cw.c.consumed.Add(1)
				cw.c.consBytes.Add(size)
			}
			s.lastRecNs.Store(time.Now().UnixNano())
		}
		_ = r.Close()
		s.mu.Lock()
		s.assigned, s.pending, s.behind = 0, 0, 0
		s.mu.Unlock()
		s.statusChanged()
	}
}

// statusChanged wakes waitCaughtUp, if it waits (never blocks).
func (s *workerSlot) statusChanged() {
	select {
	case s.status <- struct{}{}:
	default:
	}
}

// assigned is the partitions the live workers hold.
func (wp *workerPool) assigned() int {
	n := 0
	for _, s := range wp.slots {
		s.mu.Lock()
		n += s.assigned
		s.mu.Unlock()
	}
	return n
}

// waitCaughtUp waits (bounded) until the workers hold every partition, have nothing polled but
// unprocessed, are at the high watermarks, and no record arrived for half a second. It is woken
// by status frames; only the quiet half second is waited out on a timer.
func (wp *workerPool) waitCaughtUp(ctx context.Context, partitions int, limit time.Duration) bool {
	const quiet = 500 * time.Millisecond
	bound := time.NewTimer(limit)
	defer bound.Stop()
	quietTimer := time.NewTimer(quiet)
	defer quietTimer.Stop()
	for {
		atWatermarks, lastRecNs := wp.caughtUp(partitions)
		quietLeft := quiet - time.Duration(time.Now().UnixNano()-lastRecNs)
		if atWatermarks && quietLeft <= 0 {
			return true
		}
		var quietC <-chan time.Time
		if atWatermarks {
			quietTimer.Reset(quietLeft)
			quietC = quietTimer.C
		}
		select {
		case <-wp.status:
		case <-quietC:
		case <-bound.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// caughtUp says whether the live workers hold every partition with nothing pending and nothing
// behind, and when the last record of any of them arrived.
func (wp *workerPool) caughtUp(partitions int) (atWatermarks bool, lastRecNs int64) {
	ok, assigned := true, 0
	for _, s := range wp.slots {
		s.mu.Lock()
		assigned += s.assigned
		if s.pending > 0 || s.behind != 0 {
			ok = false
		}
		s.mu.Unlock()
		lastRecNs = max(lastRecNs, s.lastRecNs.Load())
	}
	return ok && assigned >= partitions, lastRecNs
}

// audit is the group's account against the verification read (call after stopAll and after
// every reader ended).
func (wp *workerPool) audit(verified *audit.Verifier) stats.ConsumerAudit {
	processed := make([]*audit.Verifier, 0, len(wp.slots))
	var count int64
	for _, s := range wp.slots {
		count += s.count
		processed = append(processed, s.processed)
	}
	a := audit.ConsumerGroup(verified, processed)
	a.Processed = count
	a.Workers, a.Crashes = len(wp.slots), wp.crashes
	return a
}

// stderrTail is the end of what slot i's processes wrote to stderr.
func (wp *workerPool) stderrTail(i int) string {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	return tailString(wp.slots[i].stderr.String(), outputTailBytes)
}
