package powerfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// FS is one mounted power-loss filesystem: Source is the real folder (what the disk holds after a
// power loss, plus what it has not lost yet), Mountpoint where the program under test sees it.
type FS struct {
	Source     string
	Mountpoint string

	ctl    sync.Mutex // one control operation (lose, unmount) at a time
	server *fuse.Server

	filesMu sync.Mutex
	files   map[fileKey]*fileState
}

// FSType is the filesystem type the mounts show in /proc/self/mountinfo ("fuse." + the name).
const FSType = "fuse.powerfs"

// Mount mounts a power-loss filesystem of source on mountpoint (both folders must exist). It
// refuses with ErrNoFUSE when the machine has no FUSE (no /dev/fuse, no fusermount3).
func Mount(source, mountpoint string) (*FS, error) {
	if err := CheckFUSE(); err != nil {
		return nil, err
	}
	src, err := filepath.Abs(source)
	if err != nil {
		return nil, err
	}
	mnt, err := filepath.Abs(mountpoint)
	if err != nil {
		return nil, err
	}
	p := &FS{Source: src, Mountpoint: mnt, files: map[fileKey]*fileState{}}
	if err := p.mount(); err != nil {
		return nil, err
	}
	return p, nil
}

// ErrNoFUSE says the machine cannot mount FUSE filesystems.
var ErrNoFUSE = errors.New("FUSE is not available")

// CheckFUSE says whether this machine can mount the filesystem: /dev/fuse and fusermount3.
func CheckFUSE() error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("%w: no /dev/fuse (load the fuse module, or give the container --device /dev/fuse)", ErrNoFUSE)
	}
	if _, err := exec.LookPath("fusermount3"); err == nil {
		return nil
	}
	return fmt.Errorf("%w: no fusermount3 (install fuse3: `make deps`, or apt-get install fuse3)", ErrNoFUSE)
}

// mount starts serving p.Source on p.Mountpoint. The kernel's page cache stays on (Kafka mmaps its
// indexes); FUSE passthrough is off (its reads and writes would never reach this daemon); the
// writeback cache is off (go-fuse never asks for it) so every write() reaches the daemon at once;
// locks stay the kernel's own (local flock and fcntl locks work on the mount). Every change goes
// through this mount, so the kernel's cached pages are never stale: they are kept across opens
// (FOPEN_KEEP_CACHE) and not dropped when a file's mtime moves (ExplicitDataCacheControl), which
// keeps consumers' and followers' reads of fresh segments out of the daemon. A loss remounts,
// which starts from an empty cache. Extended attributes are off: otherwise the kernel asks for
// security.capability before every write, a second round trip through the daemon per write (Kafka
// uses no xattrs; BenchmarkMountAppend: 71 to 50 µs per 16 KiB write).
func (p *FS) mount() error {
	root, err := gofs.NewLoopbackRoot(p.Source)
	if err != nil {
		return fmt.Errorf("powerfs on %s: %w", p.Source, err)
	}
	timeout := time.Second
	opts := &gofs.Options{
		MountOptions: fuse.MountOptions{
			FsName:                   "powerfs",
			Name:                     "powerfs",
			MaxWrite:                 1 << 20,
			DisabledCapabilities:     fuse.CAP_PASSTHROUGH,
			ExplicitDataCacheControl: true,
			DisableXAttrs:            true,
		},
		EntryTimeout: &timeout,
		AttrTimeout:  &timeout,
	}
	server, err := gofs.Mount(p.Mountpoint, &node{LoopbackNode: root.(*gofs.LoopbackNode), fs: p}, opts)
	if err != nil {
		return fmt.Errorf("mount powerfs of %s on %s: %w", p.Source, p.Mountpoint, err)
	}
	p.server = server
	return nil
}

// Wait blocks until the filesystem is unmounted (by Unmount, Lose's remount aside, or from outside).
func (p *FS) Wait() {
	for {
		p.ctl.Lock()
		s := p.server
		p.ctl.Unlock()
		if s == nil {
			return
		}
		s.Wait()
		p.ctl.Lock()
		same := p.server == s
		if same {
			p.server = nil
		}
		p.ctl.Unlock()
		if same {
			return
		}
	}
}

// Unmount unmounts the filesystem. Data not synced stays in the source folder (an orderly
// shutdown loses nothing). It fails while a process still has files open on the mount.
func (p *FS) Unmount() error {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	return p.unmountLocked()
}

func (p *FS) unmountLocked() error {
	if p.server == nil {
		return nil
	}
	p.writeBackDirtyPages()
	if err := p.server.Unmount(); err != nil {
		return fmt.Errorf("unmount %s (is a process still using it? a broker must be stopped first): %w", p.Mountpoint, err)
	}
	p.server.Wait()
	p.server = nil
	return nil
}

// writeBackDirtyPages asks the kernel to write back every page still dirty on the mount (a
// killed broker's memory-mapped index pages) while the filesystem fully serves, so they reach
// it as ordinary writes (unsynced, so a loss drops them) before the unmount, instead of during
// the unmount's own teardown. Best effort: an error leaves the pages to the unmount.
func (p *FS) writeBackDirtyPages() {
	d, err := os.Open(p.Mountpoint)
	if err != nil {
		return
	}
	defer d.Close()
	unix.Syncfs(int(d.Fd()))
}

// Report is what a power loss would drop now (Report) or what one dropped (Lose): per file, and
// the total of unsynced bytes. Files with nothing unsynced are left out.
type Report struct {
	Files    []FileReport `json:"files"`
	Unsynced int64        `json:"unsynced_bytes"`
}

// Report says, per file, what is not durable since its last fsync/fdatasync. Pages a process
// dirtied through mmap count only once the kernel has written them back (msync, writeback,
// close): until then this filesystem has not seen them.
func (p *FS) Report() (Report, error) {
	return p.walk(false, func(s *fileState, path string, size int64) (FileReport, bool, error) {
		r, ok := s.report(size)
		return r, ok, nil
	})
}

// Lose simulates a power loss of the disk: every file goes back to its state at its last
// fsync/fdatasync, and the report says what was dropped. The filesystem is unmounted first, which
// makes the kernel hand over every page it still holds dirty (mmap'd indexes of a killed process)
// and drops its page cache, and mounted again afterwards, ready for the program's restart. The
// program must be stopped (killed) first: Lose fails, changing nothing, while files are open.
func (p *FS) Lose() (Report, error) {
	p.ctl.Lock()
	defer p.ctl.Unlock()
	if err := p.unmountLocked(); err != nil {
		return Report{}, err
	}
	rep, err := p.walk(true, func(s *fileState, path string, size int64) (FileReport, bool, error) {
		r, ok := s.report(size)
		if !ok {
			return r, false, nil
		}
		return r, true, rollbackFile(s, path)
	})
	if merr := p.mount(); merr != nil {
		return rep, errors.Join(err, merr)
	}
	return rep, err
}

// MarkSynced says everything the files hold now is durable, as if each had been fsync'ed (used
// once after formatting, whose files Kafka's tool may not sync: a real disk would have written
// them long before any test's power loss).
func (p *FS) MarkSynced() {
	p.filesMu.Lock()
	defer p.filesMu.Unlock()
	for _, s := range p.files {
		s.markSynced()
	}
}

func rollbackFile(s *fileState, path string) error {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("roll back %s: %w", path, err)
	}
	defer syscall.Close(fd)
	if err := s.rollback(fd); err != nil {
		return fmt.Errorf("roll back %s: %w", path, err)
	}
	return nil
}

// walk visits every regular file of the source folder that has bookkeeping, once per inode. With
// forget (nothing mounted, so nothing open) it drops the bookkeeping of files no longer there:
// unlinked files are gone for good, as unlink goes straight through.
func (p *FS) walk(forget bool, visit func(s *fileState, path string, size int64) (FileReport, bool, error)) (Report, error) {
	var rep Report
	seen := map[fileKey]bool{}
	var errs []error
	err := filepath.WalkDir(p.Source, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			return nil // gone meanwhile
		}
		k := fileKey{uint64(st.Dev), st.Ino}
		s := p.lookup(k)
		if s == nil || seen[k] {
			return nil
		}
		seen[k] = true
		r, ok, err := visit(s, path, st.Size)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			r.Path, _ = filepath.Rel(p.Source, path)
			rep.Files = append(rep.Files, r)
			rep.Unsynced += r.Unsynced
		}
		return nil
	})
	errs = append(errs, err)
	if forget {
		p.forgetExcept(seen)
	}
	sort.Slice(rep.Files, func(i, j int) bool { return rep.Files[i].Path < rep.Files[j].Path })
	return rep, errors.Join(errs...)
}

func (p *FS) lookup(k fileKey) *fileState {
	p.filesMu.Lock()
	defer p.filesMu.Unlock()
	return p.files[k]
}

// state returns the bookkeeping of the file open on fd, making it on first sight; fresh makes a
// new one (a file just created: an inode number may be reused after an unlink).
func (p *FS) state(fd int, fresh bool) (*fileState, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, err
	}
	k := fileKey{uint64(st.Dev), st.Ino}
	p.filesMu.Lock()
	defer p.filesMu.Unlock()
	s := p.files[k]
	if s == nil || fresh {
		s = &fileState{}
		p.files[k] = s
	}
	return s, nil
}

// forget drops the bookkeeping of an inode gone for good (its last name unlinked or replaced).
func (p *FS) forget(k fileKey) {
	p.filesMu.Lock()
	delete(p.files, k)
	p.filesMu.Unlock()
}

// forgetExcept drops the bookkeeping of every inode not in keep.
func (p *FS) forgetExcept(keep map[fileKey]bool) {
	p.filesMu.Lock()
	defer p.filesMu.Unlock()
	for k := range p.files {
		if !keep[k] {
			delete(p.files, k)
		}
	}
}
