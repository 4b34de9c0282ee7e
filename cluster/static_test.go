package cluster

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A state file written before brokers recorded their own settings: every broker runs the
// cluster's BrokerConfig, so nothing is reported as mismatched, and the first change pins it.
func TestStaticStateOldFileAndMismatch(t *testing.T) {
	dir := t.TempDir()
	old := `{"dir": "` + dir + `", "cluster_id": "x", "broker_config": {"log.flush.scheduler.interval.ms": "10"},
  "nodes": [{"id": 1, "role": "broker"}, {"id": 2, "role": "broker"}, {"id": 100, "role": "controller"}]}`
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mis := c.ConfigMismatch(); len(mis) != 0 {
		t.Errorf("an old state file is consistent by definition, got %q", mis)
	}
	// A rolling restart to no extra settings, interrupted: broker 1 restarted, broker 2 being
	// restarted when kbench was killed.
	c.BrokerConfig = nil
	c.Nodes[0].InForce = map[string]string{}
	c.Nodes[1].InForce, c.Nodes[1].Changing = map[string]string{"log.flush.scheduler.interval.ms": "10"}, true
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	c, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	mis := c.ConfigMismatch()
	if len(mis) != 1 || !strings.Contains(mis[0], "broker 2 was being restarted") {
		t.Errorf("mismatch lines %q, want one naming broker 2", mis)
	}
	status := strings.Join(c.StaticStatus(), "\n")
	if !strings.Contains(status, "MISMATCH: broker 2") || !strings.Contains(status, "kbench restore") {
		t.Errorf("cluster status must show the interrupted restart and the repair:\n%s", status)
	}
	// An empty in-force map survives the round trip (it is not "an old file").
	b, _ := json.Marshal(c.Nodes[0])
	if !strings.Contains(string(b), `"broker_config_in_force":{}`) {
		t.Errorf("broker 1's empty settings must be written as {}: %s", b)
	}
	c.Nodes[1].Changing = false
	c.Nodes[1].InForce = map[string]string{"log.flush.scheduler.interval.ms": "10"}
	if mis := c.ConfigMismatch(); len(mis) != 1 || !strings.Contains(mis[0], "broker 2 runs with log.flush.scheduler.interval.ms=10, not the cluster's (none)") {
		t.Errorf("mismatch lines %q", mis)
	}
}
