package profiles

import (
	"strings"
	"testing"
)

// TestPipelineSetting: pipeline parses, names its point and is refused, at its own line, where
// the copy pipeline cannot run as written.
func TestPipelineSetting(t *testing.T) {
	pts, _ := mustPoints(t, header+"sweep:\n  matrix:\n    pipeline: [direct, copy]\n")
	byID := map[string]Point{}
	for _, p := range pts {
		byID[p.ID] = p
	}
	if len(pts) != 2 || !byID["pipe-copy"].Copy() || byID["pipe-direct"].Copy() {
		t.Fatalf("points %v", pts)
	}
	if got := byID["pipe-copy"].Settings.ByJSON()["pipeline"]; got != "copy" {
		t.Errorf("result-file value %q", got)
	}
	tests := []struct {
		name, points, want string
	}{
		{"unknown", "    - pipeline: tee\n", "t.yaml:14: sweep.points[0].pipeline: want one of direct, copy; got 'tee'"},
		{"commit.mode", "    - pipeline: copy\n      commit.mode: auto\n", "copiers commit their offsets inside their transactions"},
		{"read_uncommitted", "    - pipeline: copy\n      isolation.level: read_uncommitted\n", "the copy pipeline reads with read_committed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("t.yaml", []byte(header+"sweep:\n  points:\n"+tt.points))
			if err == nil {
				_, err = p.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %q", err, tt.want)
			}
		})
	}
}

// TestCopierFaults: the copier targets and the zombie action parse with their defaults; a
// zombie of anything but a copier, a copier restart and an id on coordinator are refused.
func TestCopierFaults(t *testing.T) {
	for flag, want := range map[string]string{
		"at=7s,action=zombie,target=copier:0":        "at=7s,action=zombie,target=copier:0,for=5s",
		"at=2s,action=kill,target=copier:1":          "at=2s,action=kill,target=copier:1,for=0s",
		"at=1s,action=kill,target=coordinator":       "at=1s,action=kill,target=coordinator,for=12s",
		"at=1s,action=pause,target=copier:0,for=11s": "at=1s,action=pause,target=copier:0,for=11s",
	} {
		f, err := ParseFaultFlag(flag)
		if err != nil || f.String() != want {
			t.Errorf("%s: %v, %v; want %s", flag, f, err, want)
		}
	}
	for flag, want := range map[string]string{
		"at=1s,action=zombie,target=broker:1":    "zombie is for a copier",
		"at=1s,action=restart,target=copier:0":   "a copier can be killed, paused or made a zombie",
		"at=1s,action=kill,target=coordinator:1": "coordinator means the current one",
	} {
		if _, err := ParseFaultFlag(flag); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", flag, err, want)
		}
	}
	w := Workload{Consumers: 2, Duration: 0}
	if msgs := CheckFaults([]Fault{{Action: FaultKill, Target: FaultTarget{Kind: TargetCopier, ID: 2}}}, w); len(msgs) != 1 || !strings.Contains(msgs[0], "2 copier(s)") {
		t.Errorf("copier:2 with 2 consumers: %v", msgs)
	}
}
