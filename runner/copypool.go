package runner

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/stats"
)

// copierPool runs one copier process per slot and replaces it after a kill, a zombie takeover
// or its own exit. Each process has its own reader goroutine (a paused zombie must not hold its
// replacement's frames back), which reaps the process when its stdout ends.
type copierPool struct {
	command []string
	spec    func(slot int, instance uint32) CopierSpec

	mu       sync.Mutex
	cur      []*copierProc // the live process per slot (nil: none)
	all      []*copierProc // every process started, in start order
	zombies  map[int]*copierProc
	nextInst uint32
	stopping bool
	kills    int
	pauses   int
	nZombies int
	restarts int
	exits    []string // zombies' ends, in order
	reasons  []string // copiers that ended on their own, and why
	fenced   int      // zombies that ended on their own after SIGCONT
}

// copierProc is one copier process. The reader goroutine writes its fields under mu.
type copierProc struct {
	inst   uint32
	slot   int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer
	done   chan struct{} // closed once the reader has read everything and reaped the process

	mu          sync.Mutex
	assigned    int
	open        int // records copied into the open transaction (its copied frames since the last end frame)
	behind      int64
	commitBegan map[uint32]int64
	committed   int64
	aborted     int64
	fatal       int64
	exitNote    string
	expected    bool // the parent ended it or made it a zombie: no automatic replacement
	zombieSince int64
	copied      *audit.Verifier
	commitLat   *stats.Histogram
}

func newCopierPool(command []string, n int, spec func(int, uint32) CopierSpec) *copierPool {
	return &copierPool{command: command, spec: spec, cur: make([]*copierProc, n), zombies: map[int]*copierProc{}}
}

// start launches a process for slot i (a first start or a replacement).
func (cp *copierPool) start(i int) (string, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.startLocked(i)
}

func (cp *copierPool) startLocked(i int) (string, error) {
	if i < 0 || i >= len(cp.cur) {
		return "", fmt.Errorf("no copier %d (%d slots)", i, len(cp.cur))
	}
	cp.nextInst++
	p := &copierProc{inst: cp.nextInst, slot: i, stderr: &bytes.Buffer{}, done: make(chan struct{}),
		commitBegan: map[uint32]int64{}, copied: audit.NewVerifier(), commitLat: stats.NewHistogram()}
	args := append(append([]string(nil), cp.command[1:]...), "copy")
	p.cmd = exec.Command(cp.command[0], args...)
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return "", fmt.Errorf("start copier %d (%s): %w", i, strings.Join(cp.command, " "), err)
	}
	if err := json.NewEncoder(stdin).Encode(cp.spec(i, p.inst)); err != nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		return "", fmt.Errorf("copier %d spec: %w", i, err)
	}
	p.stdin = stdin
	cp.cur[i] = p
	cp.all = append(cp.all, p)
	go cp.read(p, stdout)
	return fmt.Sprintf("start copier %d (pid %d, instance %d)", i, p.cmd.Process.Pid, p.inst), nil
}

// live is slot i's current process, or an error naming why there is none.
func (cp *copierPool) live(i int) (*copierProc, error) {
	if i < 0 || i >= len(cp.cur) {
		return nil, fmt.Errorf("no copier %d (%d slots)", i, len(cp.cur))
	}
	if cp.cur[i] == nil {
		return nil, fmt.Errorf("copier %d is not running", i)
	}
	return cp.cur[i], nil
}

// kill crashes slot i's copier with SIGKILL and waits until it is reaped.
func (cp *copierPool) kill(i int) (string, error) {
	cp.mu.Lock()
	p, err := cp.live(i)
	if err != nil {
		cp.mu.Unlock()
		return "", err
	}
	p.setExpected()
	cp.cur[i] = nil
	cp.kills++
	cp.mu.Unlock()
	open := p.openRecords()
	err = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	return fmt.Sprintf("SIGKILL pid %d (copier %d, instance %d, %d records in its open transaction)", p.cmd.Process.Pid, i, p.inst, open), err
}

// pause stops slot i's copier with SIGSTOP (no replacement: it resumes with resume).
func (cp *copierPool) pause(i int) (string, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	p, err := cp.live(i)
	if err != nil {
		return "", err
	}
	cp.pauses++
	return fmt.Sprintf("SIGSTOP pid %d (copier %d, instance %d, %d records in its open transaction)", p.cmd.Process.Pid, i, p.inst, p.openRecords()),
		p.cmd.Process.Signal(syscall.SIGSTOP)
}

// resume continues slot i's paused copier (or, if it ended meanwhile, says so).
func (cp *copierPool) resume(i int) (string, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	p, err := cp.live(i)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("SIGCONT pid %d (copier %d, instance %d)", p.cmd.Process.Pid, i, p.inst), p.cmd.Process.Signal(syscall.SIGCONT)
}

// zombie pauses slot i's copier and starts its replacement at once: same transactional.id and
// group member id, so the replacement fences it.
func (cp *copierPool) zombie(i int) (string, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	p, err := cp.live(i)
	if err != nil {
		return "", err
	}
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return "", fmt.Errorf("SIGSTOP copier %d: %w", i, err)
	}
	p.mu.Lock()
	p.expected, p.zombieSince = true, time.Now().UnixNano()
	open := p.open
	p.mu.Unlock()
	cp.zombies[i] = p
	cp.nZombies++
	msg, err := cp.startLocked(i)
	return fmt.Sprintf("SIGSTOP pid %d (copier %d, instance %d, %d records in its open transaction); %s", p.cmd.Process.Pid, i, p.inst, open, msg), err
}

// zombieExitBound bounds how long a resumed zombie may take to notice it was fenced and exit.
const zombieExitBound = 30 * time.Second

// releaseZombie resumes slot i's zombie with SIGCONT and waits (bounded) for it to find itself
// fenced and exit; one that does not is killed.
func (cp *copierPool) releaseZombie(i int) (string, error) {
	cp.mu.Lock()
	p := cp.zombies[i]
	delete(cp.zombies, i)
	cp.mu.Unlock()
	if p == nil {
		return "", fmt.Errorf("copier %d has no zombie", i)
	}
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		return "", fmt.Errorf("SIGCONT zombie copier %d: %w", i, err)
	}
	t := time.NewTimer(zombieExitBound)
	defer t.Stop()
	var how string
	select {
	case <-p.done:
		p.mu.Lock()
		how = fmt.Sprintf("zombie copier %d (instance %d) exited on its own after SIGCONT: %s", i, p.inst, p.exitNote)
		p.mu.Unlock()
		cp.mu.Lock()
		cp.fenced++
		cp.mu.Unlock()
	case <-t.C:
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		how = fmt.Sprintf("zombie copier %d (instance %d) still running %s after SIGCONT: killed", i, p.inst, zombieExitBound)
	}
	cp.mu.Lock()
	cp.exits = append(cp.exits, how)
	cp.mu.Unlock()
	return fmt.Sprintf("SIGCONT pid %d; %s", p.cmd.Process.Pid, how), nil
}

func (p *copierProc) setExpected() {
	p.mu.Lock()
	p.expected = true
	p.mu.Unlock()
}

func (p *copierProc) openRecords() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

// stopAll ends every copier: zombies are resumed and killed, live copiers get stdin closed (they
// commit their open transaction and exit), SIGKILL after limit.
func (cp *copierPool) stopAll(limit time.Duration) {
	cp.mu.Lock()
	cp.stopping = true
	live := make([]*copierProc, 0, len(cp.cur))
	for i, p := range cp.cur {
		if p != nil {
			p.setExpected()
			live = append(live, p)
			cp.cur[i] = nil
		}
	}
	zombies := cp.zombies
	cp.zombies = map[int]*copierProc{}
	cp.mu.Unlock()
	for _, z := range zombies {
		_ = z.cmd.Process.Signal(syscall.SIGKILL)
		<-z.done
	}
	for _, p := range live {
		_ = p.cmd.Process.Signal(syscall.SIGCONT) // a copier paused by a cut-short fault
		_ = p.stdin.Close()
	}
	for _, p := range live {
		select {
		case <-p.done:
		case <-time.After(limit):
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
	}
}

// read consumes one process's frames until its stdout ends, reaps it, and replaces it when it
// ended on its own.
func (cp *copierPool) read(p *copierProc, r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for p.readFrame(br) == nil {
	}
	_ = p.cmd.Wait()
	p.mu.Lock()
	p.assigned, p.open, p.behind = 0, 0, 0
	expected := p.expected
	p.mu.Unlock()
	close(p.done)
	if expected {
		return
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.stopping || cp.cur[p.slot] != p {
		return
	}
	cp.cur[p.slot] = nil
	cp.restarts++
	p.mu.Lock()
	cp.reasons = append(cp.reasons, fmt.Sprintf("copier %d (instance %d) ended on its own: %s", p.slot, p.inst, p.exitNote))
	p.mu.Unlock()
	_, _ = cp.startLocked(p.slot)
}

// readFrame reads and applies one frame; an error ends the stream.
func (p *copierProc) readFrame(br *bufio.Reader) error {
	t, err := br.ReadByte()
	if err != nil {
		return err
	}
	var f [txnEndFrameSz]byte
	switch t {
	case frameCopied:
		if _, err := io.ReadFull(br, f[1:copiedFrameSz]); err != nil {
			return err
		}
		p.copied.Observe(int32(binary.BigEndian.Uint32(f[1:])), binary.BigEndian.Uint32(f[5:]), binary.BigEndian.Uint64(f[9:]))
		p.mu.Lock()
		p.open++ // copied into the open transaction: counted until its end frame
		p.mu.Unlock()
		return nil
	case frameCommitting:
		if _, err := io.ReadFull(br, f[1:commitFrameSz]); err != nil {
			return err
		}
		p.mu.Lock()
		p.commitBegan[binary.BigEndian.Uint32(f[1:])] = int64(binary.BigEndian.Uint64(f[5:]))
		p.mu.Unlock()
		return nil
	case frameTxnEnd:
		if _, err := io.ReadFull(br, f[1:txnEndFrameSz]); err != nil {
			return err
		}
		p.txnEnded(f[5], time.Duration(binary.BigEndian.Uint64(f[10:])))
		return nil
	case frameStatus:
		if _, err := io.ReadFull(br, f[1:statusFrameSz]); err != nil {
			return err
		}
		p.mu.Lock()
		p.assigned = int(binary.BigEndian.Uint32(f[1:]))
		p.behind = int64(binary.BigEndian.Uint64(f[9:]))
		p.mu.Unlock()
		return nil
	case frameExit:
		if _, err := io.ReadFull(br, f[1:3]); err != nil {
			return err
		}
		text := make([]byte, binary.BigEndian.Uint16(f[1:]))
		if _, err := io.ReadFull(br, text); err != nil {
			return err
		}
		p.mu.Lock()
		p.exitNote = string(text)
		p.mu.Unlock()
		return nil
	}
	return fmt.Errorf("copier frame type %q: not our protocol", t)
}

// txnEnded counts one ended transaction.
func (p *copierProc) txnEnded(outcome byte, commit time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.open = 0
	switch outcome {
	case copyCommitted:
		p.committed++
		p.commitLat.Record(commit)
	case copyAborted:
		p.aborted++
	default:
		p.fatal++
	}
}

// allAssigned says whether the live copiers hold every partition and, when there are at least
// as many partitions as copiers, each holds one.
func (cp *copierPool) allAssigned(partitions int) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	n := 0
	for _, p := range cp.cur {
		if p == nil {
			return false
		}
		p.mu.Lock()
		a := p.assigned
		p.mu.Unlock()
		if a == 0 && partitions >= len(cp.cur) {
			return false
		}
		n += a
	}
	return n >= partitions
}

// caughtUp says whether the live copiers hold every partition, are at the input's end and have
// no open transaction, with no zombie left.
func (cp *copierPool) caughtUp(partitions int) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if len(cp.zombies) > 0 {
		return false
	}
	n := 0
	for _, p := range cp.cur {
		if p == nil {
			return false
		}
		p.mu.Lock()
		n += p.assigned
		busy := p.open > 0 || p.behind != 0
		p.mu.Unlock()
		if busy {
			return false
		}
	}
	return n >= partitions
}

// account is the pool's part of the copy audit (call after stopAll): counts, commit latency,
// the instances for the zombie check and what each copied.
func (cp *copierPool) account() (stats.CopyAudit, []audit.CopierInstance, []*audit.Verifier) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c := stats.CopyAudit{Copiers: len(cp.cur), Instances: len(cp.all), Kills: cp.kills, Zombies: cp.nZombies, Pauses: cp.pauses,
		RestartsAfterError: cp.restarts, RestartReasons: append([]string(nil), cp.reasons...), ZombiesFenced: cp.fenced, ZombieExits: append([]string(nil), cp.exits...)}
	lat := stats.NewHistogram()
	var instances []audit.CopierInstance
	var copied []*audit.Verifier
	for _, p := range cp.all {
		p.mu.Lock()
		c.TxnCommitted += p.committed
		c.TxnAborted += p.aborted
		c.TxnFenced += p.fatal
		lat.Merge(p.commitLat)
		instances = append(instances, audit.CopierInstance{Instance: p.inst, Slot: p.slot, ZombieSinceNs: p.zombieSince, CommitBeganNs: p.commitBegan})
		copied = append(copied, p.copied)
		p.mu.Unlock()
	}
	c.CommitLatency = lat.Summary()
	return c, instances, copied
}
