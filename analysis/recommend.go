package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// class is a set of points with the same durability settings (they may differ in performance
// settings such as linger.ms); the recommendation compares classes by their best point.
type class struct {
	name    string
	rank    int
	points  []Point
	best    Point // highest acknowledged throughput
	enqueue bool  // acks=0: latency not comparable, nothing acknowledged
	flush   bool
	guide   bool   // acks=all, idempotence, RF >= 3, min ISR >= 2, no forced flush
	clean   bool   // no lost, duplicate or reordered record in any point
	fixed   *Point // the level's fixed-load point (latency: in the profile); nil: none
}

// latency is what the class's produce latency is judged by: its fixed-load point's when the run
// has one (a common offered load), else its best point's (at max rate: queueing).
func (c *class) latency() stats.LatencySummary {
	if c.fixed != nil {
		return c.fixed.Result.Metrics.ProduceLatency
	}
	return c.best.Result.Metrics.ProduceLatency
}

// latencyPoint is the point whose latency the class is judged by (see latency).
func (c *class) latencyPoint() Point {
	if c.fixed != nil {
		return *c.fixed
	}
	return c.best
}

// latencyWhere says at which load both classes' latencies were measured, for a cost sentence.
func latencyWhere(c, base *class) string {
	switch {
	case c.fixed != nil && base.fixed != nil:
		return fmt.Sprintf(" at the common fixed load of %.0f msgs/s", c.fixed.Result.Metrics.TargetRate)
	case c.best.Result.AtMaxRate() || base.best.Result.AtMaxRate():
		return ", " + stats.QueueingAtMaxRate
	}
	return ""
}

// performanceKey says whether a result-file setting changes speed but not durability.
func performanceKey(key string) bool {
	s, ok := profiles.SettingByJSON(key)
	return ok && s.Kind == profiles.Performance
}

// settingName is how a reader knows a result-file setting: the registry's name.
func settingName(key string) string {
	if s, ok := profiles.SettingByJSON(key); ok {
		return s.Name()
	}
	return key
}

// durabilityName names a class by its durability settings, in a stable order.
func durabilityName(vals map[string]string) string {
	var keys []string
	for k := range vals {
		if !performanceKey(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, settingName(k)+"="+vals[k])
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

func classes(ps []Point) []*class {
	var out []*class
	byKey := map[string]*class{}
	fixed := map[string]Point{}
	for _, p := range ps {
		if p.Incomplete {
			continue
		}
		vals := p.Result.Point.Settings.ByJSON()
		key := durabilityName(vals)
		if p.IsFixedLoad() {
			fixed[key] = p
			continue
		}
		c := byKey[key]
		if c == nil {
			c = &class{name: key, rank: p.Rank, best: p, clean: true}
			byKey[key] = c
			out = append(out, c)
		}
		c.points = append(c.points, p)
		if p.Result.Metrics.Acked.MBPerSecond > c.best.Result.Metrics.Acked.MBPerSecond {
			c.best = p
		}
		a := p.Result.Audit
		if !a.NoneLost() || a.Duplicates > 0 || a.OutOfOrder > 0 {
			c.clean = false // an unknown loss is not a clean record either
		}
	}
	for key, c := range byKey {
		if f, ok := fixed[key]; ok {
			c.fixed = &f
		}
	}
	for _, c := range out {
		if len(c.points) == 1 {
			c.name = c.points[0].Level
		}
		c.enqueue = c.best.EnqueueToSocket()
		c.flush = SetsFlush(c.best)
		s := c.best.Result.Point.Settings
		rf := c.best.Result.Effective.ReplicationFactor
		if rf == 0 {
			rf = c.best.Result.Point.Workload.ReplicationFactor
		}
		if s.ReplicationFactor != nil {
			rf = *s.ReplicationFactor
		}
		c.guide = s.Idempotence != nil && *s.Idempotence && s.MinInsyncReplicas != nil && *s.MinInsyncReplicas >= 2 && rf >= 3 && !c.flush
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rank < out[j].rank })
	return out
}

// Recommendation is the report's conclusion: sentences and the per-level cost table.
type Recommendation struct {
	Lines []string
	// Costs is one paragraph with every level's throughput and latency against the baseline
	// (intervals, "not distinguishable"); "" with fewer than two levels.
	Costs string
	// Machine says when the saturation throughputs were the limit of kbench's machine (its cores
	// all busy), and whose; "" otherwise (MachineSentence).
	Machine  string
	Baseline string     // the class the costs are measured against
	CostRows [][]string // level, best point, acked MB/s, throughput vs baseline, produce p99 ms, p99 vs baseline
}

// costPhrase says what class c costs against base, e.g. "costs 33.6 % throughput and +4.8 ms
// p99 against acks=1".
func costPhrase(c, base *class) string {
	cm, bm := c.best.Result.Metrics, base.best.Result.Metrics
	ratio := cm.Acked.MBPerSecond / bm.Acked.MBPerSecond
	var tp string
	if sameTargetRate(cm, bm) && math.Abs(ratio-1) < 0.02 {
		// Both ran at one fixed offered rate and kept it: throughput is equal by design, so the
		// cost is all in latency (a rate search measures the capacity each level sustains).
		tp = fmt.Sprintf("keeps the same target rate (%.0f msgs/s)", cm.TargetRate)
	} else if ratio <= 1 {
		tp = fmt.Sprintf("costs %.1f %% throughput (%.1f vs %.1f MB/s)", (1-ratio)*100, cm.Acked.MBPerSecond, bm.Acked.MBPerSecond)
	} else {
		tp = fmt.Sprintf("gains %.1f %% throughput (%.1f vs %.1f MB/s)", (ratio-1)*100, cm.Acked.MBPerSecond, bm.Acked.MBPerSecond)
	}
	cl, bl := c.latency(), base.latency()
	lat := fmt.Sprintf("%s p99 (%s vs %s ms%s)", FormatDeltaMs(cl.P99Ms-bl.P99Ms),
		FormatMs(cl.P99Ms), FormatMs(bl.P99Ms), latencyWhere(c, base))
	tp, lat = repeatedCost(c.best, base.best, c.latencyPoint(), base.latencyPoint(), tp, lat)
	joiner := "and"
	if strings.HasPrefix(tp, "keeps") {
		joiner = "at"
	}
	return fmt.Sprintf("%s %s %s against %s", tp, joiner, lat, base.name)
}

// sameTargetRate says whether two points were offered the same fixed rate (not max, not search).
func sameTargetRate(a, b stats.Metrics) bool {
	return a.TargetRate > 0 && a.TargetRate == b.TargetRate
}

// pointName is how a sentence names the best point of a class with several points.
func pointName(c *class) string {
	if len(c.points) == 1 {
		return c.name
	}
	return fmt.Sprintf("%s (best point: %s)", c.name, c.best.Label)
}

// Recommend draws the conclusion from the complete points: the cost of each durability level
// against the least durable acknowledged level, which level to choose and why, and for a sweep
// within one level, which setting to choose.
func Recommend(ps []Point, fe Faults) Recommendation {
	var rec Recommendation
	cs := classes(ps)
	if len(cs) == 0 {
		rec.Lines = append(rec.Lines, "Every measured point is incomplete, so no recommendation is drawn from this run.")
		return rec
	}
	rec.Machine = MachineSentence(ps)
	base := baseline(cs)
	rec.Baseline = base.name
	if len(cs) == 1 {
		rec.Lines = append(rec.Lines, fmt.Sprintf("All complete points share one durability level (%s); they differ only in performance settings.", cs[0].name))
		rec.Lines = append(rec.Lines, SweepAdvice(cs[0].points)...)
		return rec
	}
	rec.CostRows = costRows(cs, base)
	rec.Costs = costSummary(cs, base)
	rec.Lines = append(rec.Lines, repeatedLines(ps)...)
	rec.Lines = append(rec.Lines, costLines(cs, base)...)
	var pick *class
	var lines []string
	if fe.Any {
		pick, lines = pickUnderFaults(cs, base)
	} else {
		pick, lines = pickWithoutFaults(cs, base)
	}
	rec.Lines = append(rec.Lines, lines...)
	if pick != nil { // forced flushing on top of the pick
		for _, c := range cs {
			if c.flush && c.rank > pick.rank {
				rec.Lines = append(rec.Lines, fmt.Sprintf("Forcing fsync (%s) %s. It only protects against every replica losing its page cache at once (power loss, kernel crash); with replicas in separate failure domains most deployments rely on replication instead.",
					c.name, costPhrase(c, pick)))
			}
		}
	}
	for _, c := range cs {
		if len(c.points) >= 3 {
			rec.Lines = append(rec.Lines, SweepAdvice(c.points)...)
		}
	}
	return rec
}

// baseline is the class costs are measured against: the least durable acknowledged one.
func baseline(cs []*class) *class {
	for _, c := range cs {
		if !c.enqueue {
			return c
		}
	}
	return cs[0]
}

// costRows is the per-level cost table against base.
func costRows(cs []*class, base *class) [][]string {
	var rows [][]string
	bm := base.best.Result.Metrics
	for _, c := range cs {
		m := c.best.Result.Metrics
		row := []string{c.name, c.best.Label, fmt.Sprintf("%.1f", m.Acked.MBPerSecond),
			FormatPercent(m.Acked.MBPerSecond / bm.Acked.MBPerSecond), FormatMs(c.latency().P99Ms),
			FormatDeltaMs(c.latency().P99Ms - base.latency().P99Ms)}
		repeatedCostRow(row, c.best, base.best, c.latencyPoint(), base.latencyPoint())
		if c.fixed == nil && !c.enqueue && c.best.Result.AtMaxRate() {
			row[4] += " (" + stats.QueueingAtMaxRate + ")"
		}
		if c == base {
			row[3], row[5] = "baseline", "baseline"
		}
		if c.enqueue {
			row[4] += " (enqueue)"
			row[5] = "not comparable"
		}
		rows = append(rows, row)
	}
	return rows
}

// costLines says what each level costs against base, and what acks=0 does not promise.
func costLines(cs []*class, base *class) []string {
	var out []string
	for _, c := range cs {
		switch {
		case c.enqueue:
			ratio := c.best.Result.Metrics.Acked.MBPerSecond / base.best.Result.Metrics.Acked.MBPerSecond
			if c != base {
				out = append(out, fmt.Sprintf("%s reaches %.1f MB/s (%s against %s) but nothing is acknowledged: a record reported delivered may never have been written, and its latency (enqueue to socket) is not comparable.",
					c.name, c.best.Result.Metrics.Acked.MBPerSecond, FormatPercent(ratio), base.name))
			}
		case c != base:
			out = append(out, fmt.Sprintf("%s %s.", pointName(c), costPhrase(c, base)))
		}
	}
	return out
}

// pickUnderFaults chooses the fastest level that came through the injected faults clean, and
// names the levels that did not.
func pickUnderFaults(cs []*class, base *class) (*class, []string) {
	var pick *class
	var out []string
	for _, c := range cs {
		if !c.enqueue && c.clean && (pick == nil || c.best.Result.Metrics.Acked.MBPerSecond > pick.best.Result.Metrics.Acked.MBPerSecond) {
			pick = c
		}
	}
	var lossy []string
	for _, c := range cs {
		if !c.clean {
			a := sumAudit(c)
			lossy = append(lossy, fmt.Sprintf("%s (lost %s, duplicates %d, out of order %d)", c.name, a.LostText(), a.Duplicates, a.OutOfOrder))
		}
	}
	if len(lossy) > 0 {
		out = append(out, "Under the injected faults these levels lost, duplicated or reordered acknowledged records: "+strings.Join(lossy, "; ")+".")
	}
	if pick == nil {
		return nil, append(out, "Recommendation: none of the measured levels came through the faults without loss, duplicates or reordering; add a stronger level (acks=all, idempotence, RF 3, min ISR 2) to the profile.")
	}
	s := fmt.Sprintf("Recommendation: %s, the fastest level that lost, duplicated and reordered nothing under the injected faults", pointName(pick))
	if pick != base {
		s += "; it " + costPhrase(pick, base)
	}
	return pick, append(out, s+".")
}

// pickWithoutFaults chooses the durability guides' configuration when the run measured it, else
// the most durable level without forced flushing; a run without faults shows cost, not protection.
func pickWithoutFaults(cs []*class, base *class) (*class, []string) {
	var pick *class
	for _, c := range cs {
		if c.guide {
			pick = c
		}
	}
	if pick != nil {
		s := fmt.Sprintf("Recommendation: %s, the configuration the durability guides recommend (acks=all, idempotence, RF >= 3, min ISR 2)", pointName(pick))
		if pick != base {
			s += "; it " + costPhrase(pick, base)
		}
		return pick, []string{s + ". If that cost fits your budget, choose it. This run injected no faults, so it shows the price of each level, not what it protects: confirm with a fault profile."}
	}
	for _, c := range cs {
		if !c.enqueue && !c.flush {
			pick = c
		}
	}
	if pick == nil {
		return nil, nil
	}
	return pick, []string{fmt.Sprintf("Recommendation: the most durable level measured without forced flushing is %s; the guides' configuration (acks=all, idempotence, RF >= 3, min ISR 2) was not in this run. This run injected no faults, so it shows cost, not protection.", pointName(pick))}
}

// sumAudit adds up a class's lost, duplicate and out-of-order counts; the lost sum is unknown
// when any point's is.
func sumAudit(c *class) stats.Audit {
	var a stats.Audit
	lost, known := int64(0), true
	for _, p := range c.points {
		n, ok := p.Result.Audit.LostCount()
		lost, known = lost+n, known && ok
		a.Duplicates += p.Result.Audit.Duplicates
		a.OutOfOrder += p.Result.Audit.OutOfOrder
	}
	if known {
		a.Lost = &lost
	}
	return a
}

// SweepAdvice picks, among points of one durability level, the one with the lowest p99 whose
// throughput is within 5 % of the best, and says so.
func SweepAdvice(ps []Point) []string {
	if len(ps) < 2 {
		return nil
	}
	best := ps[0]
	for _, p := range ps {
		if p.Result.Metrics.Acked.MBPerSecond > best.Result.Metrics.Acked.MBPerSecond {
			best = p
		}
	}
	pick := best
	for _, p := range ps {
		if p.Result.Metrics.Acked.MBPerSecond >= 0.95*best.Result.Metrics.Acked.MBPerSecond &&
			p.Result.Metrics.ProduceLatency.P99Ms < pick.Result.Metrics.ProduceLatency.P99Ms {
			pick = p
		}
	}
	worst := ps[0]
	for _, p := range ps {
		if p.Result.Metrics.ProduceLatency.P99Ms > worst.Result.Metrics.ProduceLatency.P99Ms {
			worst = p
		}
	}
	bm, pm := best.Result.Metrics, pick.Result.Metrics
	s := fmt.Sprintf("Recommendation within this level: %s, the lowest produce p99 (%s ms) among the points within 5 %% of the best throughput (%s, %.1f MB/s)",
		pick.Label, FormatMs(pm.ProduceLatency.P99Ms), best.Label, bm.Acked.MBPerSecond)
	if pick.ID == best.ID {
		s = fmt.Sprintf("Recommendation within this level: %s, which has the best throughput (%.1f MB/s) and the lowest p99 of the points near it (%s ms)",
			pick.Label, bm.Acked.MBPerSecond, FormatMs(pm.ProduceLatency.P99Ms))
	}
	s += fmt.Sprintf("; the slowest-responding point, %s, has p99 %s ms.", worst.Label, FormatMs(worst.Result.Metrics.ProduceLatency.P99Ms))
	if r := bm.Acked.MBPerSecond; r > 0 && math.Abs(pm.Acked.MBPerSecond/r-1) < 0.05 && bm.TargetRate > 0 {
		s += " Throughput was capped by the target rate, so this sweep measured latency, not capacity."
	}
	return []string{s}
}
