package stats

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadResult feeds arbitrary bytes to the result reader: it must return an error or a result,
// never panic, whatever a damaged or hostile file holds.
func FuzzReadResult(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "run-ok", "points", "acks-1.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format_version": 1}`))
	f.Add([]byte(`{"format_version": 2}`))
	f.Add([]byte(`{"format_version": 1, "histograms": {"produce": "HISTFAAAAB"}}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadResult(path)
		if err != nil {
			return
		}
		_ = Resummarise(r) // may fail on a bad histogram, must not panic
	})
}

// FuzzDecodeHistogram: a histogram string from a file must decode or fail, never panic.
func FuzzDecodeHistogram(f *testing.F) {
	h := NewHistogram()
	h.Record(1500)
	enc, err := h.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add("HISTFAAAAB")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := DecodeHistogram(s)
		if err != nil {
			return
		}
		_ = d.Summary()
		_ = d.Distribution()
	})
}
