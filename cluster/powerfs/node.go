package powerfs

import (
	"context"
	"path/filepath"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is a loopback node whose files keep the bookkeeping of what is not synced. Everything not
// overridden here (lookup, mkdir, rmdir, symlink, link, readdir, xattrs, getattr) goes straight
// through, and is durable at once: metadata is not rolled back (LazyFS's semantics, see doc.go).
type node struct {
	*gofs.LoopbackNode
	fs *FS
}

var (
	_ gofs.NodeWrapChilder = (*node)(nil)
	_ gofs.NodeOpener      = (*node)(nil)
	_ gofs.NodeCreater     = (*node)(nil)
	_ gofs.NodeSetattrer   = (*node)(nil)
	_ gofs.NodeUnlinker    = (*node)(nil)
	_ gofs.NodeRenamer     = (*node)(nil)
	_ gofs.NodeTmpfiler    = (*node)(nil)
)

// WrapChild makes every node of the tree a *node.
func (n *node) WrapChild(ctx context.Context, ops gofs.InodeEmbedder) gofs.InodeEmbedder {
	return &node{LoopbackNode: ops.(*gofs.LoopbackNode), fs: n.fs}
}

// backingPath is the node's path in the source folder.
func (n *node) backingPath() string {
	return filepath.Join(n.RootData.Path, n.Path(n.RootData.RootNode.EmbeddedInode()))
}

// readable turns write-only into read-write: before an overwrite the filesystem reads the bytes
// it replaces through the same descriptor. O_TRUNC is taken out and done as a tracked truncate.
func readable(flags uint32) uint32 {
	if flags&syscall.O_ACCMODE == syscall.O_WRONLY {
		flags = flags&^syscall.O_ACCMODE | syscall.O_RDWR
	}
	return flags &^ syscall.O_TRUNC
}

// Open opens the backing file and wraps it in a tracking file handle.
func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	fh, fuseFlags, errno := n.LoopbackNode.Open(ctx, readable(flags))
	if errno != 0 {
		return nil, 0, errno
	}
	f, errno := n.fs.track(fh, false)
	if errno == 0 && flags&syscall.O_TRUNC != 0 {
		errno = gofs.ToErrno(f.st.truncate(f.fd, 0))
	}
	if errno != 0 {
		fh.(gofs.FileReleaser).Release(ctx)
		return nil, 0, errno
	}
	return f, fuseFlags | fuse.FOPEN_KEEP_CACHE, 0
}

// Create creates the file (durable at once, empty) and wraps it in a tracking file handle.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	ch, fh, fuseFlags, errno := n.LoopbackNode.Create(ctx, name, readable(flags), mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	f, errno := n.fs.track(fh, true)
	if errno == 0 && flags&syscall.O_TRUNC != 0 {
		errno = gofs.ToErrno(f.st.truncate(f.fd, 0))
	}
	if errno != 0 {
		fh.(gofs.FileReleaser).Release(ctx)
		return nil, nil, 0, errno
	}
	return ch, f, fuseFlags | fuse.FOPEN_KEEP_CACHE, 0
}

// Tmpfile (O_TMPFILE) is refused: its handle would bypass the bookkeeping, and Kafka does not use it.
func (n *node) Tmpfile(ctx context.Context, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EOPNOTSUPP
}

// Setattr does a size change as a tracked truncate, the rest (mode, owner, times) straight through.
func (n *node) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if size, ok := in.GetSize(); ok {
		if errno := n.truncate(fh, int64(size)); errno != 0 {
			return errno
		}
		rest := *in
		rest.Valid &^= fuse.FATTR_SIZE
		in = &rest
	}
	return n.LoopbackNode.Setattr(ctx, fh, in, out)
}

// truncate changes the size through the open handle, or else through a descriptor opened for it.
func (n *node) truncate(fh gofs.FileHandle, size int64) syscall.Errno {
	if f, ok := fh.(*file); ok {
		return gofs.ToErrno(f.st.truncate(f.fd, size))
	}
	fd, err := syscall.Open(n.backingPath(), syscall.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return gofs.ToErrno(err)
	}
	defer syscall.Close(fd)
	st, err := n.fs.state(fd, false)
	if err != nil {
		return gofs.ToErrno(err)
	}
	return gofs.ToErrno(st.truncate(fd, size))
}

// Unlink removes the name (durable at once) and forgets the file's bookkeeping when it was the last.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	k, last := n.child(name)
	errno := n.LoopbackNode.Unlink(ctx, name)
	if errno == 0 && last {
		n.fs.forget(k)
	}
	return errno
}

// Rename renames (durable at once); a replaced target's bookkeeping goes with it.
func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	var k fileKey
	last := false
	if np, ok := newParent.(*node); ok && flags&renameExchange == 0 {
		k, last = np.child(newName)
	}
	if np, ok := newParent.(*node); ok {
		newParent = np.LoopbackNode
	}
	errno := n.LoopbackNode.Rename(ctx, name, newParent, newName, flags)
	if errno == 0 && last {
		n.fs.forget(k)
	}
	return errno
}

// child names the regular file name in this folder and says whether that name is its last link.
func (n *node) child(name string) (fileKey, bool) {
	var st syscall.Stat_t
	if err := syscall.Lstat(filepath.Join(n.backingPath(), name), &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), st.Ino}, st.Nlink == 1
}

// renameExchange is RENAME_EXCHANGE: the target is swapped, not replaced.
const renameExchange = 0x2
