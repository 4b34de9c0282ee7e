package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/runner"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "measure one point given by flags (a quick check); writes the same result files as sweep",
		ArgsUsage: " ",
		Flags: append(append(targetFlags(), faultFlags()...),
			&cli.StringFlag{Name: "acks", Value: "all", Usage: "producer acks: 0, 1 or all"},
			&cli.BoolFlag{Name: "idempotence", Usage: "enable.idempotence (forces acks=all)"},
			&cli.IntFlag{Name: "linger-ms", Usage: "linger.ms, 0 or more", DefaultText: "the client's"},
			&cli.IntFlag{Name: "size", Value: 100, Usage: "message size in `BYTES` (at least 20, the kbench header)"},
			&cli.IntFlag{Name: "size-max", Usage: "largest message size: sizes vary from --size to this (0: fixed size)"},
			&cli.IntFlag{Name: "rate", Usage: "target `MSGS/S` over all producers (0: as fast as possible, closed loop)"},
			&cli.DurationFlag{Name: "duration", Value: defaultRunDuration, Usage: "measured phase"},
			&cli.DurationFlag{Name: "warmup", Value: defaultRunWarmup, Usage: "warmup, not counted"},
			&cli.IntFlag{Name: "partitions", Value: 6, Usage: "partitions of the fresh topic (not with --existing-topic: its own apply)"},
			&cli.IntFlag{Name: "replication-factor", Value: 3, Usage: "replication factor of the fresh topic (not with --existing-topic: its own applies)"},
			&cli.IntFlag{Name: "min-isr", Usage: "topic min.insync.replicas (not with --existing-topic)", DefaultText: "the broker's"},
			&cli.IntFlag{Name: "producers", Value: 1, Usage: fmt.Sprintf("producer instances, 1 to %d (each its own librdkafka client)", profiles.MaxInstances)},
			&cli.IntFlag{Name: "consumers", Value: 1, Usage: fmt.Sprintf("consumer instances in a fresh group, 0 to %d (0: producer only)", profiles.MaxInstances)},
			&cli.StringFlag{Name: "consume-mode", Value: "live", Usage: "live: consumers read while the producers write (end-to-end latency); backlog: they start when the producers have finished and read the topic from the start (catch-up rate, no end-to-end latency)"},
			&cli.IntFlag{Name: "max-in-flight", Usage: "closed loop: outstanding records per producer (0: runner default)"},
			&cli.StringFlag{Name: "compression", Value: "none", Usage: "none, gzip, snappy, lz4, zstd"},
			&cli.StringFlag{Name: "key-distribution", Value: "none", Usage: "none (sticky), random, sequential"},
			&cli.IntFlag{Name: "batch-size", Usage: "producer batch.size in `BYTES` (0: client default; librdkafka's is 1,000,000, Java's 16384)"},
			&cli.StringSliceFlag{Name: "producer-prop", Usage: "extra producer setting `key=value` in librdkafka's names, repeatable (e.g. queue.buffering.max.kbytes=32768, Java's buffer.memory); one kbench has a flag for (acks, linger.ms ...) is refused, and request.timeout.ms, delivery.timeout.ms, retries, retry.backoff.ms, max.in.flight are validated and recorded as kbench's settings"},
			&cli.StringSliceFlag{Name: "consumer-prop", Usage: "extra consumer setting `key=value` in librdkafka's names, repeatable"},
			&cli.DurationFlag{Name: "drain-timeout", Usage: "bound on the wait for outstanding deliveries and, separately, on the audit's read-back (0: 30s)"},
			&cli.StringFlag{Name: "cpuprofile", Hidden: true, Usage: "write a Go CPU profile of the whole run to `FILE` (for `make bench` and pprof)"},
		),
		Action: func(c *cli.Context) error {
			p, err := pointFromFlags(c)
			if err != nil {
				return withCode(exitBadInput, err)
			}
			if c.String("out") == "" { // before a local cluster is started for nothing
				return withCode(exitBadInput, fmt.Errorf("--out DIR is required"))
			}
			// The --fault flags too are checked against the point before any cluster is touched
			// (the local one would otherwise be started first).
			faults, _, err := faultPlan(c, nil, nil)
			if err != nil {
				return err
			}
			if msgs := profiles.CheckFaults(faults, p.Workload); len(msgs) > 0 {
				return withCode(exitBadInput, errors.New(strings.Join(msgs, "\n")))
			}
			if f := c.String("cpuprofile"); f != "" {
				stop, err := startCPUProfile(f)
				if err != nil {
					return withCode(exitBadInput, err)
				}
				defer stop()
			}
			if err := claimOutDir(c.String("out"), c.Bool("force")); err != nil {
				return err
			}
			return runWithCluster(c, func(ctx context.Context, opts runner.Options) error {
				opts.Profile = "run"
				opts.DrainTimeout = c.Duration("drain-timeout")
				if err := applyFaultFlags(c, &opts, nil, nil); err != nil {
					return err
				}
				return runner.Sweep(ctx, []profiles.Point{p}, opts)
			})
		},
	}
}

const (
	defaultRunDuration = 10 * time.Second
	defaultRunWarmup   = 2 * time.Second
)

// pointFromFlags builds the one point of `kbench run`. Its flags become a profile document that
// goes through profiles.Parse and the profile's own validation, so a flag meets exactly the
// checks the same key meets in a profile file (one code path); each problem names the flag it
// came from instead of a YAML line.
func pointFromFlags(c *cli.Context) (profiles.Point, error) {
	if err := checkRunOnlyFlags(c); err != nil {
		return profiles.Point{}, err
	}
	d, err := runDocFromFlags(c)
	if err != nil {
		return profiles.Point{}, err
	}
	prof, err := profiles.Parse(runDocName, []byte(d.text()))
	if err == nil {
		var pts []profiles.Point
		if pts, err = prof.Points(); err == nil && len(pts) != 1 {
			err = fmt.Errorf("run flags expanded to %d points, want 1", len(pts))
		}
		if err == nil {
			return runPoint(c, pts[0]), nil
		}
	}
	var ve *profiles.ValidationError
	if errors.As(err, &ve) {
		return profiles.Point{}, d.flagError(ve)
	}
	return profiles.Point{}, err
}

// runDocName is the "file" of run's generated profile, seen only if a problem has no flag.
const runDocName = "kbench run flags"

// checkRunOnlyFlags checks what only `kbench run` has: flag combinations with --existing-topic,
// whose topic settings are the topic's own.
func checkRunOnlyFlags(c *cli.Context) error {
	var errs []string
	if t := c.String("existing-topic"); t != "" {
		for _, f := range []string{"replication-factor", "partitions", "min-isr"} {
			if c.IsSet(f) {
				errs = append(errs, fmt.Sprintf("--%s %d with --existing-topic %s: the existing topic's own setting applies (kbench never alters a topic it did not create); leave --%s out",
					f, c.Int(f), t, f))
			}
		}
		if c.String("consume-mode") == profiles.ConsumeBacklog {
			errs = append(errs, fmt.Sprintf("--consume-mode backlog with --existing-topic %s: backlog reads a fresh topic from its start; use live", t))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// runPoint names run's one point as before (id "run", rank 1). On an existing topic the
// workload's partitions and replication factor were placeholders the document needed: they are
// zeroed (unknown here), and the result records the topic's own in effective_settings.
func runPoint(c *cli.Context, pt profiles.Point) profiles.Point {
	pt.ID = "run"
	pt.Level = profiles.ReliabilityLevel{Rank: 1, Name: pt.Label}
	if c.String("existing-topic") != "" {
		pt.Workload.Partitions, pt.Workload.ReplicationFactor = 0, 0
	}
	return pt
}

// runDoc is the profile document built from run's flags, one YAML line per flag value, each
// line remembering the flag it came from.
type runDoc struct {
	lines []string
	from  map[int]string // line number (1-based) -> "--flag value"
	prop  map[int]string // line number of a pass-through property -> "producer" or "consumer"
}

// add writes `key: value` at indent (both quoted, so no flag value can change the document's
// shape) and remembers flag as the line's origin ("": none).
func (d *runDoc) add(indent int, key, value, flag string) {
	d.raw(strings.Repeat("  ", indent) + strconv.Quote(key) + ": " + strconv.Quote(value))
	if flag != "" {
		d.from[len(d.lines)] = flag
	}
}

func (d *runDoc) raw(line string) { d.lines = append(d.lines, line) }

func (d *runDoc) text() string { return strings.Join(d.lines, "\n") + "\n" }

// runFlagOf names run's flag for a kbench key (in PassThroughOwner's names).
var runFlagOf = map[string]string{
	"acks": "acks", "enable.idempotence": "idempotence", "linger.ms": "linger-ms", "min.insync.replicas": "min-isr",
	"workload.compression.type": "compression", "workload.batch.size": "batch-size",
	"workload.replication.factor": "replication-factor",
}

// show is how a problem names a flag: "--name value".
func show(name string, v any) string { return fmt.Sprintf("--%s %v", name, v) }

// runDocFromFlags writes the profile document of run's flags: the workload, then one point with
// the durability settings (so the label reads as before: "acks=all idem linger=5 rf=3").
func runDocFromFlags(c *cli.Context) (*runDoc, error) {
	d := &runDoc{from: map[int]string{}, prop: map[int]string{}}
	d.raw(`name: run`)
	d.raw(`workload:`)
	size, sizeMax := c.Int("size"), c.Int("size-max")
	if sizeMax == 0 || sizeMax == size {
		d.add(1, "message.size", strconv.Itoa(size), show("size", size))
	} else {
		d.raw(`  message.size:`)
		d.add(2, "min", strconv.Itoa(size), show("size", size))
		d.add(2, "max", strconv.Itoa(sizeMax), show("size-max", sizeMax))
	}
	d.add(1, "key.distribution", c.String("key-distribution"), show("key-distribution", c.String("key-distribution")))
	existing := c.String("existing-topic") != ""
	for _, f := range []struct{ key, flag string }{{"partitions", "partitions"}, {"replication.factor", "replication-factor"}} {
		if existing { // the topic's own; the document needs a value (zeroed again in runPoint)
			d.add(1, f.key, "1", "")
			continue
		}
		d.add(1, f.key, strconv.Itoa(c.Int(f.flag)), show(f.flag, c.Int(f.flag)))
	}
	for _, f := range []string{"producers", "consumers"} {
		d.add(1, f, strconv.Itoa(c.Int(f)), show(f, c.Int(f)))
	}
	rate := "max"
	if r := c.Int("rate"); r != 0 {
		rate = strconv.Itoa(r)
	}
	d.add(1, "rate", rate, show("rate", c.Int("rate")))
	if v := c.Int("max-in-flight"); v != 0 {
		d.add(1, "max.outstanding.records", strconv.Itoa(v), show("max-in-flight", v))
	}
	d.add(1, "duration", c.Duration("duration").String(), show("duration", c.Duration("duration")))
	d.add(1, "warmup", c.Duration("warmup").String(), show("warmup", c.Duration("warmup")))
	d.add(1, "compression.type", c.String("compression"), show("compression", c.String("compression")))
	if v := c.Int("batch-size"); v != 0 {
		d.add(1, "batch.size", strconv.Itoa(v), show("batch-size", v))
	}
	d.add(1, "consume.mode", c.String("consume-mode"), show("consume-mode", c.String("consume-mode")))
	point, err := d.props(c)
	if err != nil {
		return nil, err
	}
	d.point(c, point)
	return d, nil
}

// point writes the sweep's one point: the durability settings, and the properties that became
// settings.
func (d *runDoc) point(c *cli.Context, extra []docLine) {
	d.raw(`sweep:`)
	d.raw(`  points:`)
	acks := c.String("acks")
	if acks == "-1" { // librdkafka's and Java's other name for all
		acks = "all"
	}
	d.raw(`    - "acks": ` + strconv.Quote(acks))
	d.from[len(d.lines)] = show("acks", c.String("acks"))
	if c.IsSet("idempotence") {
		d.add(3, "enable.idempotence", strconv.FormatBool(c.Bool("idempotence")), fmt.Sprintf("--idempotence=%t", c.Bool("idempotence")))
	}
	if c.IsSet("linger-ms") {
		d.add(3, "linger.ms", strconv.Itoa(c.Int("linger-ms")), show("linger-ms", c.Int("linger-ms")))
	}
	if c.String("existing-topic") == "" {
		d.add(3, "replication.factor", strconv.Itoa(c.Int("replication-factor")), show("replication-factor", c.Int("replication-factor")))
	}
	if c.IsSet("min-isr") {
		d.add(3, "min.insync.replicas", strconv.Itoa(c.Int("min-isr")), show("min-isr", c.Int("min-isr")))
	}
	for _, l := range extra {
		d.add(3, l.key, l.value, l.flag)
	}
}

// docLine is one key of the document with the flag it came from.
type docLine struct{ key, value, flag string }

// props writes --producer-prop and --consumer-prop. A property that is a kbench setting run has
// no flag for (request.timeout.ms, retries, max.in.flight ...) becomes that setting, so it is
// validated and recorded as one; every other goes into the pass-through map, where validation
// refuses the ones run sets by a flag (acks, linger.ms ...). It returns the point's settings.
func (d *runDoc) props(c *cli.Context) ([]docLine, error) {
	var point []docLine
	for _, class := range []string{"producer", "consumer"} {
		var pass []docLine
		for _, kv := range c.StringSlice(class + "-prop") {
			k, v, ok := strings.Cut(kv, "=")
			k = strings.TrimSpace(k)
			flag := "--" + class + "-prop " + kv
			if !ok || k == "" {
				return nil, fmt.Errorf("%s: want key=value", flag)
			}
			owner, owned := profiles.PassThroughOwner(class, k)
			_, hasFlag := runFlagOf[owner]
			switch {
			case owned && !hasFlag && strings.HasPrefix(owner, "workload."):
				d.add(1, strings.TrimPrefix(owner, "workload."), v, flag)
			case owned && !hasFlag && owner != "commit.mode" && owner != "transactional":
				point = append(point, docLine{owner, v, flag})
			default:
				pass = append(pass, docLine{k, v, flag})
			}
		}
		if len(pass) == 0 {
			continue
		}
		d.raw("  " + class + ":")
		for _, l := range pass {
			d.add(2, l.key, l.value, l.flag)
			d.prop[len(d.lines)] = class
		}
	}
	return point, nil
}

// lineRefRE finds a message's reference to another line of the document ("(line 8)", "(first on
// line 8)"), which run replaces with that line's flag.
var lineRefRE = regexp.MustCompile(`\((first on )?line (\d+)\)`)

// flagError turns the profile's problems into one line each, naming the flag.
func (d *runDoc) flagError(ve *profiles.ValidationError) error {
	lines := make([]string, 0, len(ve.Problems))
	for _, pr := range ve.Problems {
		flag, ok := d.from[pr.Line]
		if !ok {
			lines = append(lines, pr.Field+": "+pr.Message)
			continue
		}
		msg := lineRefRE.ReplaceAllStringFunc(pr.Message, func(ref string) string {
			m := lineRefRE.FindStringSubmatch(ref)
			n, _ := strconv.Atoi(m[2])
			if other, ok := d.from[n]; ok {
				return "(" + m[1] + other + ")"
			}
			return ref
		})
		if strings.HasPrefix(msg, "key given twice (first on ") {
			msg = strings.Replace(msg, "key given twice (first on ", "given twice (first as ", 1)
		}
		if class, ok := d.prop[pr.Line]; ok {
			k, _, _ := strings.Cut(strings.TrimPrefix(flag, "--"+class+"-prop "), "=")
			k = strings.TrimSpace(k)
			owner, owned := profiles.PassThroughOwner(class, k)
			switch {
			case owned && runFlagOf[owner] != "":
				msg = fmt.Sprintf("%s is kbench's own --%s; set it there, not through --%s-prop", k, runFlagOf[owner], class)
			case owned:
				msg = fmt.Sprintf("%s is kbench's %s, which `kbench run` has no flag for; use a profile (kbench sweep --profile)", k, owner)
			}
		}
		lines = append(lines, flag+": "+msg)
	}
	return errors.New(strings.Join(lines, "\n"))
}

// startCPUProfile writes a Go CPU profile to file until the returned stop is called. It is how
// the side-by-side bench (bench/sidebyside) finds where a real run spends its time.
func startCPUProfile(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
