package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSourceIsWhatLoadReads: the text `kbench k8s manifest` puts into the ConfigMap parses to the
// same profile as the name or path it was given.
func TestSourceIsWhatLoadReads(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(p, []byte("name: mine\nworkload:\n  rate: 10\nsweep:\n  points:\n    - acks: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"quick", p} {
		file, data, err := Source(name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(file, data)
		if err != nil || got.Name != want.Name || got.File != want.File {
			t.Errorf("Source(%s): %v, profile %q from %s, want %q from %s", name, err, got.Name, got.File, want.Name, want.File)
		}
	}
	if _, _, err := Source("no-such-profile"); err == nil {
		t.Error("Source of a missing profile: no error")
	}
}
