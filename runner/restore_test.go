package runner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
)

// A local cluster left changed by a killed run, or halfway through a rolling restart, refuses a
// run that would change static settings (its "original" would be wrong) and warns any other.
func TestCheckLocalStatic(t *testing.T) {
	ms := int64(10)
	static := profiles.Point{ID: "s", Settings: profiles.Settings{BrokerFlushSchedulerIntervalMs: &ms}}
	plain := profiles.Point{ID: "p"}
	for _, tc := range []struct{ name, state, want string }{
		{"left by a killed run", `{"cluster_id": "x", "broker_config": {"log.flush.scheduler.interval.ms": "10"}, "broker_config_changed_by": "kbench run R (pid 1 on h); undo: kbench restore /r.json",
  "nodes": [{"id": 1, "role": "broker", "broker_config_in_force": {"log.flush.scheduler.interval.ms": "10"}}]}`, "kbench run R (pid 1 on h); undo: kbench restore /r.json"},
		{"interrupted rolling restart", `{"cluster_id": "x", "nodes": [{"id": 1, "role": "broker", "broker_config_in_force": {"log.flush.scheduler.interval.ms": "10"}}]}`, "broker 1 runs with log.flush.scheduler.interval.ms=10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "cluster.json"), []byte(tc.state), 0o644); err != nil {
				t.Fatal(err)
			}
			cl, err := cluster.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			cl.Dir = dir
			var warnings strings.Builder
			s := &session{opts: Options{Cluster: cl, Events: messagesTo(&warnings)}}
			if err := s.checkLocalStatic([]profiles.Point{static}); !errors.Is(err, ErrClusterInconsistent) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("a static run: err %v, want ErrClusterInconsistent naming %q", err, tc.want)
			}
			if err := s.checkLocalStatic([]profiles.Point{plain}); err != nil || !strings.Contains(warnings.String(), tc.want) {
				t.Errorf("another run: err %v, warnings %q", err, warnings.String())
			}
		})
	}
}
