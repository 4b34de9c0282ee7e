package statstest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// DamagedCopy copies the results folder src into a fresh temporary folder and damages it as disks
// and interrupted copies do: the result file of point truncate is cut in half, and the histogram
// key of point corrupt is replaced by text that is not an HdrHistogram encoding. It returns the
// folder and the truncated file's new length in bytes.
func DamagedCopy(t testing.TB, src, truncate, corrupt, key string) (dir string, truncatedAt int) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	file := func(id string) string { return filepath.Join(dir, "points", id+".json") }
	data, err := os.ReadFile(file(truncate))
	if err != nil {
		t.Fatal(err)
	}
	truncatedAt = len(data) / 2
	if err := os.WriteFile(file(truncate), data[:truncatedAt], 0o644); err != nil {
		t.Fatal(err)
	}
	// Edit the JSON generically, so this package needs nothing from stats.
	data, err = os.ReadFile(file(corrupt))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	hists, ok := doc["histograms"].(map[string]any)
	if !ok || hists[key] == nil {
		t.Fatalf("%s has no histogram %q", file(corrupt), key)
	}
	hists[key] = "HISTFAAAAB3!not base64, not zlib"
	if data, err = json.MarshalIndent(doc, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file(corrupt), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, truncatedAt
}
