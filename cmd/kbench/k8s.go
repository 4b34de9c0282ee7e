package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/kbench/kbench/k8s"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// k8sCommand is `kbench k8s manifest`: the Kubernetes objects of a multi-machine sweep.
func k8sCommand() *cli.Command {
	return &cli.Command{
		Name:  "k8s",
		Usage: "run a sweep on Kubernetes: workers as an Indexed Job, the coordinator as a Job",
		Subcommands: []*cli.Command{{
			Name:      "manifest",
			Usage:     "write the YAML (ConfigMap with the profile, coordinator Job, Indexed worker Job) for kubectl apply -f",
			ArgsUsage: " ",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "workers", Usage: "`N` worker pods (an Indexed Job, completions = parallelism = N)", Required: true},
				&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, Usage: "shipped profile `NAME` or profile FILE (copied into the ConfigMap)", Required: true},
				&cli.StringFlag{Name: "bootstrap", Usage: "bootstrap servers `HOST:PORT,...` as the pods reach the cluster under test", Required: true},
				&cli.StringFlag{Name: "client-config-secret", Usage: "Secret `NAME` holding client.properties (and any files it names, as /etc/kbench/client/FILE); the manifest refers to it, never holds it"},
				&cli.StringFlag{Name: "image", Value: k8s.DefaultImage, Usage: "container `IMAGE` built from the Dockerfile (make image)"},
				&cli.StringFlag{Name: "run", Usage: "run `ID` shared by coordinator and workers (names topics and objects; letters, digits, . _; default: a new id from the UTC time)"},
				&cli.StringFlag{Name: "namespace", Usage: "`NAMESPACE` of the objects (default: kubectl's)"},
				&cli.StringFlag{Name: "topic-prefix", Usage: "topic `PREFIX` (default: kbench's)"},
				&cli.DurationFlag{Name: "deadline", Value: 2 * time.Hour, Usage: "activeDeadlineSeconds of both Jobs: the whole sweep must end within it"},
				&cli.DurationFlag{Name: "join-timeout", Value: 10 * time.Minute, Usage: "how long workers and each point wait for each other (pods pull images and schedule)"},
				&cli.StringFlag{Name: "worker-cpu", Value: "2", Usage: "CPU `QUANTITY` per worker (requests = limits)"},
				&cli.StringFlag{Name: "worker-memory", Value: "2Gi", Usage: "memory `QUANTITY` per worker"},
				&cli.StringFlag{Name: "coordinator-cpu", Value: "2", Usage: "CPU `QUANTITY` of the coordinator (it merges, audits and runs the verification read)"},
				&cli.StringFlag{Name: "coordinator-memory", Value: "4Gi", Usage: "memory `QUANTITY` of the coordinator"},
				&cli.StringFlag{Name: "results-claim", Usage: "PersistentVolumeClaim `NAME` for the results (default: an emptyDir; the results come back as the log's tar either way)"},
			},
			Action: k8sManifestAction,
		}},
	}
}

func k8sManifestAction(c *cli.Context) error {
	if _, err := profiles.Load(c.String("profile")); err != nil {
		return withCode(exitBadInput, err)
	}
	_, data, err := profiles.Source(c.String("profile"))
	if err != nil {
		return withCode(exitBadInput, err)
	}
	run := c.String("run")
	if run == "" {
		run = safety.NewRunID()
	}
	if err := safety.CheckRunID(run); err != nil {
		return withCode(exitBadInput, fmt.Errorf("--run: %w", err))
	}
	spec := k8s.Spec{
		Workers: c.Int("workers"), RunID: run, ProfileYAML: data, Bootstrap: c.String("bootstrap"),
		ClientConfigSecret: c.String("client-config-secret"), Image: c.String("image"), Namespace: c.String("namespace"),
		TopicPrefix: c.String("topic-prefix"), Deadline: c.Duration("deadline"), JoinTimeout: c.Duration("join-timeout"),
		WorkerCPU: c.String("worker-cpu"), WorkerMemory: c.String("worker-memory"),
		CoordinatorCPU: c.String("coordinator-cpu"), CoordinatorMemory: c.String("coordinator-memory"),
		ResultsClaim: c.String("results-claim"),
	}
	if err := k8s.Write(c.App.Writer, spec); err != nil {
		return withCode(exitBadInput, err)
	}
	return nil
}

// withTarResults adds --tar-results to the sweep: the process's own output (stdout and stderr,
// fd 1 and 2) goes to OUT.log next to the --out folder, and when the sweep ends, whatever its
// outcome, the folder and the log are written to the real stdout as one tar stream, the only
// bytes the process prints. So a coordinator pod's log is the results: kubectl logs | tar x.
// The exit code stays the sweep's.
func withTarResults(cmd *cli.Command) *cli.Command {
	cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "tar-results", Usage: "write --out and its log OUT.log as a tar stream to stdout at the end and nothing else (for a Kubernetes pod: kubectl logs | tar x)"})
	inner := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if !c.Bool("tar-results") {
			return inner(c)
		}
		out := c.String("out")
		if out == "" || c.Bool("plan") {
			return withCode(exitBadInput, errors.New("--tar-results needs --out DIR and a sweep that runs (not --plan)"))
		}
		out = filepath.Clean(out)
		root, base := filepath.Dir(out), filepath.Base(out)
		tarOut, err := redirectOutput(filepath.Join(root, base+".log"))
		if err != nil {
			return err
		}
		defer tarOut.Close()
		runErr := inner(c)
		if runErr != nil {
			fmt.Fprintf(os.Stderr, "kbench: %v\n", runErr) // into the log, which the tar carries
		}
		if err := k8s.WriteTar(tarOut, root, base, base+".log"); err != nil && runErr == nil {
			return fmt.Errorf("--tar-results: %w", err)
		}
		return runErr
	}
	return cmd
}

// redirectOutput points fd 1 and 2 (and so every write of this process and its children) at
// the log file and returns the original stdout.
func redirectOutput(logPath string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, fmt.Errorf("--tar-results: %w", err)
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--tar-results: %w", err)
	}
	defer log.Close()
	saved, err := unix.Dup(1)
	if err != nil {
		return nil, fmt.Errorf("--tar-results: keep stdout: %w", err)
	}
	for _, fd := range []int{1, 2} {
		if err := unix.Dup2(int(log.Fd()), fd); err != nil {
			unix.Close(saved)
			return nil, fmt.Errorf("--tar-results: redirect fd %d: %w", fd, err)
		}
	}
	return os.NewFile(uintptr(saved), "stdout"), nil
}
