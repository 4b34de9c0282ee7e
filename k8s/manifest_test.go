package k8s

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

const testProfile = "name: t\nworkload:\n  rate: 1000\nsweep:\n  points:\n    - acks: 1\n"

func testSpec() Spec {
	return Spec{
		Workers: 4, RunID: "bench-1", ProfileYAML: []byte(testProfile), Bootstrap: "kafka.kafka.svc:9092",
		ClientConfigSecret: "kbench-client", Image: "registry.example/kbench:v1", Namespace: "perf",
		Deadline: 90 * time.Minute,
	}
}

// Manifest is the decoded YAML stream, every object in its real API type.
type Manifest struct {
	ConfigMap           corev1.ConfigMap
	Coordinator, Worker batchv1.Job
}

// decodeStrict splits the stream and decodes each document into its API type with unknown
// fields refused, as the API server's strict field validation does.
func decodeStrict(t *testing.T, data []byte) Manifest {
	t.Helper()
	var m Manifest
	docs := strings.Split(string(data), "\n---\n")[1:]
	if len(docs) != 3 {
		t.Fatalf("want 3 documents, got %d", len(docs))
	}
	for _, d := range docs {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(d), &tm); err != nil {
			t.Fatal(err)
		}
		var into any
		switch {
		case tm.Kind == "ConfigMap" && tm.APIVersion == "v1":
			into = &m.ConfigMap
		case tm.Kind == "Job" && tm.APIVersion == "batch/v1" && strings.Contains(d, "completionMode: Indexed"):
			into = &m.Worker
		case tm.Kind == "Job" && tm.APIVersion == "batch/v1":
			into = &m.Coordinator
		default:
			t.Fatalf("unexpected object %s %s", tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(d), into); err != nil {
			t.Fatalf("strict decode of %s: %v\n%s", tm.Kind, err, d)
		}
	}
	return m
}

func render(t *testing.T, s Spec) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestManifestDecodesIntoAPITypes(t *testing.T) {
	s := testSpec()
	m := decodeStrict(t, render(t, s))
	w := m.Worker.Spec
	if *w.CompletionMode != batchv1.IndexedCompletion || *w.Completions != 4 || *w.Parallelism != 4 {
		t.Errorf("worker Job: mode %s completions %d parallelism %d, want Indexed 4 4", *w.CompletionMode, *w.Completions, *w.Parallelism)
	}
	for _, j := range []batchv1.Job{m.Worker, m.Coordinator} {
		ps := j.Spec.Template.Spec
		if ps.RestartPolicy != corev1.RestartPolicyNever || *j.Spec.BackoffLimit != 0 || *j.Spec.ActiveDeadlineSeconds != 5400 {
			t.Errorf("%s: restart %s backoff %d deadline %d, want Never 0 5400", j.Name, ps.RestartPolicy, *j.Spec.BackoffLimit, *j.Spec.ActiveDeadlineSeconds)
		}
		if j.Namespace != "perf" || j.Labels[labelInstance] != "bench-1" || j.Spec.Template.Labels[labelInstance] != "bench-1" {
			t.Errorf("%s: namespace %q, run labels %v / %v", j.Name, j.Namespace, j.Labels, j.Spec.Template.Labels)
		}
		c := ps.Containers[0]
		if len(c.Command) != 0 || c.Image != s.Image {
			t.Errorf("%s: command %v image %s: the image's entrypoint (kbench) must run", j.Name, c.Command, c.Image)
		}
		if c.Resources.Requests.Cpu().IsZero() || !c.Resources.Limits.Memory().Equal(*c.Resources.Requests.Memory()) {
			t.Errorf("%s: resources %v, want requests = limits", j.Name, c.Resources)
		}
		if *ps.SecurityContext.RunAsUser != RunAsUser || !*ps.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: runs as %d", j.Name, *ps.SecurityContext.RunAsUser)
		}
		assertSecretReferenced(t, j.Name, ps, c)
	}
	if m.ConfigMap.Data[ProfileFile] != testProfile || m.ConfigMap.Labels[labelInstance] != "bench-1" {
		t.Errorf("ConfigMap data %q labels %v", m.ConfigMap.Data, m.ConfigMap.Labels)
	}
	var cmRef string
	for _, v := range m.Coordinator.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			cmRef = v.ConfigMap.Name
		}
	}
	if cmRef != m.ConfigMap.Name {
		t.Errorf("coordinator mounts ConfigMap %q, the manifest has %q", cmRef, m.ConfigMap.Name)
	}
}

// assertSecretReferenced: the client config comes from the user's Secret, mounted read-only
// where --client-config points; no Secret object is in the manifest.
func assertSecretReferenced(t *testing.T, job string, ps corev1.PodSpec, c corev1.Container) {
	t.Helper()
	var mounted bool
	for _, v := range ps.Volumes {
		if v.Secret != nil && v.Secret.SecretName == "kbench-client" {
			for _, vm := range c.VolumeMounts {
				mounted = mounted || (vm.Name == v.Name && vm.MountPath == ClientDir && vm.ReadOnly)
			}
		}
	}
	if !mounted || !strings.Contains(strings.Join(c.Args, " "), "--client-config "+ClientDir+"/"+ClientKey) {
		t.Errorf("%s: client config Secret not mounted at %s and passed as --client-config (args %v)", job, ClientDir, c.Args)
	}
}

func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	doc := strings.Replace(string(render(t, testSpec())), "completionMode: Indexed", "completionMode: Indexed\n  completionMod: Indexed", 1)
	docs := strings.Split(doc, "\n---\n")
	var j batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[3]), &j); err == nil || !strings.Contains(err.Error(), "completionMod") {
		t.Fatalf("strict decode of a misspelt field: %v, want it refused", err)
	}
}

func TestManifestGolden(t *testing.T) {
	got := render(t, testSpec())
	golden := filepath.Join("testdata", "manifest.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./k8s -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("manifest differs from %s (go test ./k8s -update after checking the diff):\n%s", golden, got)
	}
}

func TestManifestWithoutSecretOrClaim(t *testing.T) {
	s := testSpec()
	s.ClientConfigSecret = ""
	s.ResultsClaim = "kbench-results"
	m := decodeStrict(t, render(t, s))
	for _, j := range []batchv1.Job{m.Worker, m.Coordinator} {
		if strings.Contains(strings.Join(j.Spec.Template.Spec.Containers[0].Args, " "), "--client-config") {
			t.Errorf("%s: --client-config without a Secret", j.Name)
		}
	}
	var claim string
	for _, v := range m.Coordinator.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != "kbench-results" {
		t.Errorf("results claim %q, want kbench-results", claim)
	}
}

func TestManifestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"no workers", func(s *Spec) { s.Workers = 0 }, "--workers 0"},
		{"no bootstrap", func(s *Spec) { s.Bootstrap = "" }, "--bootstrap"},
		{"run id too long for a Job name", func(s *Spec) { s.RunID = strings.Repeat("r", 60) }, "shorter run id"},
		{"bad secret name", func(s *Spec) { s.ClientConfigSecret = "Bad_Name" }, "--client-config-secret"},
		{"bad quantity", func(s *Spec) { s.WorkerCPU = "two" }, "--worker-cpu \"two\""},
		{"zero memory", func(s *Spec) { s.CoordinatorMemory = "0" }, "--coordinator-memory \"0\""},
	} {
		s := testSpec()
		tc.edit(&s)
		_, err := Objects(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
		}
	}
}

func TestNameLowercasesRunID(t *testing.T) {
	s := Spec{RunID: "Bench_1.x"}
	if got := s.Name("workers"); got != "kbench-bench-1-x-workers" {
		t.Errorf("Name = %q", got)
	}
}
