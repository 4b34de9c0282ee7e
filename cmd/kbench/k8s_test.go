package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kbench/kbench/k8s"
	"github.com/kbench/kbench/stats"
)

// manifestJobs runs `kbench k8s manifest` in-process and decodes its two Jobs strictly.
func manifestJobs(t *testing.T, args ...string) (coordinator, workers batchv1.Job) {
	t.Helper()
	code, out, stderr := runApp(t, append([]string{"k8s", "manifest"}, args...)...)
	if code != 0 {
		t.Fatalf("k8s manifest: exit %d: %s", code, stderr)
	}
	for _, doc := range strings.Split(out, "\n---\n")[1:] {
		if !strings.Contains(doc, "kind: Job") {
			continue
		}
		j := &coordinator
		if strings.Contains(doc, "completionMode: Indexed") {
			j = &workers
		}
		if err := yaml.UnmarshalStrict([]byte(doc), j); err != nil {
			t.Fatalf("strict decode: %v", err)
		}
	}
	return coordinator, workers
}

// parsed runs a container's args through the real kbench commands with their actions replaced:
// an unknown flag, a bad value or a missing required flag fails here exactly as in the pod.
func parsed(t *testing.T, args []string) *cli.Context {
	t.Helper()
	var got *cli.Context
	app := newApp()
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	for _, cmd := range app.Commands {
		cmd.Action = func(c *cli.Context) error { got = c; return nil }
	}
	if err := app.Run(append([]string{"kbench"}, args...)); err != nil {
		t.Fatalf("kbench %s: %v", strings.Join(args, " "), err)
	}
	if got == nil || got.Command.Name != args[0] {
		t.Fatalf("kbench %s did not reach the %s command", strings.Join(args, " "), args[0])
	}
	return got
}

// TestK8sContainerArgsAreRealFlags: the worker and coordinator command lines of the manifest
// parse with the real worker and sweep commands (s4/dist's flags), and mean what they should.
func TestK8sContainerArgsAreRealFlags(t *testing.T) {
	coord, workers := manifestJobs(t, "--workers", "5", "--profile", "quick", "--bootstrap", "kafka:9092",
		"--client-config-secret", "kbench-client", "--run", "bench7", "--topic-prefix", "perf-", "--join-timeout", "7m")
	w := parsed(t, workers.Spec.Template.Spec.Containers[0].Args)
	clientConfig := filepath.Join(k8s.ClientDir, k8s.ClientKey)
	if w.String("run") != "bench7" || w.String("bootstrap") != "kafka:9092" || w.String("client-config") != clientConfig ||
		w.String("topic-prefix") != "perf-" || w.Duration("join-timeout") != 7*time.Minute {
		t.Errorf("worker args %v parse to run %q bootstrap %q client-config %q prefix %q join %s",
			workers.Spec.Template.Spec.Containers[0].Args, w.String("run"), w.String("bootstrap"), w.String("client-config"), w.String("topic-prefix"), w.Duration("join-timeout"))
	}
	if w.IsSet("index") {
		t.Error("worker args set --index: it must come from JOB_COMPLETION_INDEX, one per pod")
	}
	c := parsed(t, coord.Spec.Template.Spec.Containers[0].Args)
	if c.Int("workers") != 5 || c.String("run") != "bench7" || c.String("profile") != filepath.Join(k8s.ProfileDir, k8s.ProfileFile) ||
		c.String("client-config") != clientConfig || c.String("topic-prefix") != "perf-" || !c.Bool("tar-results") ||
		c.String("out") != filepath.Join(k8s.ResultsDir, "bench7") || c.Bool("local-workers") {
		t.Errorf("coordinator args %v parse wrong", coord.Spec.Template.Spec.Containers[0].Args)
	}
}

func TestK8sManifestBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--workers", "0", "--profile", "quick", "--bootstrap", "k:9092"},
		{"--workers", "2", "--profile", "no-such-profile", "--bootstrap", "k:9092"},
		{"--workers", "2", "--profile", "quick", "--bootstrap", "k:9092", "--run", "bad id"},
		{"--workers", "2", "--profile", "quick", "--bootstrap", "k:9092", "--worker-memory", "lots"},
		{"--workers", "2", "--profile", "quick"},
	} {
		code, _, stderr := runApp(t, append([]string{"k8s", "manifest"}, args...)...)
		if code != exitBadInput || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("k8s manifest %v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// TestTarResultsLogIsTheTar: with --tar-results the process's whole output is one tar stream
// holding the results folder's log (here a sweep refused for its profile), and the exit code is
// the sweep's own.
func TestTarResultsLogIsTheTar(t *testing.T) {
	dir := t.TempDir()
	prof := writeFile(t, "bad.yaml", "name: bad\nworkload:\n  no.such.setting: 1\n")
	r := kbench(t, "sweep", "--profile", prof, "--bootstrap", "127.0.0.1:1", "--workers", "2", "--run", "t1",
		"--out", filepath.Join(dir, "t1"), "--tar-results")
	if r.code != exitBadInput {
		t.Errorf("exit %d, want the sweep's own 2", r.code)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q: with --tar-results the log must be the tar alone", r.stderr)
	}
	tr := tar.NewReader(bytes.NewReader([]byte(r.stdout)))
	h, err := tr.Next()
	if err != nil {
		t.Fatalf("stdout is not a tar stream: %v (%q)", err, r.stdout)
	}
	body, _ := io.ReadAll(tr)
	if h.Name != "t1.log" || !strings.Contains(string(body), "no.such.setting") {
		t.Errorf("tar entry %s holds %q, want t1.log naming the bad setting", h.Name, body)
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("after the log: %v, want the end of the archive", err)
	}
}

// TestIntegrationK8sManifestOnLocalCluster rehearses the manifest's pods on this machine: the
// coordinator's and the workers' exact args (pod paths replaced by local files: the ConfigMap's
// profile, the Secret's client config) against the SCRAM test cluster, two workers taking their
// index from JOB_COMPLETION_INDEX. The coordinator's output must be a tar of the results alone.
func TestIntegrationK8sManifestOnLocalCluster(t *testing.T) {
	cl := authForTest(t)
	run := fmt.Sprintf("k8sit%d", time.Now().UnixNano())
	args := []string{"--workers", "2", "--profile", writeFile(t, "quick-rf1.yaml", quickRF1),
		"--bootstrap", cl.Bootstrap(), "--client-config-secret", "kbench-client", "--run", run, "--join-timeout", "2m"}
	code, out, stderr := runApp(t, append([]string{"k8s", "manifest"}, args...)...)
	if code != 0 {
		t.Fatalf("k8s manifest: exit %d: %s", code, stderr)
	}
	docs := strings.Split(out, "\n---\n")[1:]
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &cm); err != nil {
		t.Fatal(err)
	}
	profDir, results := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(profDir, k8s.ProfileFile), []byte(cm.Data[k8s.ProfileFile]), 0o644); err != nil {
		t.Fatal(err)
	}
	local := strings.NewReplacer(filepath.Join(k8s.ClientDir, k8s.ClientKey), cl.Users[0].ConfigFile, k8s.ProfileDir, profDir, k8s.ResultsDir, results)
	localArgs := func(j batchv1.Job) []string {
		var args []string
		for _, a := range j.Spec.Template.Spec.Containers[0].Args {
			args = append(args, local.Replace(a))
		}
		return args
	}
	coord, workers := manifestJobs(t, args...)
	var procs []*exec.Cmd
	for i := range 2 {
		cmd := exec.Command(os.Args[0], localArgs(workers)...)
		cmd.Env = append(os.Environ(), runMainEnv+"=1", fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
		cmd.Stderr = &bytes.Buffer{}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	r := kbench(t, localArgs(coord)...)
	for i, p := range procs {
		done := make(chan error, 1)
		go func() { done <- p.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("worker %d: %v\n%s", i, err, p.Stderr)
			}
		case <-time.After(time.Minute):
			p.Process.Kill() // the worker this test started, by its pid
			t.Errorf("worker %d still running a minute after the coordinator ended", i)
		}
	}
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("coordinator exit %d, stderr %q", r.code, r.stderr)
	}
	assertFleetResultsTar(t, r.stdout, run)
}

// assertFleetResultsTar unpacks the coordinator's output and checks every point was measured
// by both workers, lost nothing, and the log came along.
func assertFleetResultsTar(t *testing.T, stream, run string) {
	t.Helper()
	dir := t.TempDir()
	tr := tar.NewReader(strings.NewReader(stream))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("coordinator output is not a tar stream: %v", err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		body, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if log, err := os.ReadFile(filepath.Join(dir, run+".log")); err != nil || !strings.Contains(string(log), "acks=1") {
		t.Errorf("the tar's %s.log: %v %q", run, err, log)
	}
	res, err := stats.ReadRun(filepath.Join(dir, run))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results()) != 3 {
		t.Errorf("%d points in the tar, want quick's 3", len(res.Results()))
	}
	for _, p := range res.Results() {
		if p.Status != stats.StatusOK || !p.Audit.NoneLost() || p.Fleet == nil || len(p.Fleet.Workers) != 2 {
			t.Errorf("point %s: status %s, lost %s, fleet %+v", p.Point.ID, p.Status, p.Audit.LostText(), p.Fleet)
		}
	}
}
