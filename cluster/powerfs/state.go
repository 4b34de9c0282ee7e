package powerfs

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"syscall"
)

// fileKey names a backing file by device and inode: the bookkeeping follows the file, not its
// name, so a renamed file rolls back under its new name.
type fileKey struct{ dev, ino uint64 }

// extent is a range of the file as it was at its last sync, saved before something changed it.
// data nil means the range held zeros (only ranges a shrinking truncate cut off are stored that way:
// Kafka trims 10 MiB preallocated index files, mostly zeros).
type extent struct {
	off  int64
	n    int64
	data []byte
}

func (e extent) end() int64 { return e.off + e.n }

// fileState is what one file has not made durable since its last fsync/fdatasync: the size it
// had then (synced), the smallest size it has had since (low: a rollback truncates there first,
// which zeroes whatever was cut and written again), and the original bytes of every range within
// the synced size that a write or a truncate changed (saved, sorted, not overlapping). Bytes past
// the synced size need no copy: a rollback cuts them off. dirty false: the file is as it was at
// its last sync (or as it was when this filesystem first saw it).
type fileState struct {
	mu      sync.Mutex
	dirty   bool
	synced  int64
	low     int64
	dataEnd int64 // end of the data written since the sync (a size grown by ftruncate alone holds no data)
	saved   []extent
}

// zeroChunk is the granularity at which cut-off ranges are checked for zeros.
const zeroChunk = 64 << 10

// touch starts the bookkeeping of a clean file: its size now is its size at the last sync.
func (s *fileState) touch(fd int) error {
	if s.dirty {
		return nil
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return err
	}
	s.dirty, s.synced, s.low, s.dataEnd, s.saved = true, st.Size, st.Size, st.Size, s.saved[:0]
	return nil
}

// write records a write of n bytes at off and then does it (pwrite on fd), under the file's lock.
// An append past the synced size (Kafka's segments) records nothing and allocates nothing.
func (s *fileState) write(fd int, data []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.touch(fd); err != nil {
		return 0, err
	}
	if off < s.synced {
		if err := s.save(fd, off, min(off+int64(len(data)), s.synced), false); err != nil {
			return 0, err
		}
	}
	s.dataEnd = max(s.dataEnd, off+int64(len(data)))
	return syscall.Pwrite(fd, data, off)
}

// truncate records a size change and does it. Growing needs no copy; shrinking below the synced
// size saves what it cuts off.
func (s *fileState) truncate(fd int, size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.touch(fd); err != nil {
		return err
	}
	if size < s.synced {
		if err := s.save(fd, size, s.synced, true); err != nil {
			return err
		}
	}
	s.low, s.dataEnd = min(s.low, size), min(s.dataEnd, size)
	return syscall.Ftruncate(fd, size)
}

// allocate records an fallocate (it may grow the file) and does it.
func (s *fileState) allocate(fd int, do func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.touch(fd); err != nil {
		return err
	}
	return do()
}

// save copies the parts of [from, to) not saved yet from fd. With zeros, all-zero chunks are
// recorded without data (only for ranges at or past low, which a rollback zeroes by truncating).
func (s *fileState) save(fd int, from, to int64, zeros bool) error {
	i, _ := slices.BinarySearchFunc(s.saved, from, func(e extent, off int64) int {
		if e.end() <= off {
			return -1
		}
		return 1
	})
	grew := false
	for pos := from; pos < to; {
		if i < len(s.saved) && s.saved[i].off <= pos {
			pos = max(pos, s.saved[i].end())
			i++
			continue
		}
		gapEnd := to
		if i < len(s.saved) && s.saved[i].off < to {
			gapEnd = s.saved[i].off
		}
		for pos < gapEnd {
			n := gapEnd - pos
			if zeros {
				n = min(n, zeroChunk)
			}
			e, err := readExtent(fd, pos, n, zeros)
			if err != nil {
				return fmt.Errorf("save bytes %d-%d before changing them: %w", pos, pos+n, err)
			}
			s.saved = append(s.saved, e)
			grew = true
			pos += n
		}
	}
	if grew {
		slices.SortFunc(s.saved, func(a, b extent) int { return cmp.Compare(a.off, b.off) })
	}
	return nil
}

// readExtent reads n bytes at off (a short read past the end of the file reads as zeros).
func readExtent(fd int, off, n int64, zeros bool) (extent, error) {
	data := make([]byte, n)
	got := 0
	for got < len(data) {
		k, err := syscall.Pread(fd, data[got:], off+int64(got))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return extent{}, err
		}
		if k == 0 {
			break
		}
		got += k
	}
	if zeros && allZero(data[:got]) {
		return extent{off: off, n: n}, nil
	}
	return extent{off: off, n: n, data: data}, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// markSynced says everything the file holds now is durable (after an fsync or fdatasync).
func (s *fileState) markSynced() {
	s.mu.Lock()
	s.dirty, s.saved = false, nil
	s.mu.Unlock()
}

// FileReport is what one file would lose in a power loss now.
type FileReport struct {
	Path        string `json:"path"`        // relative to the mount
	SyncedSize  int64  `json:"synced_size"` // size at the last fsync/fdatasync
	Size        int64  `json:"size"`        // size now
	Appended    int64  `json:"appended"`    // bytes written past the synced size (cut off by a loss); growth by ftruncate alone (Kafka's index preallocation) holds no data and is not counted
	Overwritten int64  `json:"overwritten"` // bytes within the synced size changed since (a loss restores them)
	Unsynced    int64  `json:"unsynced"`    // Appended + Overwritten: the bytes a loss changes
}

// report says what a loss would change in the file, whose size is now size.
func (s *fileState) report(size int64) (FileReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return FileReport{}, false
	}
	r := FileReport{SyncedSize: s.synced, Size: size, Appended: max(0, min(size, s.dataEnd)-s.synced)}
	for _, e := range s.saved {
		r.Overwritten += e.n
	}
	r.Unsynced = r.Appended + r.Overwritten
	return r, true
}

// rollback puts the file on fd back to its state at its last sync: truncate to the smallest size
// it had since (zeroing what was cut and rewritten), to the synced size (cutting appends, or
// growing back with zeros), then write the saved original bytes back.
func (s *fileState) rollback(fd int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	if s.low < s.synced {
		if err := syscall.Ftruncate(fd, s.low); err != nil {
			return err
		}
	}
	if err := syscall.Ftruncate(fd, s.synced); err != nil {
		return err
	}
	for _, e := range s.saved {
		data := e.data
		if data == nil {
			if e.off >= s.low {
				continue // zeroed by the truncate to low
			}
			data = make([]byte, min(e.end(), s.low)-e.off)
		}
		if _, err := syscall.Pwrite(fd, data, e.off); err != nil {
			return err
		}
	}
	s.dirty, s.saved = false, nil
	return nil
}
