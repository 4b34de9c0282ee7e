package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster/powerfs"
)

// A wipe never deletes through a mount: a power-loss filesystem left on a node's data folder (its
// daemon gone, or the state lost) is detached first, then the backing folder goes with the rest.
func TestWipeUnmountsALeftoverPowerLossMount(t *testing.T) {
	if err := powerfs.CheckFUSE(); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("KBENCH_INTEGRATION") == "1" {
			t.Fatalf("needs FUSE (make deps installs fuse3): %v", err)
		}
		t.Skipf("no FUSE: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "cluster")
	if err := claimDir(dir); err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(dir, "nodes", "broker-1")
	data, disk := filepath.Join(node, "data"), filepath.Join(node, fsSourceDir)
	for _, d := range []string{data, disk} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p, err := powerfs.Mount(disk, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { powerfs.ForceUnmount(data) })
	if err := os.WriteFile(filepath.Join(data, "meta.properties"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Wipe(dir); err != nil {
		t.Fatalf("wipe: %v", err)
	}
	done := make(chan struct{})
	go func() { p.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the filesystem still serves 10 s after the wipe detached it")
	}
	if mounted, _ := powerfs.IsMounted(data); mounted {
		t.Fatal("still mounted after the wipe")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("cluster folder after the wipe: %v, want it gone", err)
	}
}

// A node whose filesystem daemon is gone is reported by CheckFS and FSStatus, and refused by
// LoseUnsynced; a node without one is no power-loss target.
func TestDeadPowerLossFSIsReported(t *testing.T) {
	dir := t.TempDir()
	c := &Cluster{Dir: dir, Nodes: []*Node{
		{ID: 1, Role: RoleBroker, DataDir: filepath.Join(dir, "b1", "data"), Config: filepath.Join(dir, "b1", "server.properties"),
			FS: &FSProc{PID: 999999999, Control: filepath.Join(dir, "b1", fsSocket), Log: filepath.Join(dir, "b1", "powerfs.log")}},
		{ID: 2, Role: RoleBroker, DataDir: filepath.Join(dir, "b2", "data"), Config: filepath.Join(dir, "b2", "server.properties")},
	}}
	err := c.CheckFS()
	if err == nil || !strings.Contains(err.Error(), "power-loss filesystem of broker 1") || strings.Contains(err.Error(), "broker 2") {
		t.Fatalf("CheckFS: %v, want broker 1's filesystem named as down, and only it", err)
	}
	if st := c.FSStatus(); len(st) != 1 || st[0].State != StateDown || st[0].Unsynced != nil {
		t.Fatalf("FSStatus: %+v, want broker 1 down with unsynced bytes unknown", st)
	}
	if _, err := c.LoseUnsynced(1); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("LoseUnsynced on a dead filesystem: %v, want a refusal", err)
	}
	if _, err := c.LoseUnsynced(2); err == nil || !strings.Contains(err.Error(), "no power-loss filesystem") {
		t.Fatalf("LoseUnsynced on a plain broker: %v, want a refusal", err)
	}
	if c.HasPowerLossFS(2) || !c.HasPowerLossFS(1) {
		t.Fatal("HasPowerLossFS: want broker 1 only")
	}
}
