package main

// Bad input through the kbench command itself (the test binary re-executes itself as kbench):
// every subcommand answers a representative wrong input with the README's exit code and one line
// on stderr, and nothing here starts a cluster (the environment points KBENCH_KAFKA_LIBS at an
// empty folder, so a cluster start would fail, with exit 3, instead of starting one).

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kbenchIn runs this binary as kbench with args, stdin empty, in an environment without any
// KBENCH_ setting of the caller's plus env, bounded by a short timeout: a hang fails the test.
func kbenchIn(t *testing.T, env []string, args ...string) kbenchResult {
	t.Helper()
	var full []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KBENCH_") {
			full = append(full, kv)
		}
	}
	full = append(full, runMainEnv+"=1", "KBENCH_KAFKA_LIBS="+t.TempDir())
	return runKbench(t, 30*time.Second, append(full, env...), args)
}

// wantOneLine fails unless stderr is exactly one line starting with "kbench: " and containing want.
func wantOneLine(t *testing.T, r kbenchResult, want string) {
	t.Helper()
	line := strings.TrimSuffix(r.stderr, "\n")
	if line == "" || strings.Contains(line, "\n") || !strings.HasPrefix(line, "kbench: ") {
		t.Errorf("stderr is not one kbench: line:\n%s", r.stderr)
	}
	if !strings.Contains(line, want) {
		t.Errorf("stderr %q does not say %q", line, want)
	}
}

func TestBadInputExitCodes(t *testing.T) {
	empty := t.TempDir()
	foreign := t.TempDir()
	writeFileIn(t, foreign, "thesis.tex", "years of work")
	emptyBootstrap := writeFileIn(t, t.TempDir(), "client.properties", "security.protocol=PLAINTEXT\nbootstrap.servers=\n")
	big := writeFileIn(t, t.TempDir(), "big.yaml", strings.Repeat("#\n", 1<<20))
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	fifoRun := t.TempDir() // a results folder whose index.json is a FIFO: reading it would block
	if err := syscall.Mkfifo(filepath.Join(fifoRun, "index.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"unknown command", nil, []string{"nosuch"}, 2, "unknown command 'nosuch'"},
		{"unknown global flag", nil, []string{"--nope"}, 2, "kbench: flag provided but not defined: -nope (see kbench --help)"},
		{"cluster up negative brokers", nil, []string{"cluster", "up", "--dir", empty, "--brokers", "-1"}, 2, "--brokers -1: want 1 to 9"},
		{"cluster up zero controllers", nil, []string{"cluster", "up", "--dir", empty, "--controllers", "0"}, 2, "--controllers 0: want 1 to 5"},
		{"cluster up unknown auth", nil, []string{"cluster", "up", "--dir", empty, "--auth", "kerberos"}, 2, `--auth "kerberos"`},
		{"cluster up in a foreign folder", nil, []string{"cluster", "up", "--dir", foreign}, 2, "is not a kbench cluster folder"},
		{"cluster up bad flag value", nil, []string{"cluster", "up", "--brokers", "three"}, 2, `invalid value "three"`},
		{"cluster down wipe of a foreign folder", nil, []string{"cluster", "down", "--wipe", "--dir", foreign}, 2, "not wiping " + foreign},
		{"cluster down unknown flag", nil, []string{"cluster", "down", "--force"}, 2, "flag provided but not defined: -force"},
		{"cluster status unknown flag", nil, []string{"cluster", "status", "--json"}, 2, "flag provided but not defined: -json"},
		{"cluster kill without target", nil, []string{"cluster", "kill", "--dir", empty}, 2, "name exactly one target"},
		{"cluster pause two targets", nil, []string{"cluster", "pause", "--dir", empty, "--broker", "1", "--controller", "100"}, 2, "name exactly one target"},
		{"cluster resume bad leader-of", nil, []string{"cluster", "resume", "--dir", empty, "--leader-of", "orders"}, 2, `--leader-of "orders": want TOPIC:PARTITION`},
		{"cluster restart bad broker id", nil, []string{"cluster", "restart", "--broker", "one"}, 2, `invalid value "one"`},
		{"run empty bootstrap", nil, []string{"run", "--bootstrap", "", "--out", empty}, 2, "--bootstrap is empty"},
		{"run empty KBENCH_BOOTSTRAP", []string{"KBENCH_BOOTSTRAP="}, []string{"run", "--out", empty}, 2, "--bootstrap is empty"},
		{"run empty bootstrap.servers in the client config", nil, []string{"run", "--client-config", emptyBootstrap, "--out", empty}, 2, "client.properties:2: bootstrap.servers is empty"},
		{"run bootstrap port not a number", nil, []string{"run", "--bootstrap", "localhost:notaport", "--out", empty}, 2, `port "notaport" is not a number from 1 to 65535`},
		{"run bootstrap port out of range", nil, []string{"run", "--bootstrap", "host:99999", "--out", empty}, 2, `port "99999"`},
		{"run bad acks", nil, []string{"run", "--acks", "2"}, 2, "--acks 2: want 0, 1 or all"},
		{"run without out", []string{"KBENCH_CLUSTER_DIR=" + empty}, []string{"run"}, 2, "--out DIR is required"},
		{"sweep without profile", nil, []string{"sweep", "--out", empty}, 2, "--profile is required"},
		{"sweep repeat zero", nil, []string{"sweep", "--profile", "quick", "--repeat", "0", "--out", empty}, 2, "--repeat 0: want 1 to 50 repetitions"},
		{"sweep seed without repeat", nil, []string{"sweep", "--profile", "quick", "--seed", "7", "--out", empty}, 2, "--seed 7 without repetitions"},
		{"run repeat too many", nil, []string{"run", "--repeat", "51", "--out", empty}, 2, "--repeat 51: want 1 to 50 repetitions"},
		{"sweep empty bootstrap", nil, []string{"sweep", "--profile", "quick", "--bootstrap", " ", "--plan"}, 2, "--bootstrap is empty"},
		{"sweep profile from a FIFO", nil, []string{"sweep", "--profile", fifo, "--out", empty}, 2, "is a FIFO (named pipe), not a regular file"},
		{"profiles list unknown flag", nil, []string{"profiles", "list", "--all"}, 2, "flag provided but not defined: -all"},
		{"profiles show no name", nil, []string{"profiles", "show"}, 2, "want one profile name or file"},
		{"profiles validate /dev/zero", nil, []string{"profiles", "validate", "/dev/zero"}, 2, "1 of 1 file(s) have errors"},
		{"profiles show directory", nil, []string{"profiles", "show", empty + "/"}, 2, "is a directory, not a regular file"},
		{"profiles show too large", nil, []string{"profiles", "show", big}, 2, "is larger than 1 MiB"},
		{"plot without index", nil, []string{"plot", "--in", empty}, 2, "index.json"},
		{"plot index is a FIFO", nil, []string{"plot", "--in", fifoRun}, 2, "index.json: a FIFO (named pipe), not a regular file"},
		{"plot cost run without index", nil, []string{"plot", "--in", "../../plots/testdata/ladder", "--out", empty, "--cost-from", empty}, 2, "plot: --cost-from: "},
		{"report cost run without index", nil, []string{"report", "--in", "../../plots/testdata/ladder", "--out", "-", "--cost-from", empty}, 2, "report: --cost-from: "},
		{"sweep power loss of the controller", nil, []string{"sweep", "--profile", "quick", "--plan", "--fault", "at=1s,action=power-loss,target=controller"}, 2, "power-loss hits brokers"},
		{"sweep kill of all brokers", nil, []string{"sweep", "--profile", "quick", "--plan", "--fault", "at=1s,action=kill,target=all"}, 2, "only power-loss does"},
		{"export index is a FIFO", nil, []string{"export", "--in", fifoRun}, 2, "index.json: a FIFO (named pipe), not a regular file"},
		{"report index is a FIFO", nil, []string{"report", "--in", fifoRun}, 2, "index.json: a FIFO (named pipe), not a regular file"},
		{"compare index is a FIFO", nil, []string{"compare", fifoRun, fifoRun}, 2, "index.json: a FIFO (named pipe), not a regular file"},
		{"report unknown format", nil, []string{"report", "--in", empty, "--format", "pdf"}, 2, `unknown format "pdf"`},
		{"compare one folder", nil, []string{"compare", empty}, 2, "want two results folders"},
		{"export unknown format", nil, []string{"export", "--in", empty, "--format", "csv"}, 2, `unknown format "csv"`},
		{"worker bad spec", nil, []string{"worker", "consume"}, 2, "worker spec on stdin"},
		{"clean without run", nil, []string{"clean", "--bootstrap", "localhost:9092"}, 2, "--run is required"},
		{"clean without bootstrap", nil, []string{"clean", "--run", "20250101-120000-beef"}, 2, "no cluster named"},
		{"clean bad bootstrap", nil, []string{"clean", "--run", "x", "--bootstrap", "localhost:notaport"}, 2, `port "notaport"`},
		{"clean client config is a device", nil, []string{"clean", "--run", "x", "--client-config", "/dev/zero"}, 2, "properties file /dev/zero is a character device"},
		{"restore without file", nil, []string{"restore"}, 2, "restore needs one FILE"},
		{"restore /dev/zero", nil, []string{"restore", "/dev/zero"}, 2, "restore file /dev/zero is a character device, not a regular file: kbench reads a restore file only from a regular file of at most 1 MiB"},
		{"restore FIFO", nil, []string{"restore", fifo}, 2, "is a FIFO (named pipe)"},
		{"restore too large", nil, []string{"restore", big}, 2, "is larger than 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := kbenchIn(t, tc.env, tc.args...)
			if r.code != tc.code {
				t.Errorf("kbench %s: exit %d, want %d; stderr:\n%s", strings.Join(tc.args, " "), r.code, tc.code, r.stderr)
			}
			wantOneLine(t, r, tc.want)
			if tc.name == "profiles validate /dev/zero" && !strings.Contains(r.stdout, "/dev/zero is a character device, not a regular file: kbench reads a profile only from a regular file of at most 1 MiB") {
				t.Errorf("stdout does not name the file and the limit:\n%s", r.stdout)
			}
			for _, wrong := range []string{"profile does not fit the cluster", "refused", "panic"} {
				if strings.Contains(r.stderr, wrong) {
					t.Errorf("stderr says %q: %s", wrong, r.stderr)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("bad input wrote into %s: %v", empty, entries)
	}
}

// writeFileIn writes name in dir and returns its path.
func writeFileIn(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
