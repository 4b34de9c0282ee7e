package cluster

// Static broker settings (read-only in Kafka, like log.flush.scheduler.interval.ms) change only
// by restarting brokers. The state file keeps two things apart so that it never claims a setting
// the brokers do not have: the cluster's BrokerConfig (what a broker starts with) and, per
// broker, what its running process was started with (InForce), or that a restart toward
// BrokerConfig was under way when kbench stopped (Changing). A rolling restart interrupted
// halfway (Ctrl-C, kill -9) is therefore visible in `cluster status` and repaired by running
// SetBrokerConfig again, which restarts only the brokers that do not run the wanted settings.

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
)

// cloneConfig copies a settings map, never returning nil (nil InForce means "an old state file").
func cloneConfig(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	maps.Copy(out, m)
	return out
}

// brokerInForce is what broker n's process runs with, as far as the state knows (nil when
// Changing: unknown).
func (c *Cluster) brokerInForce(n *Node) map[string]string {
	switch {
	case n.Changing:
		return nil
	case n.InForce == nil:
		return cloneConfig(c.BrokerConfig)
	}
	return n.InForce
}

// runsConfig says whether broker n is up and known to run exactly want.
func (c *Cluster) runsConfig(n *Node, want map[string]string) bool {
	in := c.brokerInForce(n)
	return in != nil && maps.Equal(in, want) && n.State() != StateDown
}

// writeNodeConfig (re)writes one node's server.properties (and the shared log4j file), leaving
// the files of the other nodes as their running processes read them.
func (c *Cluster) writeNodeConfig(n *Node) error {
	if err := os.WriteFile(c.log4jFile(), []byte(log4j2Properties), 0o644); err != nil {
		return err
	}
	for _, d := range []string{n.DataDir, n.LogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(n.Config, []byte(c.nodeProperties(n)), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", n.Config, err)
	}
	return nil
}

// RollingRestart restarts the brokers with extra static settings merged into the broker config
// (a value "" removes a key): see SetBrokerConfig.
func (c *Cluster) RollingRestart(ctx context.Context, extra map[string]string) error {
	want := cloneConfig(c.BrokerConfig)
	for k, v := range extra {
		if v == "" {
			delete(want, k)
		} else {
			want[k] = v
		}
	}
	return c.SetBrokerConfig(ctx, want, c.ChangedBy)
}

// SetBrokerConfig makes every broker run with exactly the extra settings want: it records want
// (and changedBy, who asked and how to undo it) in the state first, then restarts, one at a
// time, each broker that is not known to run want (down or half-restarted ones first), waiting
// for each to rejoin the ISR before the next, and finally proves the cluster takes a replicated
// write. Interrupted, it leaves the state saying which brokers run what; calling it again
// finishes the job.
func (c *Cluster) SetBrokerConfig(ctx context.Context, want map[string]string, changedBy string) error {
	want = cloneConfig(want)
	var todo []*Node
	for _, n := range c.Brokers() {
		if !c.runsConfig(n, want) {
			todo = append(todo, n)
		}
	}
	first := func(n *Node) bool { return c.brokerInForce(n) == nil || n.State() == StateDown }
	sort.SliceStable(todo, func(i, j int) bool { return first(todo[i]) && !first(todo[j]) })
	for _, n := range c.Brokers() { // an old state file: pin what each broker runs before changing the cluster's config
		if n.InForce == nil && !n.Changing {
			n.InForce = cloneConfig(c.BrokerConfig)
		}
	}
	c.BrokerConfig, c.ChangedBy = want, changedBy
	if len(want) == 0 {
		c.BrokerConfig = nil
	}
	if err := c.save(); err != nil {
		return err
	}
	if len(todo) == 0 {
		return nil
	}
	for _, n := range todo {
		c.logf("restarting broker %d with %s", n.ID, formatSettings(want))
		if err := c.Restart(ctx, n.ID); err != nil {
			return fmt.Errorf("rolling restart: %w", err)
		}
	}
	// Every broker is back in the ISR; prove that the cluster also takes a replicated write, so
	// the first measurement after the restart does not pay for clients finding the new brokers.
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := c.probeWrite(pctx, len(c.Brokers())); err != nil {
		return fmt.Errorf("rolling restart: cluster does not take writes afterwards: %w", err)
	}
	return nil
}

// ConfigMismatch says, one line per broker, where a broker is not known to run the cluster's
// BrokerConfig (a rolling restart interrupted, or under way in another process); nil when every
// broker runs it.
func (c *Cluster) ConfigMismatch() []string {
	var out []string
	for _, n := range c.Brokers() {
		in := c.brokerInForce(n)
		switch {
		case in == nil:
			out = append(out, fmt.Sprintf("broker %d was being restarted with %s when that stopped: it runs that or its previous settings, or is down", n.ID, formatSettings(c.BrokerConfig)))
		case !maps.Equal(in, c.BrokerConfig):
			out = append(out, fmt.Sprintf("broker %d runs with %s, not the cluster's %s", n.ID, formatSettings(in), formatSettings(c.BrokerConfig)))
		}
	}
	return out
}

// StaticStatus is what `cluster status` says about static broker settings: the extra settings,
// who changed them, and any broker that does not run them, with how to repair it.
func (c *Cluster) StaticStatus() []string {
	var out []string
	if len(c.BrokerConfig) > 0 {
		out = append(out, "extra broker settings: "+formatSettings(c.BrokerConfig))
	}
	if c.ChangedBy != "" {
		out = append(out, "changed by: "+c.ChangedBy)
	}
	mis := c.ConfigMismatch()
	for _, l := range mis {
		out = append(out, "MISMATCH: "+l)
	}
	if len(mis) > 0 {
		out = append(out, "a rolling restart did not finish: `kbench restore FILE` (the restore file of the run that changed them) puts the original settings back on every broker")
	}
	return out
}

// formatSettings renders settings as sorted k=v pairs ("(none)" for no extra settings).
func formatSettings(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ", ")
}

// Reload reads the state file again, keeping the progress log: another kbench process may have
// restarted brokers or changed their settings since this one loaded it.
func (c *Cluster) Reload() error {
	fresh, err := Load(c.Dir)
	if err != nil {
		return err
	}
	log, dir := c.log, c.Dir
	*c = *fresh
	c.log, c.Dir = log, dir
	return nil
}
