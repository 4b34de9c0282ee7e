package profiles

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kbench/kbench/kafkaconf"
)

// Redact returns a copy of m with every secret's value replaced (see kafkaconf.Redact, which
// owns the rule: plans, logs and result files go through it, so a profile's SASL password never
// leaves the process). A nil map stays nil.
func Redact(m map[string]string) map[string]string { return kafkaconf.Redact(m) }

// WritePlan describes, before anything runs, every point in level order and every change it
// would make, per class: producer and consumer config, the fresh topic, dynamic broker config
// (changed, then restored) and static broker config (a rolling restart of the local cluster;
// refused on a remote one), followed by the point's notes and then any warnings given. Secrets
// are redacted. `kbench sweep --plan` and `kbench profiles show` print it.
func WritePlan(w io.Writer, points []Point, warnings ...Problem) error {
	bw := bufio.NewWriter(w)
	if len(points) > 0 {
		fmt.Fprintf(bw, "workload: %s\n", describeWorkload(points[0].Workload))
	}
	noun := "points"
	if len(points) == 1 {
		noun = "point"
	}
	fmt.Fprintf(bw, "%d %s, least durable first", len(points), noun)
	if fixed := FixedLoadPoints(points, 0); len(fixed) > 0 {
		fmt.Fprintf(bw, ", then the same %d at the fixed load (ids ending %s)", len(fixed), FixedLoadSuffix)
	}
	fmt.Fprintln(bw)
	for _, pt := range points {
		fmt.Fprintf(bw, "\nlevel %d: %s\n", pt.Level.Rank, pt.Level.Name)
		row := func(name, value string) { fmt.Fprintf(bw, "  %-16s %s\n", name, value) }
		row("id", pt.ID)
		row("label", pt.Label)
		row("clients", clientsLine(pt))
		row("producer config", formatConfig(pt.ProducerConfig(), "client defaults"))
		row("consumer config", consumerLine(pt))
		if t := pt.TransactionPlan(); t != "" {
			row("transactions", t)
		}
		topic := fmt.Sprintf("fresh topic, %d partitions, replication factor %d", pt.Workload.Partitions, pt.TopicReplicationFactor())
		if c := pt.TopicConfig(); len(c) > 0 {
			topic += "; " + formatConfig(c, "")
		}
		row("topic", topic)
		row("broker dynamic", formatConfig(pt.BrokerDynamicConfig(), "no change")+restoreNote(pt.BrokerDynamicConfig(), " (set cluster-wide, restored after the point)"))
		row("broker static", formatConfig(pt.BrokerStaticConfig(), "no change")+restoreNote(pt.BrokerStaticConfig(), " (rolling restart of the local cluster; refused on a remote cluster)"))
		for _, n := range pt.Notes {
			row("note", n)
		}
	}
	if len(warnings) > 0 {
		fmt.Fprintf(bw, "\nwarnings:\n")
		for _, wp := range warnings {
			fmt.Fprintf(bw, "  %s\n", wp)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// clientsLine says which client library runs the point's producers, consumers and
// verification read (before the run: the runner may still have the reads fall back to
// librdkafka for a client config franz-go cannot honour, and says so in the point's notes).
func clientsLine(pt Point) string {
	line := "producers " + string(pt.ProducerClient())
	if pt.Workload.Consumers > 0 {
		line += ", consumers " + string(pt.MeasuringConsumerClient())
	}
	return line + ", verification read " + string(pt.VerifyClient())
}

func consumerLine(pt Point) string {
	if pt.Workload.Consumers == 0 {
		return "no consumers"
	}
	return formatConfig(pt.ConsumerConfig(), "client defaults")
}

func restoreNote(m map[string]string, note string) string {
	if len(m) == 0 {
		return ""
	}
	return note
}

// formatConfig prints a config map as sorted, redacted key=value pairs.
func formatConfig(m map[string]string, empty string) string {
	if len(m) == 0 {
		return "(" + empty + ")"
	}
	r := Redact(m)
	parts := make([]string, 0, len(r))
	for _, k := range sortedKeys(r) {
		parts = append(parts, k+"="+r[k])
	}
	return strings.Join(parts, " ")
}

// describeWorkload is the one-line workload summary of a plan (the replication factor is per
// point, on its topic line).
func describeWorkload(w Workload) string {
	size := fmt.Sprintf("%d-byte messages", w.MessageSizeMax)
	if w.MessageSizeMin != w.MessageSizeMax {
		size = fmt.Sprintf("%d to %d-byte messages", w.MessageSizeMin, w.MessageSizeMax)
	}
	rate := "rate max (closed loop)"
	if w.Rate > 0 {
		rate = fmt.Sprintf("rate %d msgs/s", w.Rate)
	}
	if w.Search != nil {
		rate = w.Search.Describe(w)
	}
	if w.Latency != nil {
		rate += " for throughput, then every level again for " + w.Latency.Describe()
	}
	consumers := plural(w.Consumers, "consumer")
	if w.Backlog() {
		consumers += " reading the backlog after the producers"
	}
	return fmt.Sprintf("%s, key distribution %s, %s, %s, %s, %s measured after %s warmup",
		size, w.KeyDistribution, plural(w.Producers, "producer"), consumers, rate, w.Duration, w.Warmup)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Describe writes what `kbench profiles show` prints: the profile's name, description and
// source, then its plan with warnings. It returns a *ValidationError if the profile is invalid.
func (p *Profile) Describe(w io.Writer) error {
	warns, err := p.Validate()
	if err != nil {
		return err
	}
	points, err := p.Points()
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "profile %s: %s\nfile: %s\n", p.Name, p.Description, p.File); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if err := WritePlan(w, points, warns...); err != nil {
		return err
	}
	return WriteFaultPlan(w, p.Faults, p.FaultCommands)
}

// WriteFaultPlan lists the faults every point's measured phase will suffer and the shell command
// behind each operation on a remote cluster, so a user sees before a run what kbench will break.
// Nothing is printed for a profile without faults.
func WriteFaultPlan(w io.Writer, faults []Fault, commands map[string]string) error {
	if len(faults) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nfaults, in every point's measured phase (local cluster: kbench signals its own processes; remote: the commands below)\n")
	for _, f := range faults {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	cmds := Redact(commands)
	for _, op := range sortedKeys(cmds) {
		fmt.Fprintf(&b, "  command %-8s %s\n", op, cmds[op])
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write fault plan: %w", err)
	}
	return nil
}
