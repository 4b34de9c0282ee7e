package main

// `kbench cluster down --wipe` deletes only what kbench made: the regression tests of the wipe
// that deleted a machine (`--dir /` ran os.RemoveAll on it), one per way of naming the folder.
// Every folder here is a fresh t.TempDir(); a temporary folder stands in for a home folder or /.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/cluster/clustertest"
)

// homeLike makes a folder that looks like a home folder, including names kbench itself uses.
func homeLike(t *testing.T) (dir string, files []string) {
	t.Helper()
	dir = t.TempDir()
	files = []string{".bashrc", ".ssh/id_ed25519", "Documents/thesis.tex", "nodes/broker-1/data/precious", "log4j2.properties", "client-admin.properties"}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("the user's"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, files
}

func wantAll(t *testing.T, dir string, files []string) {
	t.Helper()
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s is gone: %v", f, err)
		}
	}
}

func TestWipeRefusesFoldersKbenchDidNotMake(t *testing.T) {
	home, files := homeLike(t)
	empty := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"--dir of a home folder", nil, []string{"cluster", "down", "--wipe", "--dir", home}},
		{"--dir of a home folder, trailing slash", nil, []string{"cluster", "down", "--wipe", "--dir", home + "/"}},
		{"--dir of a home folder, dot", nil, []string{"cluster", "down", "--wipe", "--dir", home + "/."}},
		{"KBENCH_CLUSTER_DIR of a home folder", []string{"KBENCH_CLUSTER_DIR=" + home}, []string{"cluster", "down", "--wipe"}},
		{"empty folder", nil, []string{"cluster", "down", "--wipe", "--dir", empty}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := kbenchIn(t, tc.env, tc.args...)
			if r.code != exitBadInput {
				t.Errorf("exit %d, want %d (bad input)", r.code, exitBadInput)
			}
			wantOneLine(t, r, "it is not a kbench cluster folder (no .kbench-cluster marker, no cluster state), so kbench deletes nothing in it")
			wantAll(t, home, files)
			if _, err := os.Stat(empty); err != nil {
				t.Errorf("the empty folder is gone: %v", err)
			}
		})
	}
}

// TestWipeOfAMarkedFolder: a folder `cluster up` marked (here: a start that failed for want of
// Kafka jars, so no JVM runs) is wiped whole; kbench's node folders and state go, a user's file
// put there afterwards stays, with the folder and one line saying so.
func TestWipeOfAMarkedFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	if r := kbenchIn(t, nil, "cluster", "up", "--dir", dir); r.code != exitCluster || !strings.Contains(r.stderr, "kafka_2.13-*.jar") {
		t.Fatalf("cluster up without jars: exit %d, want %d naming the jars; stderr:\n%s", r.code, exitCluster, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".kbench-cluster")); err != nil {
		t.Fatalf("cluster up did not mark its folder first: %v", err)
	}
	r := kbenchIn(t, nil, "cluster", "down", "--wipe", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("wipe of a marked folder: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("marked folder with nothing else in it still there: %v", err)
	}
	if again := kbenchIn(t, nil, "cluster", "down", "--wipe", "--dir", dir); again.code != 0 || again.stderr != "" {
		t.Errorf("second wipe of a removed folder: exit %d, stderr %q; want 0 and nothing", again.code, again.stderr)
	}

	// A stopped cluster's state (its processes gone) plus a user's file.
	if r := kbenchIn(t, nil, "cluster", "up", "--dir", dir); r.code != exitCluster {
		t.Fatalf("cluster up without jars: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	node := filepath.Join(dir, "nodes", "broker-1")
	state := `{"dir": "` + dir + `", "cluster_id": "fake", "nodes": [{"id": 1, "role": "broker", "pid": 0, "data_dir": "` + node + `/data", "log_dir": "` + node + `/logs", "config_file": "` + node + `/server.properties"}]}`
	for name, text := range map[string]string{"cluster.json": state, "nodes/broker-1/data/meta.properties": "kafka", "nodes/broker-1/logs/server.log": "log", "notes.txt": "the user's"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFileIn(t, filepath.Dir(p), filepath.Base(p), text)
	}
	r = kbenchIn(t, nil, "cluster", "down", "--wipe", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("wipe of a stopped cluster: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if want := "kept " + dir + ": it also holds notes.txt, which kbench did not make\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "notes.txt" {
		t.Errorf("after the wipe the folder holds %v, want only notes.txt", entries)
	}
}

// TestIntegrationClusterUpDownWipe: a real cluster started by `kbench cluster up` in a fresh
// folder is stopped and wiped by `kbench cluster down --wipe`, leaving no folder behind.
func TestIntegrationClusterUpDownWipe(t *testing.T) {
	if !clustertest.Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	libs := []string{"KBENCH_KAFKA_LIBS=" + os.Getenv("KBENCH_KAFKA_LIBS")}
	dir := filepath.Join(t.TempDir(), "cluster")
	r := kbenchIn(t, libs, "cluster", "up", "--dir", dir, "--brokers", "1")
	if r.code != 0 {
		t.Fatalf("cluster up: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	down := kbenchIn(t, nil, "cluster", "down", "--wipe", "--dir", dir)
	if down.code != 0 {
		t.Fatalf("cluster down --wipe: exit %d; stderr:\n%s", down.code, down.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(dir)
		t.Errorf("cluster folder still there after the wipe, holding %v", entries)
	}
}
