package powerfs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountT mounts a power-loss filesystem on a fresh temp folder.
func mountT(t *testing.T) (*FS, string) {
	t.Helper()
	needFUSE(t)
	dir := t.TempDir()
	src, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	for _, d := range []string{src, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Mount(src, mnt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Unmount(); err != nil { // a failed test may leave a file open: detach anyway
			t.Errorf("unmount: %v", err)
			ForceUnmount(mnt)
		}
	})
	return p, mnt
}

// needFUSE fails the test without FUSE in CI and under KBENCH_INTEGRATION=1 (make test installs
// fuse3), and skips it elsewhere.
func needFUSE(t *testing.T) {
	t.Helper()
	if err := CheckFUSE(); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("KBENCH_INTEGRATION") == "1" {
			t.Fatalf("power-loss filesystem tests need FUSE: %v", err)
		}
		t.Skipf("no FUSE on this machine: %v", err)
	}
}

// openT opens a file on the mount; the test closes it before a loss, as a killed broker's files are.
func openT(t *testing.T, path string, flag int) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func writeAt(t *testing.T, f *os.File, b []byte, off int64) {
	t.Helper()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func syncT(t *testing.T, f *os.File) {
	t.Helper()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

func closeT(t *testing.T, f *os.File) {
	t.Helper()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func loseT(t *testing.T, p *FS) Report {
	t.Helper()
	rep, err := p.Lose()
	if err != nil {
		t.Fatalf("lose: %v", err)
	}
	return rep
}

func wantContent(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s after the loss: %d bytes %q..., want %d bytes %q...", filepath.Base(path), len(got), head(got), len(want), head(want))
	}
}

func head(b []byte) []byte { return b[:min(len(b), 16)] }

func TestLoseDropsWhatFollowsTheFsync(t *testing.T) {
	p, mnt := mountT(t)
	path := filepath.Join(mnt, "00000.log")
	f := openT(t, path, os.O_CREATE|os.O_RDWR)
	writeAt(t, f, []byte("synced"), 0)
	syncT(t, f)
	writeAt(t, f, []byte("-lost"), 6)
	rep, err := p.Report()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unsynced != 5 || len(rep.Files) != 1 || rep.Files[0].Path != "00000.log" || rep.Files[0].Appended != 5 {
		t.Fatalf("report before the loss: %+v, want 5 appended bytes in 00000.log", rep)
	}
	closeT(t, f)
	if rep := loseT(t, p); rep.Unsynced != 5 {
		t.Fatalf("lose dropped %d bytes, want 5", rep.Unsynced)
	}
	wantContent(t, path, []byte("synced"))
	// The mount is usable again, with nothing unsynced.
	f = openT(t, path, os.O_RDWR|os.O_APPEND)
	if _, err := f.Write([]byte("+again")); err != nil {
		t.Fatal(err)
	}
	closeT(t, f)
	wantContent(t, path, []byte("synced+again"))
	if rep, _ := p.Report(); rep.Unsynced != 6 {
		t.Fatalf("after the restart: %d unsynced bytes, want 6", rep.Unsynced)
	}
}

func TestFdatasyncCountsAsSync(t *testing.T) {
	p, mnt := mountT(t)
	path := filepath.Join(mnt, "f")
	f := openT(t, path, os.O_CREATE|os.O_RDWR)
	writeAt(t, f, []byte("data"), 0)
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	writeAt(t, f, []byte("more"), 4)
	closeT(t, f)
	loseT(t, p)
	wantContent(t, path, []byte("data"))
}

func TestTruncateRolledBack(t *testing.T) {
	p, mnt := mountT(t)
	orig := bytes.Repeat([]byte("0123456789"), 30000) // 300 kB, past one zero-check chunk
	shrunk, grown := filepath.Join(mnt, "shrunk"), filepath.Join(mnt, "grown")
	for _, path := range []string{shrunk, grown} {
		f := openT(t, path, os.O_CREATE|os.O_RDWR)
		writeAt(t, f, orig, 0)
		syncT(t, f)
		closeT(t, f)
	}
	// Shrink, then write again into what was cut (a rollback must not keep the new bytes).
	if err := os.Truncate(shrunk, 10); err != nil {
		t.Fatal(err)
	}
	f := openT(t, shrunk, os.O_RDWR)
	writeAt(t, f, []byte("new bytes"), 100)
	closeT(t, f)
	if err := os.Truncate(grown, 10<<20); err != nil { // Kafka's index preallocation
		t.Fatal(err)
	}
	rep, err := p.Report()
	if err != nil {
		t.Fatal(err)
	}
	// The cut counts as overwritten; a size grown without data counts no bytes.
	want := []FileReport{
		{Path: "grown", SyncedSize: 300000, Size: 10 << 20},
		{Path: "shrunk", SyncedSize: 300000, Size: 109, Overwritten: 299990, Unsynced: 299990},
	}
	if len(rep.Files) != 2 || rep.Files[0] != want[0] || rep.Files[1] != want[1] || rep.Unsynced != 299990 {
		t.Fatalf("report: %+v, want %+v", rep, want)
	}
	loseT(t, p)
	wantContent(t, shrunk, orig)
	wantContent(t, grown, orig)
}

func TestOverwriteRestored(t *testing.T) {
	p, mnt := mountT(t)
	path := filepath.Join(mnt, "f")
	orig := bytes.Repeat([]byte{'a'}, 8192)
	f := openT(t, path, os.O_CREATE|os.O_RDWR)
	writeAt(t, f, orig, 0)
	syncT(t, f)
	closeT(t, f)
	f = openT(t, path, os.O_WRONLY) // write-only: the old bytes must still be read back
	writeAt(t, f, bytes.Repeat([]byte{'b'}, 100), 4000)
	writeAt(t, f, bytes.Repeat([]byte{'c'}, 200), 3950) // overlaps the first overwrite
	writeAt(t, f, []byte("tail"), 8192)
	closeT(t, f)
	rep, err := p.Report()
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Files[0]; r.Overwritten != 200 || r.Appended != 4 {
		t.Fatalf("report: %+v, want 200 overwritten and 4 appended", r)
	}
	loseT(t, p)
	wantContent(t, path, orig)
}

func TestTwoFilesEachAtItsOwnSync(t *testing.T) {
	p, mnt := mountT(t)
	a, b := filepath.Join(mnt, "a"), filepath.Join(mnt, "b")
	fa, fb := openT(t, a, os.O_CREATE|os.O_RDWR), openT(t, b, os.O_CREATE|os.O_RDWR)
	writeAt(t, fa, []byte("a1"), 0)
	writeAt(t, fb, []byte("b1"), 0)
	syncT(t, fa)
	writeAt(t, fa, []byte("a2"), 2)
	syncT(t, fb) // b's sync says nothing about a
	writeAt(t, fb, []byte("b2"), 2)
	closeT(t, fa)
	closeT(t, fb)
	if rep := loseT(t, p); rep.Unsynced != 4 || len(rep.Files) != 2 {
		t.Fatalf("lose: %+v, want 2 files with 2 bytes each", rep)
	}
	wantContent(t, a, []byte("a1"))
	wantContent(t, b, []byte("b1"))
}

// mmapWrite maps the file shared, writes b at off through the mapping, msyncs if asked, unmaps.
func mmapWrite(t *testing.T, f *os.File, size int, off int, b []byte, msync bool) {
	t.Helper()
	m, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		t.Fatalf("mmap on the mount: %v", err)
	}
	copy(m[off:], b)
	if msync {
		if _, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafePointer(m)), uintptr(len(m)), syscall.MS_SYNC); e != 0 {
			t.Fatalf("msync: %v", e)
		}
	}
	if err := syscall.Munmap(m); err != nil {
		t.Fatal(err)
	}
}

// An index file as Kafka makes one: created, preallocated, synced, then written through mmap.
func mmapIndex(t *testing.T, mnt string) (string, *os.File) {
	path := filepath.Join(mnt, "00000.index")
	f := openT(t, path, os.O_CREATE|os.O_RDWR)
	if err := f.Truncate(16384); err != nil {
		t.Fatal(err)
	}
	syncT(t, f)
	return path, f
}

// The mmap tests dirty pages from this process while another process serves the mount, as a
// broker and its disk's daemon do: a process that both serves a FUSE mount and dirties its pages
// can wait on itself during writeback.

func TestMmapWriteWithMsyncSurvives(t *testing.T) {
	c, _, mnt := startDaemonT(t)
	path, f := mmapIndex(t, mnt)
	mmapWrite(t, f, 16384, 5000, []byte("entry"), true)
	closeT(t, f)
	if rep, err := c.Lose(); err != nil || rep.Unsynced != 0 {
		t.Fatalf("lose after msync: dropped %+v (%v), want 0", rep, err)
	}
	want := make([]byte, 16384)
	copy(want[5000:], "entry")
	wantContent(t, path, want)
}

// Without msync the dirty page reaches the filesystem when the kernel writes it back (at the
// close, at the writer's exit, or at the latest when Lose writes back the mount's dirty pages
// before it unmounts) and counts as unsynced, so the loss drops it: mmap writes are as durable as
// write() calls, no more.
func TestMmapWriteWithoutMsyncIsLost(t *testing.T) {
	c, _, mnt := startDaemonT(t)
	path, f := mmapIndex(t, mnt)
	mmapWrite(t, f, 16384, 5000, []byte("entry"), false)
	closeT(t, f)
	rep, err := c.Lose()
	if err != nil || rep.Unsynced < 5 {
		t.Fatalf("lose dropped %+v (%v), want the dirty page (at least the 5 bytes written)", rep, err)
	}
	wantContent(t, path, make([]byte, 16384))
}

// Metadata goes straight through and is durable at once (doc.go): a rename without a directory
// fsync survives, an unlinked file stays gone, a created file stays (empty if never synced), while
// the renamed file's data still goes back to its last sync under its new name.
func TestMetadataIsDurableDataIsNot(t *testing.T) {
	p, mnt := mountT(t)
	tmp, final := filepath.Join(mnt, "checkpoint.tmp"), filepath.Join(mnt, "checkpoint")
	f := openT(t, tmp, os.O_CREATE|os.O_RDWR)
	writeAt(t, f, []byte("v1"), 0)
	syncT(t, f)
	writeAt(t, f, []byte("+unsynced"), 2)
	closeT(t, f)
	if err := os.Rename(tmp, final); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(mnt, "gone")
	g := openT(t, gone, os.O_CREATE|os.O_RDWR)
	writeAt(t, g, []byte("x"), 0)
	syncT(t, g)
	closeT(t, g)
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(mnt, "fresh")
	h := openT(t, fresh, os.O_CREATE|os.O_RDWR)
	writeAt(t, h, []byte("never synced"), 0)
	closeT(t, h)
	if err := os.Mkdir(filepath.Join(mnt, "topic-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	loseT(t, p)
	wantContent(t, final, []byte("v1"))
	wantContent(t, fresh, nil)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old name after the loss: %v, want it gone (the rename is durable)", err)
	}
	if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unlinked file after the loss: %v, want it gone", err)
	}
	if fi, err := os.Stat(filepath.Join(mnt, "topic-0")); err != nil || !fi.IsDir() {
		t.Fatalf("folder made before the loss: %v, want it kept", err)
	}
}

// Kafka's .lock: flock and fcntl (OFD) locks work on the mount and conflict as on a local disk.
func TestLocksWorkOnTheMount(t *testing.T) {
	_, mnt := mountT(t)
	path := filepath.Join(mnt, ".lock")
	a, b := openT(t, path, os.O_CREATE|os.O_RDWR), openT(t, path, os.O_RDWR)
	defer a.Close()
	defer b.Close()
	if err := syscall.Flock(int(a.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("flock on the mount: %v", err)
	}
	if err := syscall.Flock(int(b.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != syscall.EWOULDBLOCK {
		t.Fatalf("second flock: %v, want EWOULDBLOCK", err)
	}
	const ofdSetlk = 37 // F_OFD_SETLK: conflicts between open files of one process, like two JVMs
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := syscall.FcntlFlock(a.Fd(), ofdSetlk, &lk); err != nil {
		t.Fatalf("fcntl lock on the mount: %v", err)
	}
	if err := syscall.FcntlFlock(b.Fd(), ofdSetlk, &lk); err != syscall.EAGAIN && err != syscall.EACCES {
		t.Fatalf("second fcntl lock: %v, want EAGAIN", err)
	}
}

// A loss while a process still has files open (a broker not killed) is refused, and changes nothing.
func TestLoseRefusedWhileFilesAreOpen(t *testing.T) {
	p, mnt := mountT(t)
	path := filepath.Join(mnt, "f")
	f := openT(t, path, os.O_CREATE|os.O_RDWR)
	writeAt(t, f, []byte("unsynced"), 0)
	_, err := p.Lose()
	if err == nil || !strings.Contains(err.Error(), "still using it") {
		t.Fatalf("lose with a file open: %v, want a refusal", err)
	}
	closeT(t, f)
	wantContent(t, path, []byte("unsynced"))
}
