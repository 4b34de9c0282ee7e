// Package inputfile reads the small files a user hands kbench (profiles, restore files, client
// .properties files, a results folder's index.json) with a bound, so that a wrong path such as
// /dev/zero, a FIFO or a huge file is refused with one line instead of hanging kbench or growing
// its memory without limit.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Limit is the largest small input file kbench reads: 1 MiB. Profiles, restore files and client
// configs are a few kilobytes; a thousand times that is a wrong file, not a bigger input.
const Limit = 1 << 20

// ErrNotReadable says the file is not a regular file of at most the limit. Errors that match it
// (errors.Is) name the file, what it is instead and the limit; the sentinel's own text is not in
// them.
var ErrNotReadable = errors.New("not a readable input file")

// RefusedError is an ErrNotReadable with its one-line message: "<what> <path> is <reason>".
// Callers that name the file themselves (a results folder's reader) use Reason alone.
type RefusedError struct {
	What, Path string
	Reason     string // e.g. "a FIFO (named pipe), not a regular file: ..."
}

func (e *RefusedError) Error() string        { return e.What + " " + e.Path + " is " + e.Reason }
func (e *RefusedError) Is(target error) bool { return target == ErrNotReadable }

// Read returns the contents of the regular file at path if it holds at most limit bytes. Device
// files, FIFOs, sockets and directories are refused before they are opened (opening a FIFO would
// block until a writer comes), and the read itself stops after limit+1 bytes, so a file that grows
// or is swapped while being read is refused too. what names the file for the error ("profile").
func Read(path, what string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if err := check(path, what, fi, limit); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if err := check(path, what, fi, limit); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, what, limit)
	}
	return data, nil
}

// check refuses anything but a regular file of at most limit bytes.
func check(path, what string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return &RefusedError{What: what, Path: path, Reason: fmt.Sprintf("%s, not a regular file: kbench reads a %s only from a regular file of at most %s",
			kind(fi.Mode()), what, size(limit))}
	}
	if fi.Size() > limit {
		return tooLarge(path, what, limit)
	}
	return nil
}

func tooLarge(path, what string, limit int64) error {
	return &RefusedError{What: what, Path: path, Reason: fmt.Sprintf("larger than %s, the limit for a %s: is it the right file?", size(limit), what)}
}

// kind says what a non-regular file is, in the words of ls -l.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// size writes a limit in MiB when it is a whole number of them.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
