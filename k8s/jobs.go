package k8s

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// workerJob is the Indexed Job: N pods, index 0..N-1 in JOB_COMPLETION_INDEX, all started
// together. No retries: a worker lost mid-point makes the point incomplete naming it, and a
// restarted one would not fill its share in.
func (s Spec) workerJob() (*batchv1.Job, error) {
	res, err := s.resources(s.WorkerCPU, s.WorkerMemory, "2", "2Gi")
	if err != nil {
		return nil, fmt.Errorf("--worker-%w", err)
	}
	pod := s.podSpec(s.WorkerArgs(), res)
	// Workers are meant to be machines: prefer one per node.
	pod.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: s.labels("workers")},
				TopologyKey:   "kubernetes.io/hostname",
			},
		}},
	}}
	return s.job("workers", pod, batchv1.IndexedCompletion), nil
}

// coordinatorJob runs the sweep; its results folder is an emptyDir (or the given claim) and
// comes back as the tar stream that is the container's whole log.
func (s Spec) coordinatorJob() (*batchv1.Job, error) {
	res, err := s.resources(s.CoordinatorCPU, s.CoordinatorMemory, "2", "4Gi")
	if err != nil {
		return nil, fmt.Errorf("--coordinator-%w", err)
	}
	pod := s.podSpec(s.CoordinatorArgs(), res)
	results := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	if s.ResultsClaim != "" {
		results = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.ResultsClaim}}
	}
	pod.Volumes = append(pod.Volumes,
		corev1.Volume{Name: "profile", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: s.Name("profile")},
		}}},
		corev1.Volume{Name: "results", VolumeSource: results})
	c := &pod.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts,
		corev1.VolumeMount{Name: "profile", MountPath: ProfileDir, ReadOnly: true},
		corev1.VolumeMount{Name: "results", MountPath: ResultsDir})
	return s.job("coordinator", pod, batchv1.NonIndexedCompletion), nil
}

func (s Spec) job(component string, pod corev1.PodSpec, mode batchv1.CompletionMode) *batchv1.Job {
	n := int32(1)
	if mode == batchv1.IndexedCompletion {
		n = int32(s.Workers)
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: s.meta(component),
		Spec: batchv1.JobSpec{
			CompletionMode:        ptr.To(mode),
			Completions:           ptr.To(n),
			Parallelism:           ptr.To(n),
			BackoffLimit:          ptr.To(int32(0)),
			ActiveDeadlineSeconds: ptr.To(int64(orDuration(s.Deadline, defaultDeadline).Seconds())),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: s.labels(component)},
				Spec:       pod,
			},
		},
	}
}

// podSpec is the pod both Jobs share: kbench as a non-root user on a read-only root, the
// client config from the user's Secret, a writable /tmp.
func (s Spec) podSpec(args []string, res corev1.ResourceRequirements) corev1.PodSpec {
	image := s.Image
	if image == "" {
		image = DefaultImage
	}
	pod := corev1.PodSpec{
		RestartPolicy:   corev1.RestartPolicyNever,
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(int64(RunAsUser)), RunAsGroup: ptr.To(int64(RunAsUser)), FSGroup: ptr.To(int64(RunAsUser))},
		Containers: []corev1.Container{{
			Name:            containerName,
			Image:           image,
			ImagePullPolicy: corev1.PullIfNotPresent,
			Args:            args,
			Env:             []corev1.EnvVar{{Name: "HOME", Value: "/tmp"}},
			Resources:       res,
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false),
				ReadOnlyRootFilesystem:   ptr.To(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
		}},
		Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	}
	if s.ClientConfigSecret != "" {
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "client-config", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: s.ClientConfigSecret, DefaultMode: ptr.To(int32(0o440))}, // readable by the kbench group only
		}})
		pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts,
			corev1.VolumeMount{Name: "client-config", MountPath: ClientDir, ReadOnly: true})
	}
	return pod
}
