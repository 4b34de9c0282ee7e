package powerfs

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startDaemonT starts this test binary as a daemon (DaemonEnv) and waits until it has mounted.
func startDaemonT(t *testing.T) (Client, *exec.Cmd, string) {
	t.Helper()
	needFUSE(t)
	dir := t.TempDir()
	src, mnt, sock := filepath.Join(dir, "disk"), filepath.Join(dir, "data"), filepath.Join(dir, "powerfs.sock")
	for _, d := range []string{src, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], DaemonArgs(src, mnt, sock)...)
	cmd.Env = append(os.Environ(), DaemonEnv+"=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		exec.Command("fusermount3", "-u", "-z", mnt).Run() // a killed daemon leaves its mount behind
	})
	c := Client{Socket: sock}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.Status()
		if err == nil && st.Mounted {
			if st.PID != cmd.Process.Pid || st.Mountpoint != mnt {
				t.Fatalf("status %+v, want pid %d mounted on %s", st, cmd.Process.Pid, mnt)
			}
			return c, cmd, mnt
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon not mounted after 10 s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDaemonControlProtocol(t *testing.T) {
	c, cmd, mnt := startDaemonT(t)
	path := filepath.Join(mnt, "00000.log")
	if err := os.WriteFile(path, []byte("unsynced"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Report(); err != nil || rep.Unsynced != 8 {
		t.Fatalf("report: %+v, %v; want 8 unsynced bytes", rep, err)
	}
	rep, err := c.Lose()
	if err != nil || rep.Unsynced != 8 {
		t.Fatalf("lose: %+v, %v; want 8 bytes dropped", rep, err)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) != 0 {
		t.Fatalf("after the loss through the remounted filesystem: %q, %v; want an empty file", b, err)
	}
	if err := os.WriteFile(path, []byte("formatted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.MarkSynced(); err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Lose(); err != nil || rep.Unsynced != 0 {
		t.Fatalf("lose after sync: %+v, %v; want nothing dropped", rep, err)
	}
	if _, err := c.call("bogus", time.Second); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for cmd.ProcessState == nil && !exitedPid(cmd.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatal("daemon still running 10 s after shutdown")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if mounted, err := IsMounted(mnt); err != nil || mounted {
		t.Fatalf("after shutdown: mounted %v (%v), want unmounted", mounted, err)
	}
}

// exitedPid reports whether pid is gone or a zombie.
func exitedPid(pid int) bool {
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

// TestServeRefusesALiveSocket: a socket some process still answers on is not removed: Serve
// refuses with one line before mounting anything.
func TestServeRefusesALiveSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "powerfs.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	err = Serve(filepath.Join(dir, "disk"), filepath.Join(dir, "data"), sock, nil)
	if err == nil || !strings.Contains(err.Error(), "a running daemon answers there") {
		t.Fatalf("Serve on a live socket: %v, want a refusal", err)
	}
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("the live socket was removed: %v", err)
	}
}

// TestServeRefusesAFileInTheWay: a file at the control socket's path that is not a socket is
// someone else's: Serve refuses with one line and leaves it.
func TestServeRefusesAFileInTheWay(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "powerfs.sock")
	if err := os.WriteFile(sock, []byte("not ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Serve(filepath.Join(dir, "disk"), filepath.Join(dir, "data"), sock, nil)
	if err == nil || !strings.Contains(err.Error(), "not a socket is in the way") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Serve with a file in the way: %v, want a one-line refusal", err)
	}
	if b, err := os.ReadFile(sock); err != nil || string(b) != "not ours" {
		t.Fatalf("the file in the way was touched: %q %v", b, err)
	}
}
