// Package statstest holds test helpers for packages that write result files, as clustertest does
// for the real cluster: golden trees of fixture files are compared the same way everywhere.
package statstest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// SameTree fails the test unless the folders fresh and golden hold the same files with the same
// content. same decides for a file (by its path relative to both folders) whose bytes differ
// (nil: they must not differ); comparing decoded JSON there keeps a field added later, zero in
// both, from failing the test. update is the
// command that rewrites the golden files, named in every failure.
func SameTree(t testing.TB, fresh, golden, update string, same func(rel string) bool) {
	t.Helper()
	files := map[string]bool{}
	for _, root := range []string{fresh, golden} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			files[rel] = true
			return nil
		})
		if err != nil {
			t.Fatalf("%v (run %s)", err, update)
		}
	}
	for rel := range files {
		a, errA := os.ReadFile(filepath.Join(fresh, rel))
		b, errB := os.ReadFile(filepath.Join(golden, rel))
		ok := errA == nil && errB == nil && bytes.Equal(a, b)
		if !ok && errA == nil && errB == nil && same != nil {
			ok = same(rel)
		}
		if !ok {
			t.Errorf("%s differs from what the generator writes now (run %s)", filepath.Join(golden, rel), update)
		}
	}
}
