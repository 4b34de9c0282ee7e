package cluster

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

// TestThreadsGone: a process whose main thread has exited while another thread still runs shows
// as a zombie (exited says gone), but its files are still open: threadsGone waits for the last
// thread, as a power loss must before it unmounts the broker's folder. The child is python3
// exiting its main thread alone (the exit syscall, not exit_group) while a second thread sleeps.
func TestThreadsGone(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the child uses the x86-64 exit syscall number")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3 for a child whose main thread exits first")
	}
	script := `import ctypes, threading, time
threading.Thread(target=time.sleep, args=(1.5,)).start()
time.sleep(0.1)
ctypes.CDLL(None).syscall(60, 0)
`
	cmd := exec.Command(py, "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Process.Kill()
	// Reaping the child before its last thread exits would free the pid: wait only at the end.
	if !waitGone(pid, 5*time.Second) {
		t.Fatal("the child's main thread did not exit")
	}
	if threadsGone(pid) {
		t.Fatalf("threadsGone(%d) with the second thread still sleeping", pid)
	}
	if !waitThreadsGone(pid, 10*time.Second) {
		t.Fatalf("threadsGone(%d) never true after the second thread's sleep", pid)
	}
	cmd.Wait()
	if !threadsGone(pid) || !threadsGone(os.Getpid()+1<<22) {
		t.Error("a reaped or unknown pid is not gone")
	}
	if threadsGone(os.Getpid()) {
		t.Error("the test process itself is gone")
	}
}
