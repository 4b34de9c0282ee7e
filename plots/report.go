package plots

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// Report formats.
const (
	FormatMarkdown = "md"
	FormatHTML     = "html"
)

// ReportOptions say how a report is written.
type ReportOptions struct {
	// Format is FormatMarkdown (default) or FormatHTML. An HTML report is one self-contained file:
	// CSS inline and every chart embedded as a base64 PNG, no external link.
	Format string
	// ChartDir is, for a markdown report, the folder of the chart files relative to the report
	// (e.g. "charts"); the caller draws them there with DrawAll. Ignored for HTML.
	ChartDir string
	// NoCharts leaves the charts section out (a report on stdout, golden tests).
	NoCharts bool
}

// WriteReport writes one document about run: a summary with the recommendation, the
// environment, results and cost tables, the per-point audit, what was and was not tested, the
// points that failed or are incomplete, the charts and the profile. A run with failed,
// incomplete or missing points still gets a report that says so.
func WriteReport(w io.Writer, run *stats.Run, opts ReportOptions) error {
	if run == nil {
		return errors.New("report: no run")
	}
	d := buildReport(run, opts)
	switch opts.Format {
	case "", FormatMarkdown:
		return d.writeMarkdown(w)
	case FormatHTML:
		return d.writeHTML(w)
	}
	return fmt.Errorf("report: unknown format %q (known: md, html)", opts.Format)
}

func buildReport(run *stats.Run, opts ReportOptions) document {
	all := points(run)
	ok := drawn(all)
	idx := run.Index
	title := "kbench report: " + firstNonEmpty(idx.Profile, "unnamed profile")
	d := document{title: title}
	faults := detectFaults(run, all)

	summary := section{heading: "Summary and recommendation"}
	summary.blocks = append(summary.blocks, para("%s", strings.Join(caption(run, all), " ")))
	if len(ok) == 0 {
		summary.blocks = append(summary.blocks, para("No point of this run has measurements, so there is nothing to recommend: see \"Points not measured\" below."))
	} else {
		rec := recommend(ok, faults)
		summary.blocks = append(summary.blocks, block{kind: "list", items: rec.lines})
		if len(rec.costRows) > 0 {
			summary.blocks = append(summary.blocks, block{kind: "table",
				header: []string{"level", "best point", "acked MB/s", "throughput vs " + rec.baseline, "produce p99 ms", "p99 vs " + rec.baseline},
				right:  []bool{false, false, true, true, true, true},
				rows:   rec.costRows})
		}
	}
	d.sections = append(d.sections, summary)
	if sec := searchSection(all); sec != nil { // capacity search (search.go)
		d.sections = append(d.sections, *sec)
	}

	d.sections = append(d.sections, section{heading: "Environment", blocks: []block{environmentTable(run, all)}})
	d.sections = append(d.sections, section{heading: "Results", blocks: resultsBlocks(all)})
	d.sections = append(d.sections, section{heading: "Durability audit", blocks: auditBlocks(all)})
	if s, ok := durabilitySection(ok); ok {
		d.sections = append(d.sections, s)
	}
	d.sections = append(d.sections, section{heading: "What was and was not tested", blocks: []block{{kind: "list", items: tested(run, all, faults)}}})
	if nm := notMeasured(all); len(nm) > 0 {
		d.sections = append(d.sections, section{heading: "Points not measured or incomplete", blocks: []block{{kind: "list", items: nm}}})
	}
	if dmg := run.Damage(); len(dmg) > 0 {
		var items []string
		for _, fe := range dmg {
			items = append(items, fe.Error())
		}
		d.sections = append(d.sections, section{heading: "Damaged result files", blocks: []block{
			para("These files of the run cannot be used; everything else is reported. A point whose result file is damaged is left out (see above); a damaged histogram leaves its point out of the percentile charts (its summary numbers are kept in the result file itself); a damaged interval log only affects `kbench export`."),
			{kind: "list", items: items}}})
	}
	if !opts.NoCharts && len(ok) > 0 {
		var blocks []block
		for _, c := range Charts(run) {
			c := c
			link := c.Name + ".png"
			if opts.ChartDir != "" {
				link = path.Join(opts.ChartDir, link)
			}
			blocks = append(blocks, block{kind: "image", text: c.Title, chart: &c, link: link})
		}
		d.sections = append(d.sections, section{heading: "Charts", blocks: blocks})
	}
	prof := section{heading: "Profile"}
	prof.blocks = append(prof.blocks, para("Profile %q, run %s.", firstNonEmpty(idx.Profile, "unnamed"), firstNonEmpty(idx.RunID, "without id")))
	if idx.ProfileYAML != "" {
		prof.blocks = append(prof.blocks, block{kind: "code", text: idx.ProfileYAML})
	} else {
		prof.blocks = append(prof.blocks, para("The index holds no copy of the profile file."))
	}
	d.sections = append(d.sections, prof)
	return d
}

// fmtMs prints a latency with three significant digits.
func fmtMs(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// fmtPercent prints a relative change as a signed percentage.
func fmtPercent(ratio float64) string {
	return fmt.Sprintf("%+.1f %%", (ratio-1)*100)
}

// fmtDeltaMs prints a latency difference with its sign.
func fmtDeltaMs(d float64) string {
	if d >= 0 {
		return "+" + fmtMs(d) + " ms"
	}
	return "-" + fmtMs(-d) + " ms"
}

func latencyCells(s stats.LatencySummary) []string {
	if s.Count == 0 {
		return []string{"-", "-", "-", "-"}
	}
	return []string{fmtMs(s.P50Ms), fmtMs(s.P99Ms), fmtMs(s.P999Ms), fmtMs(s.MaxMs)}
}

func environmentTable(run *stats.Run, all []point) block {
	env := run.Index.Environment
	if env.KafkaVersion == "" {
		for _, p := range all {
			if p.res != nil {
				env = p.res.Environment
				break
			}
		}
	}
	idx := run.Index
	rows := [][]string{
		{"Kafka", firstNonEmpty(env.KafkaVersion, "unknown")},
		{"librdkafka", firstNonEmpty(env.LibrdkafkaVersion, "unknown")},
		{"kbench", strings.TrimSpace(firstNonEmpty(env.KbenchVersion, "unknown") + " (" + firstNonEmpty(env.KbenchCommit, "commit unknown") + ")")},
		{"brokers", clusterPhrase(env)},
		{"bootstrap", firstNonEmpty(env.Bootstrap, "-")},
		{"host", hostPhrase(env)},
	}
	if !idx.Start.IsZero() {
		rows = append(rows, []string{"run started", idx.Start.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	if !idx.End.IsZero() {
		rows = append(rows, []string{"run ended", idx.End.UTC().Format("2006-01-02 15:04:05 UTC")})
	} else {
		rows = append(rows, []string{"run ended", "not recorded (interrupted or still running)"})
	}
	for _, p := range all {
		if p.res != nil && p.res.Point.Workload.Producers > 0 {
			rows = append(rows, []string{"workload", workloadPhrase(p.res)})
			break
		}
	}
	return block{kind: "table", header: []string{"", ""}, rows: rows}
}

func hostPhrase(env stats.Environment) string {
	var parts []string
	if env.HostOS != "" {
		parts = append(parts, env.HostOS)
	}
	if env.HostCores > 0 {
		parts = append(parts, plural(env.HostCores, "core"))
	}
	if env.HostMemoryBytes > 0 {
		parts = append(parts, fmt.Sprintf("%.0f GiB memory", float64(env.HostMemoryBytes)/(1<<30)))
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}

func resultsBlocks(all []point) []block {
	header := []string{"#", "level", "point", "status", "acked msgs/s", "acked MB/s",
		"produce p50 ms", "p99", "p99.9", "max", "e2e p50 ms", "e2e p99", "produce latency measures"}
	right := []bool{true, false, false, false, true, true, true, true, true, true, true, true, false}
	var rows [][]string
	enqueue := false
	for i, p := range all {
		row := []string{strconv.Itoa(i + 1), p.level, p.id, string(p.status)}
		if !p.drawable() {
			row = append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-")
			rows = append(rows, row)
			continue
		}
		m := p.res.Metrics
		row = append(row, fmt.Sprintf("%.0f", m.Acked.RecordsPerSecond), fmt.Sprintf("%.1f", m.Acked.MBPerSecond))
		row = append(row, latencyCells(m.ProduceLatency)...)
		e := latencyCells(m.EndToEndLatency)
		row = append(row, e[0], e[1])
		kind := "send to ack"
		if p.enqueueToSocket() {
			kind, enqueue = "enqueue to socket (acks=0)", true
		}
		row = append(row, kind)
		rows = append(rows, row)
	}
	blocks := []block{{kind: "table", header: header, right: right, rows: rows}}
	note := "MB = 2^20 bytes (as kafka-producer-perf-test prints). Rates count acknowledged records over the measured phase; latencies are from the full-phase HDR histograms."
	if enqueue {
		note += " At acks=0 nothing is acknowledged: its \"produce latency\" is only the time to hand the record to the socket and is not comparable with the other levels."
	}
	return append(blocks, para("%s", note))
}

func auditBlocks(all []point) []block {
	header := []string{"level", "sent", "acked", "failed", "indeterminate", "lost", "duplicates", "out of order", "read back, not acked", "verification read"}
	right := []bool{false, true, true, true, true, true, true, true, true, false}
	var rows [][]string
	var noAck []string
	for _, p := range all {
		if p.res == nil || (p.status == stats.StatusFailed && p.res.Audit.VerificationRead == nil) {
			rows = append(rows, []string{p.level, "-", "-", "-", "-", "-", "-", "-", "-", "not run (" + string(p.status) + ")"})
			continue
		}
		a := p.res.Audit
		rows = append(rows, []string{p.level, i64(a.Sent), i64(a.Acked), i64(a.Failed), i64(a.Indeterminate), a.LostText(),
			i64(a.Duplicates), i64(a.OutOfOrder), i64(a.UnackedConsumed), a.ReadSummary()})
		if av := p.res.Availability; av != nil && av.LongestNoAckSeconds > 0 {
			noAck = append(noAck, fmt.Sprintf("%s: %.2f s", p.level, av.LongestNoAckSeconds))
		}
	}
	blocks := []block{{kind: "table", header: header, right: right, rows: rows}}
	if len(noAck) > 0 {
		blocks = append(blocks, para("Longest time without a single acknowledgement (availability): %s.", strings.Join(noAck, "; ")))
	}
	return append(blocks,
		para("Lost = acknowledged but never read back; duplicates = one record identity (producer, sequence) at more than one offset; out of order = a producer's sequence went backwards within a partition. Only acknowledged records can be lost; indeterminate sends (timeouts) may or may not have been written."))
}

func i64(v int64) string { return strconv.FormatInt(v, 10) }

// notMeasured lists failed, missing and incomplete points with the reason.
func notMeasured(all []point) []string {
	var out []string
	for _, p := range all {
		switch {
		case p.status == stats.StatusFailed:
			out = append(out, fmt.Sprintf("%s (%s) failed: %s", p.level, p.id, firstNonEmpty(p.reason, "no error recorded")))
		case p.res == nil && p.status == statusDamaged:
			out = append(out, fmt.Sprintf("%s (%s): result file damaged: %s", p.level, p.id, firstNonEmpty(p.reason, "unknown")))
		case p.res == nil:
			out = append(out, fmt.Sprintf("%s (%s): result file missing: %s", p.level, p.id, firstNonEmpty(p.reason, "unknown")))
		case p.status == stats.StatusIncomplete:
			why := p.reason
			out = append(out, fmt.Sprintf("%s (%s) is incomplete (%s): %.0f s measured; its numbers are shown but left out of the recommendation",
				p.level, p.id, firstNonEmpty(why, "reason not recorded"), p.res.Metrics.MeasuredSeconds))
		case !p.drawable():
			out = append(out, fmt.Sprintf("%s (%s): status %s with no measured phase", p.level, p.id, p.status))
		}
	}
	return out
}

// faultEvidence says whether and how a run injected faults.
type faultEvidence struct {
	any      bool
	kill     bool     // a process kill (page cache survives)
	summary  string   // what the run says about its faults
	unhealed []string // points whose faults had not healed before the verification read
}

// detectFaults looks for faults in the profile (a top-level "fault" or "faults" section) and in
// the points' notes (kill, pause, SIGSTOP, network partition, fault).
func detectFaults(run *stats.Run, all []point) faultEvidence {
	var fe faultEvidence
	var says []string
	if y := run.Index.ProfileYAML; y != "" {
		var doc map[string]any
		if yaml.Unmarshal([]byte(y), &doc) == nil {
			for _, k := range []string{"fault", "faults"} {
				if v, ok := doc[k]; ok && v != nil {
					fe.any = true
					out, _ := yaml.Marshal(map[string]any{k: v})
					says = append(says, "profile: "+strings.Join(strings.Fields(string(out)), " "))
					if strings.Contains(strings.ToLower(string(out)), "kill") {
						fe.kill = true
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range all {
		if p.res == nil {
			continue
		}
		if f := p.res.Faults; f != nil {
			for _, e := range f.Events {
				if e.Step != "inject" {
					continue
				}
				fe.any = true
				fe.kill = fe.kill || e.Operation == "kill" || e.Operation == "restart"
				what := firstNonEmpty(e.Fault, fmt.Sprintf("%s %s %d", e.Operation, e.NodeRole, e.NodeID))
				if !seen[what] {
					seen[what] = true
					says = append(says, fmt.Sprintf("%s at %.0f s", what, e.StartOffsetSeconds))
				}
			}
			if !f.Healed && len(f.Events) > 0 {
				fe.unhealed = append(fe.unhealed, fmt.Sprintf("%s: not every fault had healed before the verification read (%s), so records on a node still down may count as lost",
					p.level, firstNonEmpty(f.HealDetail, "no detail")))
			}
		}
		for _, n := range p.res.Notes {
			l := strings.ToLower(n)
			if strings.Contains(l, "kill") || strings.Contains(l, "pause") || strings.Contains(l, "sigstop") ||
				strings.Contains(l, "network partition") || strings.Contains(l, "fault") {
				fe.any = true
				fe.kill = fe.kill || strings.Contains(l, "kill")
				if !seen[n] {
					seen[n] = true
					says = append(says, n)
				}
			}
		}
	}
	fe.summary = strings.Join(says, "; ")
	return fe
}

// setsFlush says whether a point forces flushing (topic or broker flush settings).
func setsFlush(p point) bool {
	s := p.res.Point.Settings
	return s.FlushMessages != nil || s.FlushMs != nil || s.BrokerFlushIntervalMessages != nil || s.BrokerFlushIntervalMs != nil
}

// tested lists, plainly, what the run did and did not exercise.
func tested(run *stats.Run, all []point, fe faultEvidence) []string {
	var out []string
	anyFlush := false
	for _, p := range all {
		if p.res != nil && p.status != stats.StatusFailed && setsFlush(p) {
			anyFlush = true
		}
	}
	if !fe.any {
		out = append(out, "No fault was injected (the profile has no fault section and no point notes one). Durability was not tested: zero lost records here only shows that a healthy cluster lost nothing, not what each level protects against. Run a profile with broker kills or pauses to measure that.")
		if anyFlush {
			out = append(out, "Flush settings were measured for their cost only: their benefit shows only when every replica loses its page cache together (power loss, kernel crash), which this run did not cause.")
		}
	} else {
		out = append(out, "Faults injected: "+fe.summary+". Only acknowledged records count as lost.")
		out = append(out, fe.unhealed...)
		if anyFlush && fe.kill {
			out = append(out, "A process kill keeps the operating system's page cache, so flush settings (flush.messages, flush.ms, log.flush.*) could not change the outcome of these faults; only a power loss or kernel crash on all replicas together would test them.")
		}
	}
	env := run.Index.Environment
	if env.LocalCluster {
		out = append(out, fmt.Sprintf("All %s ran on one host (local cluster; %s): replication crossed no real network and the brokers shared disks and cores. Compare the levels with each other, not with a production cluster.",
			plural(env.Brokers, "broker"), hostPhrase(env)))
	}
	// Notes from the profile and the runner, each once, with the points they apply to.
	type note struct {
		text   string
		levels []string
	}
	var notes []*note
	byText := map[string]*note{}
	for _, p := range all {
		if p.res == nil {
			continue
		}
		for _, n := range append(append([]string(nil), p.res.Point.Notes...), p.res.Notes...) {
			nt := byText[n]
			if nt == nil {
				nt = &note{text: n}
				byText[n] = nt
				notes = append(notes, nt)
			}
			if len(nt.levels) == 0 || nt.levels[len(nt.levels)-1] != p.level {
				nt.levels = append(nt.levels, p.level)
			}
		}
	}
	for _, n := range notes {
		out = append(out, fmt.Sprintf("%s (%s)", strings.TrimSuffix(n.text, "."), strings.Join(n.levels, ", ")))
	}
	for _, p := range all {
		if p.res == nil {
			continue
		}
		m := p.res.Metrics
		if m.Backlog != nil {
			out = append(out, fmt.Sprintf("%s: %s (consume.mode backlog: the consumers started after the producers; no end-to-end latency).", p.level, stats.BacklogSummary(p.res)))
		}
		if m.ConsumerBehind {
			out = append(out, fmt.Sprintf("%s: the consumers fell behind (lag %d at the end), so its end-to-end latency measures the consumer backlog, not Kafka.", p.level, m.ConsumerLagEnd))
		}
		if a := p.res.Audit; a.VerificationRead != nil && !a.VerificationRead.Complete {
			out = append(out, fmt.Sprintf("%s: verification read %s. Its lost count is unknown (neither zero nor the records left unread); its duplicate and out-of-order counts are lower bounds.", p.level, a.ReadSummary()))
		}
		if o := m.ProduceLatency.Overflow + m.EndToEndLatency.Overflow; o > 0 {
			out = append(out, fmt.Sprintf("%s: %d latencies exceeded the histogram range (1 h) and are counted at its maximum.", p.level, o))
		}
	}
	return out
}

// class is a set of points with the same durability settings (they may differ in performance
// settings such as linger.ms); the recommendation compares classes by their best point.
type class struct {
	name    string
	rank    int
	points  []point
	best    point // highest acknowledged throughput
	enqueue bool  // acks=0: latency not comparable, nothing acknowledged
	flush   bool
	guide   bool // acks=all, idempotence, RF >= 3, min ISR >= 2, no forced flush
	clean   bool // no lost, duplicate or reordered record in any point
}

// performanceKey says whether a result-file setting changes speed but not durability.
func performanceKey(key string) bool {
	s, ok := profiles.SettingByJSON(key)
	return ok && s.Kind == profiles.Performance
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
		n, _ := displaySetting(k)
		parts = append(parts, n+"="+vals[k])
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

func classes(ps []point) []*class {
	var out []*class
	byKey := map[string]*class{}
	for _, p := range ps {
		if p.incomplete {
			continue
		}
		vals := settingValues(p.res.Point.Settings)
		key := durabilityName(vals)
		c := byKey[key]
		if c == nil {
			c = &class{name: key, rank: p.rank, best: p, clean: true}
			byKey[key] = c
			out = append(out, c)
		}
		c.points = append(c.points, p)
		if p.res.Metrics.Acked.MBPerSecond > c.best.res.Metrics.Acked.MBPerSecond {
			c.best = p
		}
		a := p.res.Audit
		if !a.NoneLost() || a.Duplicates > 0 || a.OutOfOrder > 0 {
			c.clean = false // an unknown loss is not a clean record either
		}
	}
	for _, c := range out {
		if len(c.points) == 1 {
			c.name = c.points[0].level
		}
		c.enqueue = c.best.enqueueToSocket()
		c.flush = setsFlush(c.best)
		s := c.best.res.Point.Settings
		rf := c.best.res.Effective.ReplicationFactor
		if rf == 0 {
			rf = c.best.res.Point.Workload.ReplicationFactor
		}
		if s.ReplicationFactor != nil {
			rf = *s.ReplicationFactor
		}
		c.guide = s.Idempotence != nil && *s.Idempotence && s.MinInsyncReplicas != nil && *s.MinInsyncReplicas >= 2 && rf >= 3 && !c.flush
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rank < out[j].rank })
	return out
}

// recommendation is the report's conclusion: sentences and the per-level cost table.
type recommendation struct {
	lines    []string
	baseline string
	costRows [][]string
}

// costPhrase says what class c costs against base, e.g. "costs 33.6 % throughput and +4.8 ms
// p99 against acks=1".
func costPhrase(c, base *class) string {
	cm, bm := c.best.res.Metrics, base.best.res.Metrics
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
	lat := fmt.Sprintf("%s p99 (%s vs %s ms)", fmtDeltaMs(cm.ProduceLatency.P99Ms-bm.ProduceLatency.P99Ms),
		fmtMs(cm.ProduceLatency.P99Ms), fmtMs(bm.ProduceLatency.P99Ms))
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
	return fmt.Sprintf("%s (best point: %s)", c.name, c.best.label)
}

// recommend draws the conclusion from the complete points: the cost of each durability level
// against the least durable acknowledged level, which level to choose and why, and for a sweep
// within one level, which setting to choose.
func recommend(ps []point, fe faultEvidence) recommendation {
	var rec recommendation
	cs := classes(ps)
	if len(cs) == 0 {
		rec.lines = append(rec.lines, "Every measured point is incomplete, so no recommendation is drawn from this run.")
		return rec
	}
	var base *class
	for _, c := range cs {
		if !c.enqueue {
			base = c
			break
		}
	}
	if base == nil {
		base = cs[0]
	}
	rec.baseline = base.name
	for _, c := range cs {
		m := c.best.res.Metrics
		row := []string{c.name, c.best.label, fmt.Sprintf("%.1f", m.Acked.MBPerSecond),
			fmtPercent(m.Acked.MBPerSecond / base.best.res.Metrics.Acked.MBPerSecond), fmtMs(m.ProduceLatency.P99Ms),
			fmtDeltaMs(m.ProduceLatency.P99Ms - base.best.res.Metrics.ProduceLatency.P99Ms)}
		if c == base {
			row[3], row[5] = "baseline", "baseline"
		}
		if c.enqueue {
			row[4] += " (enqueue)"
			row[5] = "not comparable"
		}
		rec.costRows = append(rec.costRows, row)
	}
	if len(cs) == 1 {
		rec.costRows = nil
		rec.lines = append(rec.lines, fmt.Sprintf("All complete points share one durability level (%s); they differ only in performance settings.", cs[0].name))
		rec.lines = append(rec.lines, sweepAdvice(cs[0].points)...)
		return rec
	}
	for _, c := range cs {
		switch {
		case c.enqueue:
			ratio := c.best.res.Metrics.Acked.MBPerSecond / base.best.res.Metrics.Acked.MBPerSecond
			if c != base {
				rec.lines = append(rec.lines, fmt.Sprintf("%s reaches %.1f MB/s (%s against %s) but nothing is acknowledged: a record reported delivered may never have been written, and its latency (enqueue to socket) is not comparable.",
					c.name, c.best.res.Metrics.Acked.MBPerSecond, fmtPercent(ratio), base.name))
			}
		case c != base:
			rec.lines = append(rec.lines, fmt.Sprintf("%s %s.", pointName(c), costPhrase(c, base)))
		}
	}
	// The choice.
	var pick *class
	if fe.any {
		for _, c := range cs {
			if !c.enqueue && c.clean && (pick == nil || c.best.res.Metrics.Acked.MBPerSecond > pick.best.res.Metrics.Acked.MBPerSecond) {
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
			rec.lines = append(rec.lines, "Under the injected faults these levels lost, duplicated or reordered acknowledged records: "+strings.Join(lossy, "; ")+".")
		}
		if pick != nil {
			s := fmt.Sprintf("Recommendation: %s, the fastest level that lost, duplicated and reordered nothing under the injected faults", pointName(pick))
			if pick != base {
				s += "; it " + costPhrase(pick, base)
			}
			rec.lines = append(rec.lines, s+".")
		} else {
			rec.lines = append(rec.lines, "Recommendation: none of the measured levels came through the faults without loss, duplicates or reordering; add a stronger level (acks=all, idempotence, RF 3, min ISR 2) to the profile.")
		}
	} else {
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
			rec.lines = append(rec.lines, s+". If that cost fits your budget, choose it. This run injected no faults, so it shows the price of each level, not what it protects: confirm with a fault profile.")
		} else {
			for _, c := range cs {
				if !c.enqueue && !c.flush {
					pick = c
				}
			}
			if pick != nil {
				rec.lines = append(rec.lines, fmt.Sprintf("Recommendation: the most durable level measured without forced flushing is %s; the guides' configuration (acks=all, idempotence, RF >= 3, min ISR 2) was not in this run. This run injected no faults, so it shows cost, not protection.", pointName(pick)))
			}
		}
	}
	// Forced flushing on top of the pick.
	if pick != nil {
		for _, c := range cs {
			if c.flush && c.rank > pick.rank {
				rec.lines = append(rec.lines, fmt.Sprintf("Forcing fsync (%s) %s. It only protects against every replica losing its page cache at once (power loss, kernel crash); with replicas in separate failure domains most deployments rely on replication instead.",
					c.name, costPhrase(c, pick)))
			}
		}
	}
	for _, c := range cs {
		if len(c.points) >= 3 {
			rec.lines = append(rec.lines, sweepAdvice(c.points)...)
		}
	}
	return rec
}

// sumAudit adds up a class's lost, duplicate and out-of-order counts; the lost sum is unknown
// when any point's is.
func sumAudit(c *class) stats.Audit {
	var a stats.Audit
	lost, known := int64(0), true
	for _, p := range c.points {
		n, ok := p.res.Audit.LostCount()
		lost, known = lost+n, known && ok
		a.Duplicates += p.res.Audit.Duplicates
		a.OutOfOrder += p.res.Audit.OutOfOrder
	}
	if known {
		a.Lost = &lost
	}
	return a
}

// sweepAdvice picks, among points of one durability level, the one with the lowest p99 whose
// throughput is within 5 % of the best, and says so.
func sweepAdvice(ps []point) []string {
	if len(ps) < 2 {
		return nil
	}
	best := ps[0]
	for _, p := range ps {
		if p.res.Metrics.Acked.MBPerSecond > best.res.Metrics.Acked.MBPerSecond {
			best = p
		}
	}
	pick := best
	for _, p := range ps {
		if p.res.Metrics.Acked.MBPerSecond >= 0.95*best.res.Metrics.Acked.MBPerSecond &&
			p.res.Metrics.ProduceLatency.P99Ms < pick.res.Metrics.ProduceLatency.P99Ms {
			pick = p
		}
	}
	worst := ps[0]
	for _, p := range ps {
		if p.res.Metrics.ProduceLatency.P99Ms > worst.res.Metrics.ProduceLatency.P99Ms {
			worst = p
		}
	}
	bm, pm := best.res.Metrics, pick.res.Metrics
	s := fmt.Sprintf("Recommendation within this level: %s, the lowest produce p99 (%s ms) among the points within 5 %% of the best throughput (%s, %.1f MB/s)",
		pick.label, fmtMs(pm.ProduceLatency.P99Ms), best.label, bm.Acked.MBPerSecond)
	if pick.id == best.id {
		s = fmt.Sprintf("Recommendation within this level: %s, which has the best throughput (%.1f MB/s) and the lowest p99 of the points near it (%s ms)",
			pick.label, bm.Acked.MBPerSecond, fmtMs(pm.ProduceLatency.P99Ms))
	}
	s += fmt.Sprintf("; the slowest-responding point, %s, has p99 %s ms.", worst.label, fmtMs(worst.res.Metrics.ProduceLatency.P99Ms))
	if r := bm.Acked.MBPerSecond; r > 0 && math.Abs(pm.Acked.MBPerSecond/r-1) < 0.05 && bm.TargetRate > 0 {
		s += " Throughput was capped by the target rate, so this sweep measured latency, not capacity."
	}
	return []string{s}
}
