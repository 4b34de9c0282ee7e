package analysis

import (
	"fmt"
	"strings"

	"github.com/kbench/kbench/stats"
)

// Tested lists, plainly, what the run did and did not exercise.
func Tested(run *stats.Run, all []Point, fe Faults) []string {
	var out []string
	anyFlush := false
	for _, p := range all {
		if p.Result != nil && p.Status != stats.StatusFailed && SetsFlush(p) {
			anyFlush = true
		}
	}
	if !fe.Any {
		out = append(out, "No fault was injected (the profile has no fault section and no point notes one). Durability was not tested: zero lost records here only shows that a healthy cluster lost nothing, not what each level protects against. Run a profile with broker kills or pauses to measure that.")
		if anyFlush {
			out = append(out, "Flush settings were measured for their cost only: their benefit shows only when every replica loses its page cache together (power loss, kernel crash), which this run did not cause.")
		}
	} else {
		out = append(out, "Faults injected: "+fe.Summary+". Only acknowledged records count as lost.")
		out = append(out, fe.Unhealed...)
		if anyFlush && fe.Kill {
			out = append(out, "A process kill keeps the operating system's page cache, so flush settings (flush.messages, flush.ms, log.flush.*) could not change the outcome of these faults; only a power loss or kernel crash on all replicas together would test them.")
		}
	}
	env := run.Index.Environment
	if env.LocalCluster {
		out = append(out, fmt.Sprintf("All %s ran on one host (local cluster; %s): replication crossed no real network and the brokers shared disks and cores. Compare the levels with each other, not with a production cluster.",
			Plural(env.Brokers, "broker"), HostPhrase(env)))
	}
	// Notes from the profile and the runner, each once, with the points they apply to.
	type note struct {
		text   string
		levels []string
	}
	var notes []*note
	byText := map[string]*note{}
	for _, p := range all {
		if p.Result == nil {
			continue
		}
		for _, n := range append(append([]string(nil), p.Result.Point.Notes...), p.Result.Notes...) {
			nt := byText[n]
			if nt == nil {
				nt = &note{text: n}
				byText[n] = nt
				notes = append(notes, nt)
			}
			if len(nt.levels) == 0 || nt.levels[len(nt.levels)-1] != p.Level {
				nt.levels = append(nt.levels, p.Level)
			}
		}
	}
	for _, n := range notes {
		out = append(out, fmt.Sprintf("%s (%s)", strings.TrimSuffix(n.text, "."), strings.Join(n.levels, ", ")))
	}
	for _, p := range all {
		if p.Result == nil {
			continue
		}
		m := p.Result.Metrics
		if m.Backlog != nil {
			out = append(out, fmt.Sprintf("%s: %s (consume.mode backlog: the consumers started after the producers; no end-to-end latency).", p.Level, stats.BacklogSummary(p.Result)))
		}
		if m.ConsumerBehind {
			out = append(out, fmt.Sprintf("%s: the consumers fell behind (lag %d at the end), so its end-to-end latency measures the consumer backlog, not Kafka.", p.Level, m.ConsumerLagEnd))
		}
		if a := p.Result.Audit; a.VerificationRead != nil && !a.VerificationRead.Complete {
			out = append(out, fmt.Sprintf("%s: verification read %s. Its lost count is unknown (neither zero nor the records left unread); its duplicate and out-of-order counts are lower bounds.", p.Level, a.ReadSummary()))
		}
		if o := m.ProduceLatency.Overflow + m.EndToEndLatency.Overflow; o > 0 {
			out = append(out, fmt.Sprintf("%s: %d latencies exceeded the histogram range (1 h) and are counted at its maximum.", p.Level, o))
		}
	}
	return out
}

// HostPhrase describes the host, e.g. "linux/amd64, 8 cores, 32 GiB memory".
func HostPhrase(env stats.Environment) string {
	var parts []string
	if env.HostOS != "" {
		parts = append(parts, env.HostOS)
	}
	if env.HostCores > 0 {
		parts = append(parts, Plural(env.HostCores, "core"))
	}
	if env.HostMemoryBytes > 0 {
		parts = append(parts, fmt.Sprintf("%.0f GiB memory", float64(env.HostMemoryBytes)/(1<<30)))
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}

// Plural writes "1 broker" or "3 brokers".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
