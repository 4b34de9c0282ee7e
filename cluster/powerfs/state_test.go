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

// BenchmarkMountAppend appends 16 KiB writes (a Kafka produce batch) through the mount, for the
// filesystem's cost per write next to BenchmarkPlainAppend (the same on the backing folder).
func BenchmarkMountAppend(b *testing.B) {
	needFUSEb(b)
	dir := b.TempDir()
	src, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	os.Mkdir(src, 0o755)
	os.Mkdir(mnt, 0o755)
	p, err := Mount(src, mnt)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Unmount()
	benchAppend(b, mnt)
}

func BenchmarkPlainAppend(b *testing.B) { benchAppend(b, b.TempDir()) }

func benchAppend(b *testing.B, dir string) {
	f, err := os.Create(filepath.Join(dir, "seg"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	batch := make([]byte, 16<<10)
	b.SetBytes(int64(len(batch)))
	n := 0
	for b.Loop() {
		if _, err := f.Write(batch); err != nil {
			b.Fatal(err)
		}
		if n++; n%4096 == 0 { // 64 MiB, then start over (a segment roll)
			f.Truncate(0)
			f.Seek(0, 0)
		}
	}
}

func needFUSEb(b *testing.B) {
	if err := CheckFUSE(); err != nil {
		b.Skip(err)
	}
}
