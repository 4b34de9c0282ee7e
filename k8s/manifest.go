// Package k8s writes the Kubernetes objects that run a `kbench sweep --workers N` on a cluster:
// an Indexed Job of N `kbench worker` pods, a coordinator Job whose results come back as a tar
// stream in its log, a ConfigMap with the profile and a reference to a Secret the user creates
// with the client config. It builds the real API types (k8s.io/api), so what it writes is what
// the API server decodes; it never talks to a cluster.
package k8s

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Paths inside the containers. The client-config Secret is mounted as a folder so that
// certificates it holds next to client.properties can be named by path in the properties.
const (
	ProfileDir      = "/etc/kbench/profile"
	ProfileFile     = "profile.yaml"
	ClientDir       = "/etc/kbench/client"
	ClientKey       = "client.properties"
	ResultsDir      = "/results"
	RunAsUser       = 65532 // the Dockerfile's kbench user
	DefaultImage    = "kbench:latest"
	containerName   = "kbench"
	labelName       = "app.kubernetes.io/name"
	labelInstance   = "app.kubernetes.io/instance"
	labelComponent  = "app.kubernetes.io/component"
	labelManagedBy  = "app.kubernetes.io/managed-by"
	defaultDeadline = 2 * time.Hour
	defaultJoin     = 10 * time.Minute
)

// Spec is what `kbench k8s manifest` was asked for.
type Spec struct {
	Workers            int
	RunID              string // kbench's run id: names the run's topics and every object
	ProfileYAML        []byte // the profile as `kbench sweep --profile` reads it
	Bootstrap          string
	ClientConfigSecret string // Secret holding client.properties (and files it names); "" for none
	Image              string
	Namespace          string
	TopicPrefix        string        // "" for kbench's default
	Deadline           time.Duration // activeDeadlineSeconds of both Jobs (0: 2h)
	JoinTimeout        time.Duration // how long workers and points wait for each other (0: 10m)
	WorkerCPU          string        // requests = limits, so a worker pod gets Guaranteed QoS
	WorkerMemory       string
	CoordinatorCPU     string
	CoordinatorMemory  string
	ResultsClaim       string // PersistentVolumeClaim for the results; "" for an emptyDir
}

// Objects builds the manifest's objects in apply order: ConfigMap, coordinator Job, worker Job.
func Objects(s Spec) ([]runtime.Object, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: s.meta("profile"),
		Data:       map[string]string{ProfileFile: string(s.ProfileYAML)},
	}
	coord, err := s.coordinatorJob()
	if err != nil {
		return nil, err
	}
	workers, err := s.workerJob()
	if err != nil {
		return nil, err
	}
	return []runtime.Object{cm, coord, workers}, nil
}

// Write writes the objects as one YAML stream, documents separated by "---".
func Write(w io.Writer, s Spec) error {
	objs, err := Objects(s)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# kbench sweep --workers %d, run %s: kubectl apply -f this file; results: kubectl logs job/%s | tar x\n", s.Workers, s.RunID, s.Name("coordinator"))
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return fmt.Errorf("marshal %T: %w", o, err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}

// Name is the object name of one component: "kbench-<run>-<component>", lower-cased with
// characters Kubernetes names refuse replaced by "-".
func (s Spec) Name(component string) string {
	r := strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			return c
		case c >= 'A' && c <= 'Z':
			return c + 'a' - 'A'
		}
		return '-'
	}, s.RunID)
	return "kbench-" + strings.Trim(r, "-") + "-" + component
}

func (s Spec) check() error {
	switch {
	case s.Workers < 1:
		return fmt.Errorf("--workers %d: give at least 1", s.Workers)
	case s.Bootstrap == "":
		return fmt.Errorf("--bootstrap: give the bootstrap servers HOST:PORT,... the pods reach the cluster under test at")
	case len(s.ProfileYAML) == 0:
		return fmt.Errorf("--profile: the profile is empty")
	}
	for _, c := range []string{"coordinator", "workers"} {
		if errs := validation.IsDNS1123Label(s.Name(c)); len(errs) > 0 {
			return fmt.Errorf("--run %q makes the Job name %q, which Kubernetes refuses (%s): use a shorter run id", s.RunID, s.Name(c), strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsValidLabelValue(s.RunID); len(errs) > 0 {
		return fmt.Errorf("--run %q is not a Kubernetes label value (%s)", s.RunID, strings.Join(errs, "; "))
	}
	if s.ClientConfigSecret != "" {
		if errs := validation.IsDNS1123Subdomain(s.ClientConfigSecret); len(errs) > 0 {
			return fmt.Errorf("--client-config-secret %q is not a Secret name (%s)", s.ClientConfigSecret, strings.Join(errs, "; "))
		}
	}
	return nil
}

func (s Spec) labels(component string) map[string]string {
	return map[string]string{
		labelName: "kbench", labelInstance: s.RunID, labelComponent: component, labelManagedBy: "kbench",
	}
}

func (s Spec) meta(component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: s.Name(component), Namespace: s.Namespace, Labels: s.labels(component)}
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// connectArgs are the flags worker and coordinator share: the cluster, credentials, prefix.
func (s Spec) connectArgs() []string {
	args := []string{"--run", s.RunID, "--bootstrap", s.Bootstrap}
	if s.ClientConfigSecret != "" {
		args = append(args, "--client-config", path.Join(ClientDir, ClientKey))
	}
	if s.TopicPrefix != "" {
		args = append(args, "--topic-prefix", s.TopicPrefix)
	}
	return append(args, "--join-timeout", orDuration(s.JoinTimeout, defaultJoin).String())
}

// WorkerArgs is the worker container's command line after the image's entrypoint (kbench). The
// index is not on it: `kbench worker` reads JOB_COMPLETION_INDEX, which an Indexed Job sets.
func (s Spec) WorkerArgs() []string {
	return append([]string{"worker"}, s.connectArgs()...)
}

// CoordinatorArgs is the coordinator container's command line after the entrypoint: the sweep
// with --tar-results, so that its log is the results folder as a tar stream.
func (s Spec) CoordinatorArgs() []string {
	args := []string{"sweep", "--workers", strconv.Itoa(s.Workers), "--profile", path.Join(ProfileDir, ProfileFile)}
	args = append(args, s.connectArgs()...)
	return append(args, "--out", path.Join(ResultsDir, s.RunID), "--tar-results")
}

func (s Spec) resources(cpu, memory, defCPU, defMemory string) (corev1.ResourceRequirements, error) {
	list := corev1.ResourceList{}
	for _, r := range []struct {
		name      corev1.ResourceName
		val, def  string
		flagLabel string
	}{{corev1.ResourceCPU, cpu, defCPU, "cpu"}, {corev1.ResourceMemory, memory, defMemory, "memory"}} {
		v := r.val
		if v == "" {
			v = r.def
		}
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Sign() <= 0 {
			return corev1.ResourceRequirements{}, fmt.Errorf("%s %q: give a positive Kubernetes quantity (2, 500m, 4Gi)", r.flagLabel, v)
		}
		list[r.name] = q
	}
	return corev1.ResourceRequirements{Requests: list, Limits: list.DeepCopy()}, nil
}
