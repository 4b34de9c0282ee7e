package inputfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readWithin runs Read and fails the test if it does not return within a few seconds: before the
// bound, /dev/zero grew memory without end and a FIFO blocked forever.
func readWithin(t *testing.T, path string, limit int64) ([]byte, error) {
	t.Helper()
	type result struct {
		data []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		d, err := Read(path, "profile", limit)
		ch <- result{d, err}
	}()
	select {
	case r := <-ch:
		return r.data, r.err
	case <-time.After(5 * time.Second):
		t.Fatalf("Read(%s) hangs", path)
		return nil, nil
	}
}

func TestReadRefusesWhatIsNotASmallRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, Limit+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"device", "/dev/zero", "/dev/zero is a character device, not a regular file"},
		{"fifo", fifo, "is a FIFO (named pipe), not a regular file"},
		{"directory", dir, "is a directory, not a regular file"},
		{"too large", big, "is larger than 1 MiB, the limit for a profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readWithin(t, tc.path, Limit)
			if !errors.Is(err, ErrNotReadable) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrNotReadable saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
		})
	}
}

func TestReadReturnsASmallFileWhole(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.yaml")
	want := strings.Repeat("x", Limit) // exactly the limit is allowed
	if err := os.WriteFile(p, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readWithin(t, p, Limit)
	if err != nil || string(got) != want {
		t.Fatalf("got %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing"), "profile", Limit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want ErrNotExist", err)
	}
}
