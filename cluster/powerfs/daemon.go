package powerfs

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// DaemonEnv, set to 1 in a process's environment, makes any binary that links this package run
// the daemon instead of its main (the re-exec pattern): kbench starts os.Executable() with it, so
// the daemon is the same build as the kbench (or test binary) that mounts, with no second binary
// to find. The arguments are DaemonArgs'.
const DaemonEnv = "KBENCH_POWERFS_DAEMON"

func init() {
	if os.Getenv(DaemonEnv) == "1" {
		os.Exit(DaemonMain(os.Args[1:], os.Stderr))
	}
}

// CPUProfileEnv names a file the daemon writes its CPU profile to (PATH.PID) when it stops (go tool pprof),
// for finding where the filesystem's overhead goes.
const CPUProfileEnv = "KBENCH_POWERFS_CPUPROFILE"

// DaemonArgs are the arguments of a daemon serving source on mountpoint with its control socket:
// `powerfs serve` first, so that `ps` and `kbench powerfs serve` read the same.
func DaemonArgs(source, mountpoint, socket string) []string {
	return []string{"powerfs", "serve", "--source", source, "--mount", mountpoint, "--control", socket}
}

// DaemonMain runs a daemon from DaemonArgs until shutdown; it returns the process's exit code.
func DaemonMain(args []string, stderr io.Writer) int {
	if len(args) >= 2 && args[0] == "powerfs" && args[1] == "serve" {
		args = args[2:]
	}
	fl := flag.NewFlagSet("powerfs serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	source := fl.String("source", "", "the real folder")
	mount := fl.String("mount", "", "where to mount it")
	control := fl.String("control", "", "the control socket")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *source == "" || *mount == "" || *control == "" {
		fmt.Fprintln(stderr, "powerfs serve: want --source DIR --mount DIR --control SOCKET")
		return 2
	}
	if path := os.Getenv(CPUProfileEnv); path != "" {
		if f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid())); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	signal.Ignore(syscall.SIGHUP)
	fmt.Fprintf(stderr, "powerfs: pid %d serving %s on %s, control %s\n", os.Getpid(), *source, *mount, *control)
	if err := Serve(*source, *mount, *control, stop); err != nil {
		fmt.Fprintln(stderr, "powerfs:", err)
		return 1
	}
	fmt.Fprintln(stderr, "powerfs: unmounted, exiting")
	return 0
}
