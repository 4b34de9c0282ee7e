package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ProcState is what the operating system says about a node's process.
type ProcState string

// Process states shown by status.
const (
	StateUp     ProcState = "up"
	StateDown   ProcState = "down"
	StatePaused ProcState = "paused"
)

// procState inspects pid and checks it is still the process we started (its command line names
// our config file), so a pid reused after a reboot is never mistaken for a node.
func procState(pid int, configFile string) ProcState {
	if pid <= 0 {
		return StateDown
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(configFile)) {
		return StateDown
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return StateDown
	}
	// Field 3, after the parenthesised command name (which may itself contain spaces).
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return StateDown
	}
	switch stat[i+2] {
	case 'Z', 'X':
		return StateDown
	case 'T', 't':
		return StatePaused
	}
	return StateUp
}

// javaBinary finds java ($JAVA_HOME first, as Kafka's scripts do) and checks it is 17 or newer.
func javaBinary() (string, error) {
	java := ""
	if h := os.Getenv("JAVA_HOME"); h != "" {
		if _, err := os.Stat(filepath.Join(h, "bin", "java")); err == nil {
			java = filepath.Join(h, "bin", "java")
		}
	}
	if java == "" {
		p, err := exec.LookPath("java")
		if err != nil {
			return "", errors.New("no java found: install a JDK 17 or newer (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
		}
		java = p
	}
	out, err := exec.Command(java, "-version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s -version: %w", java, err)
	}
	v, ok := javaMajor(string(out))
	if !ok {
		return "", fmt.Errorf("cannot read the version of %s from %q", java, firstLine(string(out)))
	}
	if v < 17 {
		return "", fmt.Errorf("%s is Java %d; Kafka 4 needs Java 17 or newer", java, v)
	}
	return java, nil
}

var javaVersionRE = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

// javaMajor reads the major version from `java -version` output ("1.8.0_x" is 8, "17.0.15" is 17).
func javaMajor(out string) (int, bool) {
	m := javaVersionRE.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	major, _ := strconv.Atoi(m[1])
	if major == 1 && m[2] != "" {
		major, _ = strconv.Atoi(m[2])
	}
	return major, true
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// startDetached starts argv with stdout and stderr appended to logFile, in its own session and
// reparented away from kbench (through a shell that exits at once), so the node outlives this
// kbench invocation, never gets the terminal's Ctrl-C, and never lingers as our zombie.
func startDetached(argv []string, logFile string) (int, error) {
	return startDetachedEnv(argv, logFile, nil)
}

// startDetachedEnv is startDetached with extra environment variables for the process.
func startDetachedEnv(argv []string, logFile string, env []string) (int, error) {
	script := `"$@" >>"$KBENCH_LOG" 2>&1 </dev/null & echo $!`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, argv...)...)
	cmd.Env = append(append(os.Environ(), "KBENCH_LOG="+logFile), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("start %s: unexpected shell output %q", argv[0], out)
	}
	return pid, nil
}

// signal sends sig to pid, treating an already-gone process as success for SIGKILL/SIGTERM.
func signal(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) && (sig == syscall.SIGKILL || sig == syscall.SIGTERM) {
		return nil
	}
	return err
}

// waitGone polls until the process has fully exited or the timeout passes. It does not trust
// the command line: that empties as soon as the memory is released, while the process may
// still hold its sockets; only a zombie or a missing /proc entry has let go of them.
func waitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if exited(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// threadsGone reports whether pid is gone, or a zombie all of whose threads have exited. A killed
// multi-threaded process (a JVM) turns into a zombie as soon as its main thread has exited, while
// its other threads may still be exiting and holding its open files: a mount they use cannot be
// unmounted until they are gone (a power loss's unmount failed with "Device or resource busy").
func threadsGone(pid int) bool {
	if !exited(pid) {
		return false
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return err != nil || len(tasks) <= 1
}

// waitThreadsGone waits until threadsGone(pid), at most timeout.
func waitThreadsGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !threadsGone(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// exited reports whether pid is gone or a zombie.
func exited(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// tail returns the last n lines of a file, for error messages about a node that died.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// commandOutput runs a short-lived command and returns its combined output.
func commandOutput(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
