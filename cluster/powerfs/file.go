package powerfs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// file is an open file of the mount: reads, locks and the rest go to the loopback file; writes,
// size changes and syncs go through the file's bookkeeping. It does not implement
// gofs.FilePassthroughFder on purpose: with FUSE passthrough the kernel would do reads and writes
// on the backing file itself and this daemon would never see them. Nor gofs.FileWritever, so every
// write arrives through Write.
type file struct {
	lf *gofs.LoopbackFile
	fd int
	st *fileState
}

var (
	_ gofs.FileReader    = (*file)(nil)
	_ gofs.FileWriter    = (*file)(nil)
	_ gofs.FileFsyncer   = (*file)(nil)
	_ gofs.FileFlusher   = (*file)(nil)
	_ gofs.FileReleaser  = (*file)(nil)
	_ gofs.FileGetattrer = (*file)(nil)
	_ gofs.FileLseeker   = (*file)(nil)
	_ gofs.FileAllocater = (*file)(nil)
	_ gofs.FileGetlker   = (*file)(nil)
	_ gofs.FileSetlker   = (*file)(nil)
	_ gofs.FileSetlkwer  = (*file)(nil)
)

// track wraps a loopback file handle; fresh: a file just created.
func (p *FS) track(fh gofs.FileHandle, fresh bool) (*file, syscall.Errno) {
	lf, ok := fh.(*gofs.LoopbackFile)
	if !ok {
		return nil, syscall.EIO
	}
	fd, ok := lf.PassthroughFd() // the descriptor, for our own pread/pwrite; never given to the kernel
	if !ok {
		return nil, syscall.EBADF
	}
	st, err := p.state(fd, fresh)
	if err != nil {
		return nil, gofs.ToErrno(err)
	}
	return &file{lf: lf, fd: fd, st: st}, 0
}

func (f *file) Read(ctx context.Context, buf []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	return f.lf.Read(ctx, buf, off)
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n, err := f.st.write(f.fd, data, off)
	return uint32(n), gofs.ToErrno(err)
}

// Fsync syncs the backing file (the flush cost stays real) and then counts everything the file
// holds as durable. fsync and fdatasync (flags bit 0) are the same here: both make data and size
// durable, which is all this filesystem models. Writes that overlap the fsync in time count as
// synced by it.
func (f *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if errno := f.lf.Fsync(ctx, flags); errno != 0 {
		return errno
	}
	f.st.markSynced()
	return 0
}

func (f *file) Flush(ctx context.Context) syscall.Errno   { return f.lf.Flush(ctx) }
func (f *file) Release(ctx context.Context) syscall.Errno { return f.lf.Release(ctx) }
func (f *file) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	return f.lf.Getattr(ctx, out)
}
func (f *file) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	return f.lf.Lseek(ctx, off, whence)
}

// fallocate modes that change contents (punch hole, zero range, collapse, insert): refused, the
// bookkeeping does not model them and Kafka does not use them. Plain allocation and KEEP_SIZE pass.
const contentModes = 0x02 | 0x08 | 0x10 | 0x20

func (f *file) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	if mode&contentModes != 0 {
		return syscall.EOPNOTSUPP
	}
	var errno syscall.Errno
	err := f.st.allocate(f.fd, func() error {
		errno = f.lf.Allocate(ctx, off, size, mode)
		return nil
	})
	if err != nil {
		return gofs.ToErrno(err)
	}
	return errno
}

func (f *file) Getlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	return f.lf.Getlk(ctx, owner, lk, flags, out)
}
func (f *file) Setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return f.lf.Setlk(ctx, owner, lk, flags)
}
func (f *file) Setlkw(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return f.lf.Setlkw(ctx, owner, lk, flags)
}
