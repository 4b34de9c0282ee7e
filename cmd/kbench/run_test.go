package main

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// TestRunFlagsBadInput: `kbench run` refuses bad flags with exit code 2 and one line naming the
// flag, before it touches any cluster: the bootstrap here refuses every connection, so an error
// that got past validation would be a cluster error (exit 3), not these lines. The flags go
// through the profile's parse and validation, so each case is the rule a profile file meets too.
func TestRunFlagsBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string // the whole error; "..." at the end: its beginning (another item owns the rest)
	}{
		{[]string{"--producers", "300"}, "--producers 300: want 1 to 100 producers, got 300: each is its own librdkafka client with 3 threads plus one per broker, and one kbench process holds at most 100 (one producer sends any rate)"},
		{[]string{"--consumers", "101"}, "--consumers 101: want 0 to 100 consumers, got 101: each is its own librdkafka client with 3 threads plus one per broker, and one kbench process holds at most 100 (consumers beyond the partition count sit idle)"},
		{[]string{"--warmup", "20s", "--duration", "10s"}, "--duration 10s: the measured duration (10s) must be longer than the warmup (20s)"},
		{[]string{"--linger-ms", "-5"}, "--linger-ms -5: want 0 to 900000 milliseconds, got -5"},
		{[]string{"--compression", "brotli"}, "--compression brotli: want one of none, gzip, snappy, lz4, zstd; got 'brotli'"},
		{[]string{"--min-isr", "4"}, "--min-isr 4: min.insync.replicas=4 is greater than the replication factor 3..."},
		{[]string{"--acks", "1", "--producer-prop", "acks=all"}, "--producer-prop acks=all: acks is kbench's own --acks; set it there, not through --producer-prop"},
		{[]string{"--producer-prop", "request.required.acks=1"}, "--producer-prop request.required.acks=1: request.required.acks is kbench's own --acks; set it there, not through --producer-prop"},
		{[]string{"--producer-prop", "queue.buffering.max.ms=5"}, "--producer-prop queue.buffering.max.ms=5: queue.buffering.max.ms is kbench's own --linger-ms; set it there, not through --producer-prop"},
		{[]string{"--producer-prop", "retries=1", "--producer-prop", "message.send.max.retries=2"}, "--producer-prop message.send.max.retries=2: given twice (first as --producer-prop retries=1)"},
		{[]string{"--producer-prop", "x=1", "--producer-prop", "x=2"}, "--producer-prop x=2: given twice (first as --producer-prop x=1)"},
		{[]string{"--producer-prop", "request.timeout.ms=-3"}, "--producer-prop request.timeout.ms=-3: want 1 to 2147483647 milliseconds, got -3"},
		{[]string{"--consumer-prop", "enable.auto.commit=false"}, "--consumer-prop enable.auto.commit=false: enable.auto.commit is kbench's commit.mode, which `kbench run` has no flag for; use a profile (kbench sweep --profile)"},
		{[]string{"--producer-prop", "nokey"}, "--producer-prop nokey: want key=value"},
		{[]string{"--consume-mode", "catch-up"}, "--consume-mode catch-up: want one of live, backlog; got 'catch-up'"},
		{[]string{"--consume-mode", "backlog", "--consumers", "0"}, "--consume-mode backlog: consume.mode backlog needs consumers, but workload.consumers is 0 (--consumers 0)"},
		{[]string{"--acks", "2"}, "--acks 2: want 0, 1 or all, got '2'"},
		{[]string{"--client", "kafka-go"}, "--client kafka-go: want one of librdkafka, franz-go; got 'kafka-go'"},
		{[]string{"--client", "franz-go", "--producer-prop", "queue.buffering.backpressure.threshold=2"}, "--producer-prop queue.buffering.backpressure.threshold=2: franz-go cannot honour queue.buffering.backpressure.threshold: ..."},
		{[]string{"--acks", "1", "--idempotence"}, "--acks 1: acks=1 with enable.idempotence=true: idempotence needs acks=all (librdkafka refuses to create the producer)"},
		{[]string{"--size", "10"}, "--size 10: want at least 20 bytes (the kbench record header: producer id, sequence and send time), got 10"},
		{[]string{"--size", "100", "--size-max", "50"}, "--size 100: min (100) is greater than max (50)"},
		{[]string{"--rate", "-5"}, "--rate -5: want 1 to 2147483647 messages per second, got -5"},
		{[]string{"--duration", "-1s"}, "--duration -1s: want a positive duration, got '-1s'"},
		{[]string{"--key-distribution", "zipf"}, "--key-distribution zipf: want one of none, random, sequential; got 'zipf'"},
		{[]string{"--fault", "at=30s,action=kill,target=broker:1"}, "fault 1 (at=30s,action=kill,target=broker:1,for=12s): never fires: the measured phase is 10s"},
		{[]string{"--existing-topic", "theirs", "--replication-factor", "3"}, "--replication-factor 3 with --existing-topic theirs: the existing topic's own setting applies (kbench never alters a topic it did not create); leave --replication-factor out"},
		{[]string{"--existing-topic", "theirs", "--min-isr", "2"}, "--min-isr 2 with --existing-topic theirs: the existing topic's own setting applies (kbench never alters a topic it did not create); leave --min-isr out"},
		{[]string{"--existing-topic", "theirs", "--partitions", "2"}, "--partitions 2 with --existing-topic theirs: the existing topic's own setting applies (kbench never alters a topic it did not create); leave --partitions out"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			args := append([]string{"kbench", "run", "--bootstrap", "127.0.0.1:1", "--out", t.TempDir()}, c.args...)
			start := time.Now()
			err := newApp().Run(args)
			var ec *exitCoder
			if !errors.As(err, &ec) || ec.code != exitBadInput {
				t.Fatalf("err = %v, want exit code %d", err, exitBadInput)
			}
			got := err.Error()
			if want, prefix := strings.CutSuffix(c.want, "..."); (prefix && !strings.HasPrefix(got, want)) || (!prefix && got != want) || strings.Contains(got, "\n") {
				t.Errorf("error\n %q\nwant one line\n %q", got, c.want)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %s: validation must not wait for a cluster", took)
			}
		})
	}
}

// runPointOf runs `kbench run args` with the action replaced by pointFromFlags, returning the
// point run would measure.
func runPointOf(t *testing.T, args ...string) profiles.Point {
	t.Helper()
	var got profiles.Point
	app := newApp()
	for _, cmd := range app.Commands {
		if cmd.Name == "run" {
			cmd.Action = func(c *cli.Context) error {
				p, err := pointFromFlags(c)
				got = p
				return err
			}
		}
	}
	if err := app.Run(append([]string{"kbench", "run"}, args...)); err != nil {
		t.Fatalf("kbench run %v: %v", args, err)
	}
	return got
}

// TestRunFlagsConsumeMode: --consume-mode reaches the point's workload.
func TestRunFlagsConsumeMode(t *testing.T) {
	for mode, want := range map[string]string{"live": "", "backlog": profiles.ConsumeBacklog} {
		got := runPointOf(t, "--consume-mode", mode)
		if got.Workload.ConsumeMode != want {
			t.Errorf("--consume-mode %s: workload consume mode %q, want %q", mode, got.Workload.ConsumeMode, want)
		}
	}
}

// TestRunFlagsPoint: the point built through the profile has what the flags say, and keeps run's
// id and label form; a property kbench has a setting for (and run no flag) becomes that setting.
func TestRunFlagsPoint(t *testing.T) {
	p := runPointOf(t, "--acks", "-1", "--idempotence", "--linger-ms", "5", "--min-isr", "2", "--size", "100", "--size-max", "200",
		"--producers", "2", "--rate", "500", "--producer-prop", "request.timeout.ms=7000", "--producer-prop", "max.in.flight=3",
		"--producer-prop", "queue.buffering.max.kbytes=32768", "--producer-prop", "odd: key\nx=v: 1")
	if p.ID != "run" || p.Label != "acks=all idem linger=5 inflight=3 rf=3 isr=2" || p.Level != (profiles.ReliabilityLevel{Rank: 1, Name: p.Label}) {
		t.Errorf("id %q label %q level %+v", p.ID, p.Label, p.Level)
	}
	w, s := p.Workload, p.Settings
	if w.MessageSizeMin != 100 || w.MessageSizeMax != 200 || w.Producers != 2 || w.Rate != 500 || w.Partitions != 6 || w.ReplicationFactor != 3 ||
		w.RequestTimeout != 7*time.Second || w.Compression != "none" || w.Duration != defaultRunDuration || w.Warmup != defaultRunWarmup {
		t.Errorf("workload %+v", w)
	}
	if *s.Acks != profiles.AcksAll || !*s.Idempotence || *s.LingerMs != 5 || *s.MinInsyncReplicas != 2 || *s.ReplicationFactor != 3 || *s.MaxInFlightRequests != 3 {
		t.Errorf("settings %s", p.Label)
	}
	// Flag values are quoted into the document: a key with ": " and a newline stays one property.
	if len(w.ProducerProps) != 2 || w.ProducerProps["queue.buffering.max.kbytes"] != "32768" || w.ProducerProps["odd: key\nx"] != "v: 1" {
		t.Errorf("producer properties %q", w.ProducerProps)
	}
	if p := runPointOf(t, "--client", "franz-go", "--consumer-client", "librdkafka"); p.ProducerClient() != profiles.ClientFranzGo ||
		p.MeasuringConsumerClient() != profiles.ClientLibrdkafka || p.VerifyClient() != profiles.ClientLibrdkafka || p.Label != "acks=all rf=3 client=franz-go consumer.client=librdkafka" {
		t.Errorf("--client franz-go --consumer-client librdkafka: label %q, clients %s %s %s", p.Label, p.ProducerClient(), p.MeasuringConsumerClient(), p.VerifyClient())
	}
	if p := runPointOf(t); p.ProducerClient() != profiles.DefaultClient || p.Settings.Client != nil {
		t.Errorf("without --client: client %s (set %v), want the default %s, unset", p.ProducerClient(), p.Settings.Client, profiles.DefaultClient)
	}
	if got := runPointOf(t).Settings.LingerMs; got != nil {
		t.Errorf("without --linger-ms the point sets linger.ms=%d, want the client's default", *got)
	}
}

// TestRunFlagsExistingTopic: with --existing-topic the point sets no replication factor or topic
// setting (the guard would refuse it), and the workload leaves partitions and replication factor
// unknown (0) instead of recording defaults the topic does not have.
func TestRunFlagsExistingTopic(t *testing.T) {
	p := runPointOf(t, "--existing-topic", "theirs", "--acks", "1")
	if p.Settings.ReplicationFactor != nil || len(p.TopicConfig()) != 0 || p.Workload.Partitions != 0 || p.Workload.ReplicationFactor != 0 {
		t.Errorf("settings %+v, topic config %v, workload partitions %d rf %d", p.Settings, p.TopicConfig(), p.Workload.Partitions, p.Workload.ReplicationFactor)
	}
	if p.Label != "acks=1" {
		t.Errorf("label %q", p.Label)
	}
}

// TestIntegrationRunExistingTopic: `kbench run --existing-topic` measures on a topic someone else
// created (here: the test, with its own name outside kbench's prefix). The run sets no topic
// setting, records the topic's read-back replication factor and partition count, audits its
// records, and leaves the topic in place; the test deletes it afterwards.
func TestIntegrationRunExistingTopic(t *testing.T) {
	cl := authForTest(t)
	a := adminClient(t, cl)
	topic := "team-existing-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 2, ReplicationFactor: 1}})
	if err != nil || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("create %s: %v %v", topic, err, res)
	}
	t.Cleanup(func() {
		dctx, dcancel := context.WithTimeout(context.Background(), time.Minute)
		defer dcancel()
		if res, err := a.DeleteTopics(dctx, []string{topic}); err != nil || res[0].Error.Code() != kafka.ErrNoError {
			t.Errorf("delete the test's topic %s: %v %v", topic, err, res)
		}
	})

	out := filepath.Join(t.TempDir(), "r")
	r := kbench(t, "run", "--client-config", cl.Users[0].ConfigFile, "--existing-topic", topic,
		"--duration", "3s", "--warmup", "1s", "--rate", "1000", "--acks", "all", "--out", out, "--quiet")
	if r.code != 0 {
		t.Fatalf("kbench run --existing-topic: exit %d", r.code)
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	results := run.Results()
	if len(results) != 1 {
		t.Fatalf("%d results, want run's one point", len(results))
	}
	got := results[0]
	eff, au := got.Effective, got.Audit
	if got.Status != stats.StatusOK || eff.Topic != topic || eff.Partitions != 2 || eff.ReplicationFactor != 1 {
		t.Errorf("status %s, effective topic %s with %d partitions, replication factor %d: want ok on %s with the topic's own 2 and 1",
			got.Status, eff.Topic, eff.Partitions, eff.ReplicationFactor, topic)
	}
	if au.Sent < 3000 || au.Acked != au.Sent || au.Consumed != au.Acked || !au.NoneLost() || au.Duplicates != 0 || au.ConsumedNotSent != 0 {
		t.Errorf("audit %+v: want about 4,000 records sent, every one acked and read back", au)
	}
	if left := topicsWithPrefix(t, a, topic); len(left) != 1 {
		t.Errorf("the existing topic %s is gone after the run: kbench deletes only what it created", topic)
	}
}
