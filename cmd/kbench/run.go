package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
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
			&cli.IntFlag{Name: "linger-ms", Value: -1, Usage: "linger.ms (-1: client default)"},
			&cli.IntFlag{Name: "size", Value: 100, Usage: "message size in `BYTES` (at least 20, the kbench header)"},
			&cli.IntFlag{Name: "size-max", Usage: "largest message size: sizes vary from --size to this (0: fixed size)"},
			&cli.IntFlag{Name: "rate", Usage: "target `MSGS/S` over all producers (0: as fast as possible, closed loop)"},
			&cli.DurationFlag{Name: "duration", Value: defaultRunDuration, Usage: "measured phase"},
			&cli.DurationFlag{Name: "warmup", Value: defaultRunWarmup, Usage: "warmup, not counted"},
			&cli.IntFlag{Name: "partitions", Value: 6, Usage: "partitions of the fresh topic"},
			&cli.IntFlag{Name: "replication-factor", Value: 3, Usage: "replication factor of the fresh topic"},
			&cli.IntFlag{Name: "min-isr", Usage: "topic min.insync.replicas (0: broker default)"},
			&cli.IntFlag{Name: "producers", Value: 1, Usage: "producer instances"},
			&cli.IntFlag{Name: "consumers", Value: 1, Usage: "consumer instances in a fresh group (0: producer only)"},
			&cli.StringFlag{Name: "consume-mode", Value: "live", Usage: "live: consumers read while the producers write (end-to-end latency); backlog: they start when the producers have finished and read the topic from the start (catch-up rate, no end-to-end latency)"},
			&cli.IntFlag{Name: "max-in-flight", Usage: "closed loop: outstanding records per producer (0: runner default)"},
			&cli.StringFlag{Name: "compression", Value: "none", Usage: "none, gzip, snappy, lz4, zstd"},
			&cli.StringFlag{Name: "key-distribution", Value: "none", Usage: "none (sticky), random, sequential"},
			&cli.IntFlag{Name: "batch-size", Usage: "producer batch.size in `BYTES` (0: client default; librdkafka's is 1,000,000, Java's 16384)"},
			&cli.StringSliceFlag{Name: "producer-prop", Usage: "extra producer setting `key=value` in librdkafka's names, repeatable (e.g. queue.buffering.max.kbytes=32768, Java's buffer.memory)"},
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
			if f := c.String("cpuprofile"); f != "" {
				stop, err := startCPUProfile(f)
				if err != nil {
					return withCode(exitBadInput, err)
				}
				defer stop()
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

// pointFromFlags builds the one point of `kbench run`.
func pointFromFlags(c *cli.Context) (profiles.Point, error) {
	var s profiles.Settings
	acks := profiles.Acks(c.String("acks"))
	switch acks {
	case profiles.AcksNone, profiles.AcksLeader, profiles.AcksAll:
	case "-1":
		acks = profiles.AcksAll
	default:
		return profiles.Point{}, fmt.Errorf("--acks %q: want 0, 1 or all", c.String("acks"))
	}
	s.Acks = &acks
	label := []string{"acks=" + string(acks)}
	if c.IsSet("idempotence") {
		v := c.Bool("idempotence")
		s.Idempotence = &v
		if v {
			label = append(label, "idem")
		}
	}
	if v := c.Int("linger-ms"); v >= 0 {
		s.LingerMs = &v
		label = append(label, fmt.Sprintf("linger=%d", v))
	}
	rf := c.Int("replication-factor")
	s.ReplicationFactor = &rf
	label = append(label, fmt.Sprintf("rf=%d", rf))
	if v := c.Int("min-isr"); v > 0 {
		s.MinInsyncReplicas = &v
		label = append(label, fmt.Sprintf("isr=%d", v))
	}
	size, sizeMax := c.Int("size"), c.Int("size-max")
	if sizeMax == 0 {
		sizeMax = size
	}
	switch {
	case size < runner.HeaderLen:
		return profiles.Point{}, fmt.Errorf("--size %d: at least %d bytes (the kbench record header)", size, runner.HeaderLen)
	case sizeMax < size:
		return profiles.Point{}, fmt.Errorf("--size-max %d is below --size %d", sizeMax, size)
	case c.Int("partitions") < 1 || c.Int("producers") < 1 || c.Int("consumers") < 0 || c.Int("rate") < 0 || rf < 1:
		return profiles.Point{}, fmt.Errorf("--partitions, --producers and --replication-factor must be at least 1; --consumers and --rate at least 0")
	case c.Duration("duration") <= 0 || c.Duration("warmup") < 0:
		return profiles.Point{}, fmt.Errorf("--duration must be positive and --warmup not negative")
	}
	switch kd := c.String("key-distribution"); kd {
	case "none", "random", "sequential":
	default:
		return profiles.Point{}, fmt.Errorf("--key-distribution %q: want none, random or sequential", kd)
	}
	producerProps, err := propFlags(c, "producer-prop")
	if err != nil {
		return profiles.Point{}, err
	}
	consumerProps, err := propFlags(c, "consumer-prop")
	if err != nil {
		return profiles.Point{}, err
	}
	if c.Int("batch-size") < 0 {
		return profiles.Point{}, fmt.Errorf("--batch-size must not be negative")
	}
	var consumeMode string
	switch m := c.String("consume-mode"); {
	case m == "live":
	case m == profiles.ConsumeBacklog && c.Int("consumers") > 0:
		consumeMode = m
	case m == profiles.ConsumeBacklog:
		return profiles.Point{}, fmt.Errorf("--consume-mode backlog needs --consumers 1 or more")
	default:
		return profiles.Point{}, fmt.Errorf("--consume-mode %q: want live or backlog", m)
	}
	return profiles.Point{
		ID:    "run",
		Label: strings.Join(label, " "),
		Level: profiles.ReliabilityLevel{Rank: 1, Name: strings.Join(label, " ")},
		Workload: profiles.Workload{
			MessageSizeMin: size, MessageSizeMax: sizeMax, KeyDistribution: c.String("key-distribution"),
			Partitions: c.Int("partitions"), ReplicationFactor: rf,
			Producers: c.Int("producers"), Consumers: c.Int("consumers"), Rate: c.Int("rate"),
			MaxInFlight: c.Int("max-in-flight"), Duration: c.Duration("duration"), Warmup: c.Duration("warmup"),
			Compression: c.String("compression"), BatchSize: c.Int("batch-size"),
			ProducerProps: producerProps, ConsumerProps: consumerProps, ConsumeMode: consumeMode,
		},
		Settings: s,
	}, nil
}

// propFlags parses a repeatable key=value flag into a map (nil when the flag is not given).
func propFlags(c *cli.Context, name string) (map[string]string, error) {
	var m map[string]string
	for _, kv := range c.StringSlice(name) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--%s %q: want key=value", name, kv)
		}
		if m == nil {
			m = map[string]string{}
		}
		m[strings.TrimSpace(k)] = v
	}
	return m, nil
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
