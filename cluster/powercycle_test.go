package cluster

import (
	"testing"

	"github.com/kbench/kbench/cluster/powerfs"
)

// Only live partitions' log segments count, per partition folder: not indexes, not checkpoints,
// not the broker's copy of the cluster metadata log, not a deleted topic's folder; and a topic's
// sum takes its own partitions only (not a topic whose name it begins).
func TestPartitionSegments(t *testing.T) {
	rep := powerfs.Report{Files: []powerfs.FileReport{
		{Path: "t-0/00000000000000000000.log", Unsynced: 1000},
		{Path: "t-1/00000000000000004000.log", Unsynced: 24},
		{Path: "t-x-0/00000000000000000000.log", Unsynced: 5},
		{Path: "t-0/00000000000000000000.index", Unsynced: 300},
		{Path: "t-2.3f0a9c-delete/00000000000000000000.log", Unsynced: 800},
		{Path: "__cluster_metadata-0/00000000000000000000.log", Unsynced: 5000},
		{Path: "recovery-point-offset-checkpoint", Unsynced: 70},
		{Path: "stray.log", Unsynced: 9},
	}}
	seg := partitionSegments(rep)
	if len(seg) != 3 || seg["t-0"] != 1000 || seg["t-1"] != 24 || seg["t-x-0"] != 5 {
		t.Errorf("segments %v", seg)
	}
	if got := (Dropped{Segments: seg}).TopicSegmentBytes("t"); got != 1024 {
		t.Errorf("topic t: %d bytes, want 1024", got)
	}
}

// ELR is on for clusters a Kafka 4.1+ formats unless --no-elr; before 4.1 it does not exist.
func TestEligibleLeaderReplicas(t *testing.T) {
	for _, tc := range []struct {
		version string
		noELR   bool
		want    string
	}{
		{"4.3.1", false, "true"}, {"4.3.1", true, "false"}, {"4.1.0", false, "true"}, {"4.0.0", false, "false"}, {"3.9.1", false, "false"}, {"", false, "nil"},
	} {
		got := "nil"
		if e := (&Cluster{KafkaVersion: tc.version, NoELR: tc.noELR}).EligibleLeaderReplicas(); e != nil {
			got = map[bool]string{true: "true", false: "false"}[*e]
		}
		if got != tc.want {
			t.Errorf("Kafka %q, no-elr %v: ELR %s, want %s", tc.version, tc.noELR, got, tc.want)
		}
	}
	plain := &Cluster{Nodes: []*Node{{ID: 1, Role: RoleBroker}}}
	sim := &Cluster{Nodes: []*Node{{ID: 1, Role: RoleBroker, FS: &FSProc{}}}}
	if plain.Storage() != StoragePlain || sim.Storage() != StoragePowerLossFS {
		t.Errorf("storage: plain %q, simulated %q", plain.Storage(), sim.Storage())
	}
}
