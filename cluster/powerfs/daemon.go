package powerfs

import (
	"errors"
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
		code, err := DaemonMain(os.Args[1:], os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "powerfs:", err)
		}
		os.Exit(code)
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

// DaemonMain runs a daemon from DaemonArgs until shutdown, logging to stderr; it returns the
// process's exit code (2: bad arguments) and why it failed.
func DaemonMain(args []string, stderr io.Writer) (int, error) {
	if len(args) >= 2 && args[0] == "powerfs" && args[1] == "serve" {
		args = args[2:]
	}
	fl := flag.NewFlagSet("powerfs serve", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	source := fl.String("source", "", "the real folder")
	mount := fl.String("mount", "", "where to mount it")
	control := fl.String("control", "", "the control socket")
	usage := errors.New("powerfs serve: want --source DIR --mount DIR --control SOCKET")
	if err := fl.Parse(args); err != nil {
		return 2, fmt.Errorf("%w (%v)", usage, err)
	}
	if *source == "" || *mount == "" || *control == "" || fl.NArg() > 0 {
		return 2, usage
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
		return 1, err
	}
	fmt.Fprintln(stderr, "powerfs: unmounted, exiting")
	return 0, nil
}
