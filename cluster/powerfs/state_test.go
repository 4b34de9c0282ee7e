package powerfs

import (
	"os"
	"path/filepath"
	"testing"
)

// The common case, an append past the synced size (every Kafka segment write), records nothing
// and allocates nothing: the bookkeeping adds a lock and a comparison to the pwrite.
func BenchmarkAppend(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "seg"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var s fileState
	rec := make([]byte, 1024)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	off := int64(0)
	for b.Loop() {
		if _, err := s.write(int(f.Fd()), rec, off); err != nil {
			b.Fatal(err)
		}
		off += int64(len(rec))
		if off > 64<<20 {
			off = 0
			s.markSynced()
			f.Truncate(0)
		}
	}
}

func TestAppendAllocatesNothing(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "seg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s fileState
	rec := make([]byte, 1024)
	off := int64(0)
	s.write(int(f.Fd()), rec, off) // the first write after a sync reads the size once
	allocs := testing.AllocsPerRun(100, func() {
		off += int64(len(rec))
		if _, err := s.write(int(f.Fd()), rec, off); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("an append allocates %.1f times, want 0", allocs)
	}
}
