package runner

import "sync/atomic"

// readSignal lets the measuring consumers tell a waiting phase that records were read, so the
// drain's caught-up wait and the backlog read block on channels instead of polling on a timer
// (a polling loop would also burn the CPU the backlog read measures as the consumers' cost).
//
// Until it is armed, a read costs one atomic load (the hot path takes no lock and allocates
// nothing); once armed, it counts down from the target: the first record read after arming
// closes first, and every record read once the target is reached wakes the waiter through
// moved (one slot, so a busy consumer never blocks on a waiter that has not looked yet).
type readSignal struct {
	armed  atomic.Bool
	left   atomic.Int64
	target int64         // written before armed is set, read after it is seen set
	first  chan struct{} // closed by the first record read after arming
	moved  chan struct{} // a record was read with nothing left to count down
}

func newReadSignal() *readSignal {
	return &readSignal{first: make(chan struct{}), moved: make(chan struct{}, 1)}
}

// arm starts counting: target records must be read before moved fires (0: every record wakes
// the waiter, which checks its own condition). Arm once per point, before the reads it counts.
func (s *readSignal) arm(target int64) {
	s.target = target
	s.left.Store(target)
	s.armed.Store(true)
}

// read is called by a consumer's poll goroutine for every kbench record it reads.
func (s *readSignal) read() {
	if s == nil || !s.armed.Load() {
		return
	}
	n := s.left.Add(-1)
	if n == s.target-1 {
		close(s.first)
	}
	if n <= 0 {
		select {
		case s.moved <- struct{}{}:
		default:
		}
	}
}
