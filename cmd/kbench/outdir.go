package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kbench/kbench/stats"
)

// A results folder holds one run. Writing a second run into it would replace the old run's
// index while leaving its other points' files behind, mixing two runs in one folder; so sweep
// and run refuse a folder that holds anything, and with --force remove the old run's kbench
// files (and only those) first.

// claimOutDir makes dir ready for a new run before any cluster is touched: a folder that does
// not exist or is empty is fine; one that holds anything is refused (exit 2) unless force, in
// which case kbench's own files of the old run are removed and foreign files are left alone. A
// pending restore file is never removed: it is the only record of broker settings the old run
// may have left changed.
func claimOutDir(dir string, force bool) error {
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return withCode(exitBadInput, fmt.Errorf("--out %s: %w", dir, err))
	case len(entries) == 0:
		return nil
	}
	if restores := restoreFiles(entries); len(restores) > 0 {
		return withCode(exitBadInput, fmt.Errorf("--out %s holds %s, a pending restore of broker settings the old run may have left changed: run `kbench restore %s` first, or give a new folder",
			dir, restores[0], filepath.Join(dir, restores[0])))
	}
	if !force {
		return withCode(exitBadInput, fmt.Errorf("--out %s is not empty (%s): give a new folder, or --force to replace the old run's kbench files",
			dir, describeEntries(entries)))
	}
	if err := removeOldRun(dir); err != nil {
		return fmt.Errorf("--force: clear the old run in %s: %w", dir, err)
	}
	return nil
}

// restoreFiles names the restore files (restore-<run>.json) among entries.
func restoreFiles(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, "restore-") && strings.HasSuffix(n, ".json") {
			out = append(out, n)
		}
	}
	return out
}

// describeEntries says what a folder holds, in a few words: "index.json, points/ and 3 more".
func describeEntries(entries []os.DirEntry) string {
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
	}
	return strings.Join(names, ", ")
}

// oldRunFiles are the subfolders of a results folder and the file name extensions kbench writes
// in each: the result files and interval logs, and the charts.
var oldRunFiles = map[string][]string{
	stats.PointsDir: {".json", ".hlog"},
	"plots":         {".png", ".svg"},
}

// removeOldRun removes kbench's files of the run in dir: index.json, report.md and report.html,
// points/*.json and *.hlog, plots/*.png and *.svg, and kbench's own temporary files (written
// atomically, ".<name>.tmp-*"), then the points and plots folders if that left them empty.
// Anything else stays: it is not kbench's to delete.
func removeOldRun(dir string) error {
	for _, sub := range []string{stats.PointsDir, "plots", ""} {
		folder := filepath.Join(dir, sub)
		entries, err := os.ReadDir(folder)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !kbenchFile(sub, e.Name()) {
				continue
			}
			if err := os.Remove(filepath.Join(folder, e.Name())); err != nil {
				return err
			}
		}
		if sub != "" {
			if err := os.Remove(folder); err != nil && !isNotEmpty(err) {
				return err
			}
		}
	}
	return nil
}

// kbenchFile says whether name, in the subfolder sub of a results folder, is a file kbench
// writes there.
func kbenchFile(sub, name string) bool {
	if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") {
		return true // a temporary file of stats.WriteFileAtomic left by a crash
	}
	if sub == "" {
		return name == stats.IndexFile || name == "report.md" || name == "report.html"
	}
	return slices.Contains(oldRunFiles[sub], filepath.Ext(name))
}

// isNotEmpty says whether err is the error of removing a folder that still holds files.
func isNotEmpty(err error) bool {
	return errors.Is(err, fs.ErrExist) // ENOTEMPTY is ErrExist to Go
}
