package runner

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
)

// The probe counts real appends and syncs, in a file of its own that it removes.
func TestFsyncRate(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "00000000000000000000.log") // a broker's file beside the probe
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := fsyncRate(dir, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if p.Syncs < 1 || p.Seconds < 0.05 || p.FdatasyncPerSecond <= 0 || p.FdatasyncPerSecond != float64(p.Syncs)/p.Seconds || p.Folder != dir {
		t.Errorf("probe %+v", p)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 || left[0].Name() != filepath.Base(other) {
		t.Errorf("want only the broker's file left, got %v", left)
	}
	if _, err := fsyncRate(dir+"/missing", time.Millisecond); err == nil {
		t.Error("a probe in a missing folder must fail")
	}
}

func TestWantsFsyncProbe(t *testing.T) {
	one := int64(1)
	pl := []profiles.Fault{{Action: profiles.FaultPowerLoss, Target: profiles.FaultTarget{Kind: profiles.TargetAll}}}
	kill := []profiles.Fault{{Action: profiles.FaultKill, Target: profiles.FaultTarget{Kind: profiles.TargetBroker, ID: 1}}}
	tests := []struct {
		p     profiles.Point
		sched []profiles.Fault
		want  bool
	}{
		{profiles.Point{}, nil, false},
		{profiles.Point{}, kill, false},
		{profiles.Point{}, pl, true},
		{profiles.Point{Settings: profiles.Settings{FlushMessages: &one}}, nil, true},
		{profiles.Point{Settings: profiles.Settings{FlushMs: &one}}, nil, true},
		{profiles.Point{Settings: profiles.Settings{BrokerFlushIntervalMessages: &one}}, nil, true},
	}
	for i, tt := range tests {
		if got := wantsFsyncProbe(tt.p, tt.sched); got != tt.want {
			t.Errorf("case %d: %v, want %v", i, got, tt.want)
		}
	}
}
