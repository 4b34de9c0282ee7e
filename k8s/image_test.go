package k8s

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDockerfileBuildsKbench checks the image the manifests run (docker is not available to
// the tests): a cgo build of ./cmd/kbench on a glibc Go image, a runtime stage of the same
// Debian release running as the manifests' non-root user, and kbench as the entrypoint (the
// manifests give only args).
func TestDockerfileBuildsKbench(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := regexp.MustCompile(`(?m)^FROM `).Split(string(data), -1)[1:]
	if len(stages) != 2 {
		t.Fatalf("want a build and a runtime stage, got %d FROM lines", len(stages))
	}
	build, runtime := stages[0], stages[1]
	for _, want := range []string{"golang:", "-bookworm AS build", "CGO_ENABLED=1 go build", "-o /out/kbench ./cmd/kbench"} {
		if !strings.Contains(build, want) {
			t.Errorf("build stage lacks %q", want)
		}
	}
	for _, want := range []string{"debian:bookworm-slim", "COPY --from=build /out/kbench /usr/local/bin/kbench", `ENTRYPOINT ["/usr/local/bin/kbench"]`} {
		if !strings.Contains(runtime, want) {
			t.Errorf("runtime stage lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\d+)(:\d+)?$`).FindStringSubmatch(runtime)
	if user == nil || user[1] == "0" || user[1] != strconv.Itoa(RunAsUser) {
		t.Errorf("runtime USER %v: want the non-root uid %d the manifests run as", user, RunAsUser)
	}
}

func TestWriteTarRoundTrip(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{"run/index.json": "{}", "run/points/p1.json": "[1]", "run.log": "kbench: done\n"}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := WriteTar(&b, root, "run", "run.log", "missing"); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	tr := tar.NewReader(&b)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			body, _ := io.ReadAll(tr)
			got[h.Name] = string(body)
		}
	}
	if len(got) != len(files) {
		t.Errorf("tar holds %v, want %v", got, files)
	}
	for name, text := range files {
		if got[name] != text {
			t.Errorf("%s: %q, want %q", name, got[name], text)
		}
	}
}
