package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeCluster lays out in dir what `cluster up` writes there, without starting a JVM: the marker,
// node folders with data, logs and configs, the log4j config, client configs and a state file
// whose processes are gone (pid 0), as after a reboot or a kill.
func fakeCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	if err := claimDir(dir); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Dir: dir, ClusterID: "fake-cluster-id", Auth: AuthSCRAM}
	c.Nodes = []*Node{c.newNode(controllerIDBase, RoleController, 9000, 0), c.newNode(1, RoleBroker, 9100, 9101)}
	c.Users = []User{{Name: "admin", ConfigFile: filepath.Join(dir, "client-admin.properties")}, {Name: "restricted", ConfigFile: filepath.Join(dir, "client-restricted.properties")}}
	if err := c.writeConfigs(); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		mustWrite(t, filepath.Join(n.DataDir, "meta.properties"), "kafka data")
		mustWrite(t, filepath.Join(n.LogDir, "server.log"), "kafka log")
	}
	for _, u := range c.Users {
		mustWrite(t, u.ConfigFile, "bootstrap.servers=127.0.0.1:9100\n")
	}
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	return c
}

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool { _, err := os.Lstat(path); return err == nil }

// TestWipeRefusesFoldersKbenchDidNotMake is the regression test of the wipe that deleted a
// machine: `cluster down --wipe --dir /` removed everything under it. A folder without kbench's
// marker or state keeps every file, whatever its contents look like.
func TestWipeRefusesFoldersKbenchDidNotMake(t *testing.T) {
	home := t.TempDir() // stands in for a home folder or /
	mustWrite(t, filepath.Join(home, ".bashrc"), "export PATH")
	mustWrite(t, filepath.Join(home, "nodes", "broker-1", "data", "precious"), "user data named like kbench's")
	mustWrite(t, filepath.Join(home, "log4j2.properties"), "the user's own")
	otherDir := t.TempDir() // a state file copied from another cluster folder does not make this one kbench's
	mustWrite(t, filepath.Join(home, stateFile), `{"dir": "`+otherDir+`", "cluster_id": "x", "nodes": [{"id": 1}]}`)
	empty := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	mustWrite(t, file, "not a folder")
	for _, dir := range []string{home, empty, file, filepath.Join(empty, "missing")} {
		left, err := Wipe(dir)
		if !errors.Is(err, ErrNotClusterDir) || left != nil {
			t.Errorf("Wipe(%s) = %v, %v; want ErrNotClusterDir", dir, left, err)
		}
	}
	for _, p := range []string{".bashrc", "nodes/broker-1/data/precious", "log4j2.properties", stateFile} {
		if !exists(filepath.Join(home, p)) {
			t.Errorf("%s was deleted from a folder kbench did not make", p)
		}
	}
	if !exists(empty) {
		t.Error("an empty folder kbench did not make was removed")
	}
}

// TestWipeDeletesOnlyWhatKbenchMade: in a marked folder that also holds a user's files, the wipe
// takes kbench's node folders, state, configs and marker, and keeps the rest and the folder.
func TestWipeDeletesOnlyWhatKbenchMade(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	fakeCluster(t, dir)
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "keep"), "outside")
	mustWrite(t, filepath.Join(dir, "notes.txt"), "the user's")
	mustWrite(t, filepath.Join(dir, "nodes", "broker-1", "mine.txt"), "the user's, in a node folder")
	if err := os.Symlink(outside, filepath.Join(dir, "nodes", "broker-7")); err != nil {
		t.Fatal(err)
	}
	left, err := Wipe(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(left, []string{"nodes", "notes.txt"}) {
		t.Errorf("left %v, want [nodes notes.txt]", left)
	}
	for _, p := range []string{"notes.txt", "nodes/broker-1/mine.txt", "nodes/broker-7"} {
		if !exists(filepath.Join(dir, p)) {
			t.Errorf("%s was deleted: kbench did not make it", p)
		}
	}
	if !exists(filepath.Join(outside, "keep")) {
		t.Error("a file behind a link in nodes/ was deleted")
	}
	for _, p := range append(ownFiles, markerFile, "nodes/controller-100", "nodes/broker-1/data", "nodes/broker-1/logs", "nodes/broker-1/server.properties") {
		if exists(filepath.Join(dir, p)) {
			t.Errorf("%s is still there after the wipe", p)
		}
	}
}

// TestDownWipeRemovesAStoppedClusterFolder: Down of a cluster whose processes are gone removes
// the whole folder kbench made, and the folder too when nothing else is in it.
func TestDownWipeRemovesAStoppedClusterFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	fakeCluster(t, dir)
	cl, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cl.Dir = t.TempDir() // a state file naming another folder: the wipe still happens where it was loaded from
	if err := cl.Down(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if exists(dir) {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("cluster folder still there after Down(wipe), holding %v", entries)
	}
	if !exists(cl.Dir) {
		t.Error("the folder the state file named was removed")
	}
}

// TestWipeAcceptsAStateWithoutMarker: a folder of an older kbench (state file naming the folder,
// no marker) is still kbench's.
func TestWipeAcceptsAStateWithoutMarker(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	fakeCluster(t, dir)
	if err := os.Remove(filepath.Join(dir, markerFile)); err != nil {
		t.Fatal(err)
	}
	if left, err := Wipe(dir); err != nil || left != nil || exists(dir) {
		t.Fatalf("Wipe = %v, %v; folder there: %v", left, err, exists(dir))
	}
}

// TestClaimDir: `cluster up` marks a new or empty folder (or one of its own) before writing
// anything, and refuses a folder that holds someone else's files.
func TestClaimDir(t *testing.T) {
	parent := t.TempDir()
	fresh := filepath.Join(parent, "a", "b")
	empty := t.TempDir()
	own := filepath.Join(t.TempDir(), "own")
	fakeCluster(t, own)
	for _, dir := range []string{fresh, empty, own} {
		if err := claimDir(dir); err != nil {
			t.Errorf("claimDir(%s): %v", dir, err)
		}
		if !IsClusterDir(dir) {
			t.Errorf("%s not marked", dir)
		}
	}
	legacy := filepath.Join(t.TempDir(), "legacy") // an older kbench's folder after `cluster down`
	fakeCluster(t, legacy)
	for _, name := range []string{markerFile, stateFile} {
		if err := os.Remove(filepath.Join(legacy, name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Wipe(legacy); !errors.Is(err, ErrNotClusterDir) || !strings.Contains(err.Error(), "an older kbench's folder?") {
		t.Errorf("Wipe of an unmarked older folder: %v, want a refusal that says how to mark it", err)
	}
	if err := claimDir(legacy); err != nil || !IsClusterDir(legacy) {
		t.Errorf("claimDir of an older kbench's folder: %v, marked: %v", err, IsClusterDir(legacy))
	}
	foreign := t.TempDir()
	mustWrite(t, filepath.Join(foreign, "thesis.tex"), "years of work")
	mustWrite(t, filepath.Join(foreign, "nodes", "broker-1", "data", "x"), "named like kbench's")
	onlyState := t.TempDir() // the user's own cluster.json, which a start would overwrite
	mustWrite(t, filepath.Join(onlyState, stateFile), "{}")
	oddNodes := t.TempDir()
	mustWrite(t, filepath.Join(oddNodes, "nodes", "mine", "x"), "not a kbench node folder")
	for _, dir := range []string{foreign, onlyState, oddNodes} {
		if err := claimDir(dir); !errors.Is(err, ErrNotClusterDir) {
			t.Errorf("claimDir of %s: %v, want ErrNotClusterDir", dir, err)
		}
		if exists(filepath.Join(dir, markerFile)) {
			t.Errorf("%s, a folder holding foreign files, was marked", dir)
		}
	}
}

// TestUpRefusesAForeignFolderBeforeAnything: Up refuses a non-empty folder that is not kbench's
// before it looks for Kafka or Java, and writes nothing into it.
func TestUpRefusesAForeignFolderBeforeAnything(t *testing.T) {
	foreign := t.TempDir()
	mustWrite(t, filepath.Join(foreign, "thesis.tex"), "years of work")
	_, err := Up(context.Background(), Options{Dir: foreign, KafkaLibs: filepath.Join(t.TempDir(), "no-jars")})
	if !errors.Is(err, ErrNotClusterDir) {
		t.Fatalf("Up in a foreign folder: %v, want ErrNotClusterDir", err)
	}
	entries, _ := os.ReadDir(foreign)
	if len(entries) != 1 {
		t.Errorf("Up wrote into a foreign folder: %v", entries)
	}
	if _, err := Up(context.Background(), Options{Dir: t.TempDir(), Brokers: -1}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("Up with --brokers -1: %v, want ErrBadOptions", err)
	}
}
