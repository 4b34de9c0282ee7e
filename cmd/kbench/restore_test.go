package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// brokerDynamic returns broker 1's own dynamic value of key ("" when it has none).
func brokerDynamic(t *testing.T, cl *cluster.Cluster, key string) string {
	t.Helper()
	a := adminClient(t, cl)
	md, err := a.GetMetadata(nil, false, 10000)
	if err != nil || len(md.Brokers) == 0 {
		t.Fatalf("metadata: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := a.DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceBroker, Name: strconv.Itoa(int(md.Brokers[0].ID))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if e, ok := r.Config[key]; ok && e.Source == kafka.ConfigSourceDynamicBroker {
			return e.Value
		}
	}
	return ""
}

// TestIntegrationKillDuringBrokerConfigThenRestore: kbench killed with SIGKILL while a point has
// changed a broker setting leaves the setting changed and a restore file; `kbench restore FILE`
// puts the setting back and removes the file, and `kbench clean --run ID` deletes the topic the
// killed run left.
func TestIntegrationKillDuringBrokerConfigThenRestore(t *testing.T) {
	cl := authForTest(t)
	const key = "log.flush.interval.messages"
	before := brokerDynamic(t, cl, key)
	prof := writeFile(t, "flush.yaml", `name: flush-kill
workload:
  message.size: 100
  partitions: 1
  replication.factor: 1
  producers: 1
  consumers: 0
  rate: 200
  duration: 2m
  warmup: 0s
sweep:
  points:
    - log.flush.interval.messages: 4242
`)
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command(os.Args[0], "sweep", "--client-config", cl.Users[0].ConfigFile, "--allow-broker-config", "--profile", prof, "--out", out, "--quiet")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	// Wait until the setting is in force (the restore file is written before it).
	deadline := time.Now().Add(90 * time.Second)
	var files []string
	for time.Now().Before(deadline) {
		files, _ = filepath.Glob(filepath.Join(out, "restore-*.json"))
		if len(files) == 1 && brokerDynamic(t, cl, key) == "4242" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(files) != 1 || brokerDynamic(t, cl, key) != "4242" {
		t.Fatalf("the point never changed %s (restore files %v)", key, files)
	}
	time.Sleep(time.Second) // into the measured phase
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed = true
	if got := brokerDynamic(t, cl, key); got != "4242" {
		t.Fatalf("after kill -9 the broker has %s=%q; the test needs it still changed", key, got)
	}
	rf, err := safety.ReadRestoreFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The killed run still holds its broker-settings lease: clean knows it (and never lists the
	// lease topic as one of the run's topics); restore releases it.
	if rf.LeaseTopic != safety.LeaseTopic("") {
		t.Errorf("restore file names lease topic %q, want %q", rf.LeaseTopic, safety.LeaseTopic(""))
	}
	dl := kbench(t, "clean", "--client-config", cl.Users[0].ConfigFile, "--run", rf.RunID, "--dry-run")
	if !strings.Contains(dl.stdout, "would release the broker-settings lease of run "+rf.RunID) || strings.Contains(dl.stdout, "topic "+rf.LeaseTopic) {
		t.Errorf("clean --dry-run of the killed run: exit %d, stdout %q", dl.code, dl.stdout)
	}

	r := kbench(t, "restore", files[0])
	if r.code != 0 {
		t.Fatalf("restore exit %d", r.code)
	}
	if !strings.Contains(r.stdout, "released the broker-settings lease of run "+rf.RunID) {
		t.Errorf("restore did not release the killed run's lease: %q", r.stdout)
	}
	if got := brokerDynamic(t, cl, key); got != before {
		t.Errorf("after restore the broker has %s=%q, want %q as before the run", key, got, before)
	}
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Errorf("restore file still there after a successful restore")
	}

	// The killed run left its topic; clean lists it with --dry-run, then deletes it.
	a := adminClient(t, cl)
	prefix := "kbench-" + rf.RunID + "-"
	if left := topicsWithPrefix(t, a, prefix); len(left) != 1 {
		t.Fatalf("topics of the killed run: %v, want its one topic", left)
	}
	dry := kbench(t, "clean", "--client-config", cl.Users[0].ConfigFile, "--run", rf.RunID, "--dry-run")
	if dry.code != 0 || !strings.Contains(dry.stdout, "would delete topic "+prefix) || len(topicsWithPrefix(t, a, prefix)) != 1 {
		t.Errorf("clean --dry-run: exit %d, stdout %q", dry.code, dry.stdout)
	}
	cr := kbench(t, "clean", "--client-config", cl.Users[0].ConfigFile, "--run", rf.RunID)
	if cr.code != 0 || !strings.Contains(cr.stdout, "deleting topic "+prefix) {
		t.Errorf("clean: exit %d, stdout %q", cr.code, cr.stdout)
	}
	deadline = time.Now().Add(30 * time.Second)
	for len(topicsWithPrefix(t, a, prefix)) > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if left := topicsWithPrefix(t, a, prefix); len(left) > 0 {
		t.Errorf("topics left after clean: %v", left)
	}
}

// Restore of static settings whose cluster is gone or was replaced: nothing of the run is left
// there, which is said, and the file is removed; a damaged cluster state keeps the file.
func TestRestoreStaticWithoutTheCluster(t *testing.T) {
	for _, tc := range []struct {
		name, state, want string
		ok                bool
	}{
		{"no cluster", "", "no local cluster in", true},
		{"another cluster", `{"cluster_id": "other", "nodes": []}`, "is another one (cluster id other", true},
		{"damaged state", `{"cluster_id": `, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.state != "" {
				if err := os.WriteFile(filepath.Join(dir, "cluster.json"), []byte(tc.state), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(t.TempDir(), safety.RestoreFileName("r"))
			rf := safety.RestoreFile{FormatVersion: safety.RestoreFormatVersion, RunID: "r", Bootstrap: "127.0.0.1:1",
				Static: &safety.RestoreStatic{ClusterDir: dir, ClusterID: "mine", Original: []safety.StaticSetting{{Key: profiles.FlushSchedulerKey}}}}
			if err := safety.WriteRestoreFile(path, &rf); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			o := restoreOptions("", nil)
			o.Out = &out
			err := safety.Restore(context.Background(), path, o)
			_, statErr := os.Stat(path)
			if tc.ok {
				if err != nil || !strings.Contains(out.String(), tc.want) || statErr == nil {
					t.Errorf("err %v, file still there %v, output %q", err, statErr == nil, out.String())
				}
				return
			}
			if err == nil || statErr != nil {
				t.Errorf("a damaged cluster state must fail and keep the restore file: err %v, file there %v", err, statErr == nil)
			}
		})
	}
}
