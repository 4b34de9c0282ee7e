package runner

import (
	"sync"
	"testing"
	"time"
)

// Unarmed, reads do nothing (and a consumer without a signal is fine); armed with a target, the
// first read closes first and moved fires only once the target is read.
func TestReadSignalCountsDown(t *testing.T) {
	var none *readSignal
	none.read()
	s := newReadSignal()
	s.read()
	select {
	case <-s.first:
		t.Fatal("first closed by a read before arming")
	default:
	}
	s.arm(1000)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 249; i++ {
				s.read()
			}
		}()
	}
	wg.Wait()
	select {
	case <-s.first:
	default:
		t.Fatal("first not closed after reads")
	}
	if len(s.moved) != 0 {
		t.Fatal("moved fired with 4 records still to read")
	}
	for i := 0; i < 4; i++ {
		s.read()
	}
	select {
	case <-s.moved:
	case <-time.After(5 * time.Second):
		t.Fatal("moved did not fire at the target")
	}
}

// Armed with 0, every read wakes the waiter, and a waiter that is not looking never blocks a reader.
func TestReadSignalWakesOnEveryRead(t *testing.T) {
	s := newReadSignal()
	s.arm(0)
	for i := 0; i < 100; i++ {
		s.read() // must not block though nobody receives
	}
	select {
	case <-s.moved:
	default:
		t.Fatal("moved did not fire")
	}
	s.read()
	if len(s.moved) != 1 {
		t.Fatal("a read after the waiter looked did not wake it")
	}
}

func BenchmarkReadSignalUnarmed(b *testing.B) {
	s := newReadSignal()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.read()
	}
}
