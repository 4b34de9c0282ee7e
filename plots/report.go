package plots

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/kbench/kbench/analysis"
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
	// CostFrom is a flush-sweep run at rate max whose throughput per point is the throughput cost
	// of a power-loss run's levels (nil: not measured).
	CostFrom *stats.Run
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
	faults := analysis.DetectFaults(run, all)

	summary := section{heading: "Summary and recommendation"}
	var rec analysis.Recommendation
	if len(ok) > 0 {
		rec = analysis.Recommend(ok, faults)
	}
	if rec.Costs != "" { // first: what each level costs, with its interval
		summary.blocks = append(summary.blocks, para("%s", rec.Costs))
	}
	if rec.Machine != "" { // and whose limit the saturation throughputs were
		summary.blocks = append(summary.blocks, para("%s", rec.Machine))
	}
	summary.blocks = append(summary.blocks, para("%s", strings.Join(caption(run, all), " ")))
	if len(ok) == 0 {
		summary.blocks = append(summary.blocks, para("No point of this run has measurements, so there is nothing to recommend: see \"Points not measured\" below."))
	} else {
		summary.blocks = append(summary.blocks, block{kind: "list", items: rec.Lines})
		if len(rec.CostRows) > 0 {
			summary.blocks = append(summary.blocks, block{kind: "table",
				header: []string{"level", "best point", "acked MB/s", "throughput vs " + rec.Baseline, "produce p99 ms", "p99 vs " + rec.Baseline},
				right:  []bool{false, false, true, true, true, true},
				rows:   rec.CostRows})
		}
	}
	d.sections = append(d.sections, summary)
	if sec := searchSection(all); sec != nil { // capacity search (search.go)
		d.sections = append(d.sections, *sec)
	}

	d.sections = append(d.sections, section{heading: "Environment", blocks: []block{environmentTable(run, all)}})
	d.sections = append(d.sections, section{heading: "Results", blocks: resultsBlocks(all)})
	if sec, ok := repetitionsSection(run, all); ok { // repetitions.go
		d.sections = append(d.sections, sec)
	}
	d.sections = append(d.sections, section{heading: "Durability audit", blocks: auditBlocks(all)})
	if s, ok := txnSection(ok); ok { // transactions (txn.go)
		d.sections = append(d.sections, s)
	}
	if s, ok := durabilitySection(ok); ok {
		d.sections = append(d.sections, s)
	}
	if s, ok := exactlyOnceSection(all); ok { // exactlyonce.go
		d.sections = append(d.sections, s)
	}
	if s, ok := powerLossSection(run, ok, opts.CostFrom); ok {
		d.sections = append(d.sections, s)
	}
	d.sections = append(d.sections, section{heading: "What was and was not tested", blocks: []block{{kind: "list", items: analysis.Tested(run, all, faults)}}})
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
		for _, c := range chartsWithCost(run, opts.CostFrom) {
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

func latencyCells(s stats.LatencySummary) []string {
	if s.Count == 0 {
		return []string{"-", "-", "-", "-"}
	}
	return []string{analysis.FormatMs(s.P50Ms), analysis.FormatMs(s.P99Ms), analysis.FormatMs(s.P999Ms), analysis.FormatMs(s.MaxMs)}
}

func environmentTable(run *stats.Run, all []point) block {
	env := run.Index.Environment
	if env.KafkaVersion == "" {
		for _, p := range all {
			if p.Result != nil {
				env = p.Result.Environment
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
		{"host", analysis.HostPhrase(env)},
	}
	if env.BrokerStorage != "" {
		rows = append(rows, []string{"broker storage", env.BrokerStorage})
	}
	if e := env.EligibleLeaderReplicas; e != nil {
		rows = append(rows, []string{"eligible leader replicas (KIP-966)", map[bool]string{true: "on", false: "off"}[*e]})
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
		if p.Result != nil && p.Result.Point.Workload.Producers > 0 {
			rows = append(rows, []string{"workload", workloadPhrase(p.Result)})
			break
		}
	}
	return block{kind: "table", header: []string{"", ""}, rows: rows}
}

func resultsBlocks(all []point) []block {
	header := []string{"#", "level", "point", "status", "client", "acked msgs/s", "acked MB/s",
		"produce p50 ms", "p99", "p99.9", "max", "e2e p50 ms", "e2e p99", "produce latency measures"}
	right := []bool{true, false, false, false, false, true, true, true, true, true, true, true, true, false}
	var rows [][]string
	enqueue, behind := false, false
	for i, p := range all {
		client := "-"
		if p.Result != nil {
			client = firstNonEmpty(p.Result.ClientSummary(), "-")
		}
		row := []string{strconv.Itoa(i + 1), p.Level, p.ID, string(p.Status), client}
		if !p.Drawable() {
			row = append(row, "-", "-", "-", "-", "-", "-", "-", "-", "-")
			rows = append(rows, row)
			continue
		}
		m := p.Result.Metrics
		row = append(row, fmt.Sprintf("%.0f", m.Acked.RecordsPerSecond), fmt.Sprintf("%.1f", m.Acked.MBPerSecond))
		row = append(row, latencyCells(m.ProduceLatency)...)
		e := latencyCells(m.EndToEndLatency)
		if m.EndToEndLatency.Count > 0 && !m.EndToEndReported() && m.Backlog == nil {
			e[0], e[1] = stats.ConsumersBehindText, stats.ConsumersBehindText
			behind = true
		}
		if c := m.EndToEndClock; c != nil && m.EndToEndLatency.Count > 0 && e[0] != stats.ConsumersBehindText {
			e[0], e[1] = e[0]+" "+c.Label(), e[1]+" "+c.Label() // across workers: never unlabelled
		}
		row = append(row, e[0], e[1])
		kind := "send to ack"
		if p.EnqueueToSocket() {
			kind, enqueue = "enqueue to socket (acks=0)", true
		}
		if p.Result.AtMaxRate() {
			kind += ", " + stats.QueueingAtMaxRate
		}
		row = append(row, kind)
		rows = append(rows, row)
	}
	blocks := []block{{kind: "table", header: header, right: right, rows: rows}}
	note := "MB = 2^20 bytes (as kafka-producer-perf-test prints). Rates count acknowledged records over the measured phase; latencies are from the full-phase HDR histograms."
	if enqueue {
		note += " At acks=0 nothing is acknowledged: its \"produce latency\" is only the time to hand the record to the socket and is not comparable with the other levels."
	}
	if behind {
		note += fmt.Sprintf(" \"%s\": the consumers' lag went above its bound (one second of acknowledged traffic, at least %d records) during the measured phase, so their end-to-end latency measures a backlog, not Kafka; it is not shown.", stats.ConsumersBehindText, stats.LagBoundMinRecords)
	}
	return append(blocks, para("%s", note))
}

func auditBlocks(all []point) []block {
	header := []string{"level", "sent", "acked", "failed", "indeterminate", "lost", "duplicates", "out of order", "read back, not acked", "verification read"}
	right := []bool{false, true, true, true, true, true, true, true, true, false}
	var rows [][]string
	var noAck []string
	for _, p := range all {
		if p.Result == nil || (p.Status == stats.StatusFailed && p.Result.Audit.VerificationRead == nil) {
			rows = append(rows, []string{p.Level, "-", "-", "-", "-", "-", "-", "-", "-", "not run (" + string(p.Status) + ")"})
			continue
		}
		a := p.Result.Audit
		read := a.ReadSummary()
		if _, _, v := p.Result.Clients(); v != nil && a.VerificationRead != nil {
			read += " by " + v.Name
		}
		rows = append(rows, []string{p.Level, i64(a.Sent), i64(a.Acked), i64(a.Failed), i64(a.Indeterminate), a.LostText(),
			i64(a.Duplicates), i64(a.OutOfOrder), i64(a.UnackedConsumed), read})
		if av := p.Result.Availability; av != nil && av.LongestNoAckSeconds > 0 {
			noAck = append(noAck, fmt.Sprintf("%s: %.2f s", p.Level, av.LongestNoAckSeconds))
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
		case p.Status == stats.StatusFailed:
			out = append(out, fmt.Sprintf("%s (%s) failed: %s", p.Level, p.ID, firstNonEmpty(p.Reason, "no error recorded")))
		case p.Result == nil && p.Status == statusDamaged:
			out = append(out, fmt.Sprintf("%s (%s): result file damaged: %s", p.Level, p.ID, firstNonEmpty(p.Reason, "unknown")))
		case p.Result == nil:
			out = append(out, fmt.Sprintf("%s (%s): result file missing: %s", p.Level, p.ID, firstNonEmpty(p.Reason, "unknown")))
		case p.Status == stats.StatusIncomplete:
			why := p.Reason
			out = append(out, fmt.Sprintf("%s (%s) is incomplete (%s): %.0f s measured; its numbers are shown but left out of the recommendation",
				p.Level, p.ID, firstNonEmpty(why, "reason not recorded"), p.Result.Metrics.MeasuredSeconds))
		case !p.Drawable():
			out = append(out, fmt.Sprintf("%s (%s): status %s with no measured phase", p.Level, p.ID, p.Status))
		}
	}
	return out
}
