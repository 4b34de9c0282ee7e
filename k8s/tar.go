package k8s

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteTar writes the named entries of root (files or folders, walked) as one uncompressed tar
// stream with paths relative to root, so that `kubectl logs job/... | tar x` recreates them in
// the current folder. Missing entries are skipped: a sweep that failed before writing its
// results folder still sends its log.
func WriteTar(w io.Writer, root string, names ...string) error {
	tw := tar.NewWriter(w)
	for _, name := range names {
		start := filepath.Join(root, name)
		if _, err := os.Lstat(start); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return addTarEntry(tw, root, p, d)
		})
		if err != nil {
			return fmt.Errorf("tar %s: %w", start, err)
		}
	}
	return tw.Close()
}

func addTarEntry(tw *tar.Writer, root, p string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() && !info.IsDir() {
		return nil // kbench writes only files and folders; anything else is not its result
	}
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return err
	}
	hdr, err := tar.FileInfoHeader(info, "")
	if err != nil {
		return err
	}
	hdr.Name = filepath.ToSlash(rel)
	if info.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uname, hdr.Gname = "", ""
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if info.IsDir() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
