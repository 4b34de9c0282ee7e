package cluster

import (
	"testing"

	"github.com/kbench/kbench/cluster/powerfs"
)

// Only topic partitions' log segments count as segment bytes: not indexes, not checkpoints, not
// the broker's copy of the cluster metadata log.
func TestSegmentBytes(t *testing.T) {
	rep := powerfs.Report{Files: []powerfs.FileReport{
		{Path: "t-0/00000000000000000000.log", Unsynced: 1000},
		{Path: "t-1/00000000000000004000.log", Unsynced: 24},
		{Path: "t-0/00000000000000000000.index", Unsynced: 300},
		{Path: "__cluster_metadata-0/00000000000000000000.log", Unsynced: 5000},
		{Path: "recovery-point-offset-checkpoint", Unsynced: 70},
		{Path: "stray.log", Unsynced: 9},
	}}
	if got := segmentBytes(rep); got != 1024 {
		t.Errorf("segment bytes %d, want 1024", got)
	}
}
