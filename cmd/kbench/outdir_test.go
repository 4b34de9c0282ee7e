package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// oldRun fills dir with what an earlier run leaves (index, one point's files, a chart, a report)
// and a file of the user's own in the folder and in points/. It returns every file's content.
func oldRun(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{
		"index.json":           `{"format_version":1,"run_id":"old"}`,
		"points/acks-1.json":   `{"format_version":1}`,
		"points/acks-1.hlog":   "#[old log]\n",
		"plots/throughput.png": "png",
		"plots/throughput.svg": "<svg/>",
		"report.md":            "# old report\n",
		"notes.txt":            "the user's own notes\n",
		"points/README":        "the user's own file in points/\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// tree lists the files under dir with their content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOutDirRefusedWhenNotEmpty: sweep and run into a folder that holds a run exit 2 with one
// line naming the folder and both ways out, before any cluster is touched (127.0.0.1:1 would
// refuse), and leave every old file as it was; no chart count of the old run is printed.
func TestOutDirRefusedWhenNotEmpty(t *testing.T) {
	for _, cmd := range [][]string{
		{"sweep", "--profile", "quick"},
		{"run", "--duration", "1s", "--warmup", "0s"},
	} {
		t.Run(cmd[0], func(t *testing.T) {
			dir := t.TempDir()
			before := oldRun(t, dir)
			r := kbench(t, append(cmd, "--bootstrap", "127.0.0.1:1", "--out", dir)...)
			if r.code != exitBadInput {
				t.Errorf("exit %d, want %d", r.code, exitBadInput)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], dir) || !strings.Contains(lines[0], "new folder") ||
				!strings.Contains(lines[0], "--force") {
				t.Errorf("stderr %q: want one line naming %s, a new folder and --force", r.stderr, dir)
			}
			if strings.Contains(r.stderr, "unreachable") || strings.Contains(r.stderr, "charts:") {
				t.Errorf("stderr %q: the cluster was tried or the old run's charts counted", r.stderr)
			}
			if after := tree(t, dir); len(after) != len(before) {
				t.Errorf("files after the refusal: %v, want %v", keys(after), keys(before))
			} else {
				for k, v := range before {
					if after[k] != v {
						t.Errorf("%s changed: %q", k, after[k])
					}
				}
			}
		})
	}
}

// TestOutDirForceRemovesOnlyKbenchFiles: with --force the old run's kbench files go before the
// new run starts (here it stops at once: the cluster refuses), the user's files stay, and the old
// run's charts are neither drawn nor counted.
func TestOutDirForceRemovesOnlyKbenchFiles(t *testing.T) {
	dir := t.TempDir()
	oldRun(t, dir)
	r := kbench(t, "sweep", "--profile", "quick", "--bootstrap", "127.0.0.1:1", "--out", dir, "--force")
	if r.code != exitCluster {
		t.Errorf("exit %d, want %d (the cluster at 127.0.0.1:1 refuses)", r.code, exitCluster)
	}
	if strings.Contains(r.stderr, "charts:") || strings.Contains(r.stderr, "not empty") {
		t.Errorf("stderr %q: refused or counted old charts", r.stderr)
	}
	got := keys(tree(t, dir))
	want := []string{"notes.txt", "points/README"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("left %v, want only the user's files %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "plots")); !os.IsNotExist(err) {
		t.Errorf("the emptied plots folder is still there (%v)", err)
	}
}

// TestOutDirForceKeepsPendingRestore: a restore file is the only record of broker settings the
// old run may have left changed; --force does not remove it and nothing else is removed either.
func TestOutDirForceKeepsPendingRestore(t *testing.T) {
	dir := t.TempDir()
	before := oldRun(t, dir)
	restore := filepath.Join(dir, "restore-20260302-080000.json")
	if err := os.WriteFile(restore, []byte(`{"format_version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := claimOutDir(dir, true)
	if err == nil || !strings.Contains(err.Error(), "kbench restore "+restore) {
		t.Fatalf("err = %v, want a refusal naming `kbench restore %s`", err, restore)
	}
	if after := tree(t, dir); len(after) != len(before)+1 {
		t.Errorf("files after the refusal: %v", keys(after))
	}
}

// TestOutDirNewOrEmptyIsFine: a folder that does not exist yet, or is empty, is claimed as is.
func TestOutDirNewOrEmptyIsFine(t *testing.T) {
	empty := t.TempDir()
	for _, dir := range []string{empty, filepath.Join(empty, "new")} {
		if err := claimOutDir(dir, false); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}
