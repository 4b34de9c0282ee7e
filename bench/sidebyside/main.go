// Command sidebyside measures kbench's load generator against Kafka's own perf tools on the same
// cluster, so a user can see that kbench's numbers are Kafka's and not the client's ceiling.
//
// For each case (record size, acks, one-against-one and N-against-N) it alternates runs of
// org.apache.kafka.tools.ProducerPerformance (A) and `kbench run` (B), A B A B ..., with the same
// topic settings, record size and producer batching (batch.size, linger.ms, buffer memory set
// equal on both sides: librdkafka's defaults differ from Java's), plus large-batch cases at a
// batch.size both sides share. Then, one against one, Kafka's ConsumerPerformance reading a
// topic its producer filled against kbench's consumer reading, in consume.mode backlog, the
// topic kbench's producer filled. It prints, per run, records/s, MB/s, average and p99 latency
// and CPU seconds per million records (from the child's rusage; kbench's consumer: its process
// during the read), the ratio kbench/Kafka per pair and the median ratio, and writes the same
// as a markdown table (for the README).
//
// kbench runs once per client of -clients in every pair (librdkafka and franz-go by default:
// Kafka's tool, then kbench with each client), each compared with the same Kafka run; `kbench
// run --client` chooses the client.
//
//	go run ./bench/sidebyside            # full: 5 pairs per case
//	go run ./bench/sidebyside -quick     # smoke test: 1 pair, small runs
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/stats"
)

// config is the bench's flags.
type config struct {
	bootstrap   string
	brokers     int
	clusterDir  string
	kbench      string
	kafkaLibs   string
	pairs       int
	sizes       []int
	acks        []string
	parallel    []int
	parSizes    []int // sizes at which the N-against-N cases run
	largeBatch  int   // a second batch.size for the large-batch cases (0: none)
	largeSizes  []int
	records     int
	maxBytes    int64
	partitions  int
	batchSize   int
	lingerMs    int
	bufferBytes int
	consumers   bool
	out         string
	profileDir  string
	maxLoad     float64
	warmup      time.Duration
	warmupPair  bool
	minDuration time.Duration
	clients     []string
	keyDist     string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

func run() error {
	c, err := parseConfig()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.bootstrap == "" {
		cl, err := cluster.Up(ctx, cluster.Options{Dir: c.clusterDir, Brokers: c.brokers, KafkaLibs: c.kafkaLibs,
			Log: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
		if err != nil {
			return fmt.Errorf("start the local cluster: %w", err)
		}
		defer func() {
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := cl.Down(dctx, true); err != nil {
				fmt.Fprintln(os.Stderr, "sidebyside: stop the local cluster:", err)
			}
		}()
		c.bootstrap = cl.Bootstrap()
	}
	b, err := newBench(c)
	if err != nil {
		return err
	}
	defer b.admin.Close()
	return b.all(ctx)
}

// parseConfig reads the command line into a config and checks it and the tools it needs.
func parseConfig() (config, error) {
	var c config
	var sizes, acks, parallel, parSizes, largeSizes, clients string
	quick := flag.Bool("quick", false, "smoke test: 1 pair, 100-byte records only, acks=1, 200k records")
	flag.StringVar(&c.bootstrap, "bootstrap", "", "cluster to measure (empty: start a local cluster for the bench and stop it after)")
	flag.IntVar(&c.brokers, "brokers", 1, "brokers of the local cluster the bench starts")
	flag.StringVar(&c.clusterDir, "cluster-dir", ".cache/bench-cluster", "folder of the local cluster the bench starts")
	flag.StringVar(&c.kbench, "kbench", "bin/kbench", "kbench binary")
	flag.StringVar(&c.kafkaLibs, "kafka-libs", ".cache/kafka-libs", "Kafka jars (make kafka), kafka-tools included")
	flag.IntVar(&c.pairs, "pairs", 5, "A/B pairs per case")
	flag.StringVar(&sizes, "sizes", "100,1024,10240", "record sizes in bytes")
	flag.StringVar(&acks, "acks", "1,all", "acks settings (all means acks=all with idempotence)")
	flag.StringVar(&parallel, "parallel", "1,2", "producer processes (Kafka) and producer instances (kbench) per case")
	flag.StringVar(&parSizes, "parallel-sizes", "100", "record sizes at which the cases with more than one producer run")
	flag.IntVar(&c.largeBatch, "large-batch", 262144, "batch.size of the extra large-batch cases (acks=all with idempotence, one against one; 0: none)")
	flag.StringVar(&largeSizes, "large-batch-sizes", "1024,10240", "record sizes of the large-batch cases")
	flag.IntVar(&c.records, "records", 3000000, "records per producer run (capped by -max-bytes)")
	flag.Int64Var(&c.maxBytes, "max-bytes", 1<<30, "largest payload per run in bytes (caps -records for large records)")
	flag.IntVar(&c.partitions, "partitions", 6, "partitions of every topic")
	flag.IntVar(&c.batchSize, "batch-size", 16384, "batch.size on both sides (Java's default)")
	flag.IntVar(&c.lingerMs, "linger-ms", 5, "linger.ms on both sides")
	flag.IntVar(&c.bufferBytes, "buffer-memory", 32<<20, "buffer.memory (Java) = queue.buffering.max.kbytes*1024 (librdkafka)")
	flag.BoolVar(&c.consumers, "consumers", true, "also compare ConsumerPerformance with kbench's consumer (one against one)")
	flag.StringVar(&c.out, "out", ".cache/bench/results.md", "markdown table of the results")
	flag.StringVar(&c.profileDir, "cpuprofile-dir", "", "write a Go CPU profile of every kbench run here")
	flag.Float64Var(&c.maxLoad, "max-load", 0, "before each pair wait (up to 5 min) until the 1-minute load average is below this (0: do not wait)")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "kbench warmup (not counted; Kafka's tool has none, its rate includes its JIT warmup)")
	flag.BoolVar(&c.warmupPair, "warmup-pair", true, "run one uncounted pair first, so the first counted pair does not meet a cold broker")
	flag.DurationVar(&c.minDuration, "min-duration", 3*time.Second, "shortest kbench measured phase")
	flag.StringVar(&clients, "clients", "librdkafka,franz-go", "kbench's clients, each run in every pair")
	flag.StringVar(&c.keyDist, "key-distribution", "none", "kbench's --key-distribution: none (sticky, 10 ms per partition), sequential (record by record over the partitions, as Java's partitioner spreads batches) or random")
	flag.Parse()
	if *quick {
		c.pairs, sizes, acks, parallel, c.records, c.largeBatch = 1, "100", "1", "1", 200000, 0
	}
	var err error
	if c.sizes, err = ints(sizes); err != nil {
		return c, fmt.Errorf("-sizes: %w", err)
	}
	if c.parallel, err = ints(parallel); err != nil {
		return c, fmt.Errorf("-parallel: %w", err)
	}
	if c.parSizes, err = ints(parSizes); err != nil {
		return c, fmt.Errorf("-parallel-sizes: %w", err)
	}
	if c.largeSizes, err = ints(largeSizes); err != nil {
		return c, fmt.Errorf("-large-batch-sizes: %w", err)
	}
	c.acks = strings.Split(acks, ",")
	c.clients = strings.Split(clients, ",")
	for _, cl := range c.clients {
		if cl != "librdkafka" && cl != "franz-go" {
			return c, fmt.Errorf("-clients %q: want librdkafka and/or franz-go", cl)
		}
	}
	for _, a := range c.acks {
		if a != "0" && a != "1" && a != "all" {
			return c, fmt.Errorf("-acks %q: want 0, 1 or all", a)
		}
	}
	if c.pairs < 1 || c.records < 1 || c.partitions < 1 {
		return c, errors.New("-pairs, -records and -partitions must be at least 1")
	}
	if _, err := os.Stat(c.kbench); err != nil {
		return c, fmt.Errorf("kbench binary: %w (make build)", err)
	}
	if _, err := os.Stat(filepath.Join(c.kafkaLibs, "kafka-tools-4.3.1.jar")); err != nil {
		if m, _ := filepath.Glob(filepath.Join(c.kafkaLibs, "kafka-tools-*.jar")); len(m) == 0 {
			return c, fmt.Errorf("no kafka-tools jar in %s (make kafka)", c.kafkaLibs)
		}
	}
	return c, nil
}

// measure is one tool's numbers from one run (for N processes: combined).
type measure struct {
	records             int64
	recPerSec, mbPerSec float64
	avgMs, p99Ms        float64
	cpuSec              float64 // user + system, all processes of the run
	auditCPUSec         float64 // kbench: of cpuSec, the audit's read-back of every record
	cpuRecords          int64   // records the CPU is divided by (kbench: every record it sent, warmup included)
	note                string
	load                float64 // 1-minute load average when the run started
}

func (m measure) cpuPerM() float64 {
	if m.cpuRecords == 0 {
		return 0
	}
	return m.cpuSec / float64(m.cpuRecords) * 1e6
}

// auditPerM is the audit read-back's share of cpuPerM.
func (m measure) auditPerM() float64 {
	if m.cpuRecords == 0 {
		return 0
	}
	return m.auditCPUSec / float64(m.cpuRecords) * 1e6
}

// caseResult is one case's pairs: Kafka's runs and, per client (as in config.clients), kbench's.
type caseResult struct {
	name  string
	kafka []measure
	kb    [][]measure
}

type bench struct {
	c     config
	admin *kafka.AdminClient
	rf    int
	seq   int
	tmp   string
	cases []caseResult
}

func newBench(c config) (*bench, error) {
	a, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": c.bootstrap, "log_level": 3})
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	md, err := a.GetMetadata(nil, false, 10000)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("cluster metadata from %s: %w", c.bootstrap, err)
	}
	tmp, err := os.MkdirTemp("", "kbench-sidebyside-")
	if err != nil {
		a.Close()
		return nil, err
	}
	return &bench{c: c, admin: a, rf: min(3, len(md.Brokers)), tmp: tmp}, nil
}

func (b *bench) all(ctx context.Context) error {
	defer os.RemoveAll(b.tmp) // the folder newBench made with os.MkdirTemp for this bench alone
	fmt.Printf("side by side on %s: %d CPU cores, %d broker(s), RF %d, %d partitions, batch.size %d, linger.ms %d, buffer %d bytes, %d pairs per case\n",
		b.c.bootstrap, runtime.NumCPU(), b.rf, b.rf, b.c.partitions, b.c.batchSize, b.c.lingerMs, b.c.bufferBytes, b.c.pairs)
	cases := b.producerCases()
	if b.c.warmupPair && len(cases) > 0 {
		if err := b.warmUp(ctx, cases[0]); err != nil {
			return fmt.Errorf("warm-up pair: %w", err)
		}
	}
	for _, pc := range cases {
		if err := b.producerCase(ctx, pc); err != nil {
			return err
		}
	}
	if b.c.consumers {
		size := b.c.sizes[0]
		records := min(b.c.records, int(b.c.maxBytes/int64(size)))
		if err := b.consumerCase(ctx, size, records); err != nil {
			return err
		}
	}
	return b.report()
}

// producerSpec is one producer case: record size, acks, processes per side and batch.size.
type producerSpec struct {
	size    int
	acks    string
	n       int
	batch   int
	records int
}

// producerCases lists the producer cases the flags ask for: every size and acks one against
// one, N against N at the -parallel-sizes, then the large-batch cases.
func (b *bench) producerCases() []producerSpec {
	records := func(size int) int { return min(b.c.records, int(b.c.maxBytes/int64(size))) }
	var out []producerSpec
	for _, size := range b.c.sizes {
		for _, acks := range b.c.acks {
			for _, n := range b.c.parallel {
				if n > 1 && !slices.Contains(b.c.parSizes, size) {
					continue
				}
				out = append(out, producerSpec{size, acks, n, b.c.batchSize, records(size)})
			}
		}
	}
	if b.c.largeBatch > 0 {
		for _, size := range b.c.largeSizes {
			out = append(out, producerSpec{size, "all", 1, b.c.largeBatch, records(size)})
		}
	}
	return out
}

// warmUp runs one pair of pc and throws it away: a freshly started broker (JIT, page cache, log
// directories) makes whichever tool runs first look slow.
func (b *bench) warmUp(ctx context.Context, pc producerSpec) error {
	topic, err := b.createTopic(ctx)
	if err != nil {
		return err
	}
	a, err := b.kafkaProducers(ctx, topic, pc.size, pc.acks, pc.n, pc.records, pc.batch)
	b.deleteTopic(ctx, topic)
	if err != nil {
		return err
	}
	for _, client := range b.c.clients {
		kb, err := b.kbenchRun(ctx, kbenchSpec{size: pc.size, acks: pc.acks, producers: pc.n, batch: pc.batch, dur: b.sameWork(a), id: "warmup", client: client})
		if err != nil {
			return err
		}
		printPair("warm-up (not counted)", -1, client, a, kb)
	}
	return nil
}

// producerCase runs the pairs of one producer case.
func (b *bench) producerCase(ctx context.Context, pc producerSpec) error {
	name := fmt.Sprintf("produce %d B, acks=%s, %d vs %d", pc.size, acksLabel(pc.acks), pc.n, pc.n)
	if pc.batch != b.c.batchSize {
		name += fmt.Sprintf(", batch.size %d", pc.batch)
	}
	return b.pairs(ctx, name,
		func(topic string) (measure, error) {
			a, err := b.kafkaProducers(ctx, topic, pc.size, pc.acks, pc.n, pc.records, pc.batch)
			if err != nil {
				err = fmt.Errorf("ProducerPerformance: %w", err)
			}
			return a, err
		},
		func(i int, a measure, client string) (measure, error) {
			// kbench runs for as long as Kafka's tool took, so both send about the same records.
			return b.kbenchRun(ctx, kbenchSpec{size: pc.size, acks: pc.acks, producers: pc.n, batch: pc.batch, dur: b.sameWork(a),
				id: fmt.Sprintf("p-%d-%s-%d-%d-%d-%s", pc.size, pc.acks, pc.n, pc.batch, i, client), client: client})
		})
}

// pairs runs a case's pairs: Kafka's tool on a fresh topic (deleted after it), then kbench once
// per client, each creating its own; kb gets the Kafka run of its pair to size its own run by.
func (b *bench) pairs(ctx context.Context, name string, kafkaSide func(topic string) (measure, error), kbSide func(i int, a measure, client string) (measure, error)) error {
	cr := caseResult{name: name, kb: make([][]measure, len(b.c.clients))}
	for i := 0; i < b.c.pairs; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		load := b.waitQuiet(ctx)
		topic, err := b.createTopic(ctx)
		if err != nil {
			return err
		}
		a, err := kafkaSide(topic)
		b.deleteTopic(ctx, topic)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		a.load = load
		cr.kafka = append(cr.kafka, a)
		for j, client := range b.c.clients {
			kb, err := kbSide(i, a, client)
			if err != nil {
				return fmt.Errorf("%s: kbench (%s): %w", name, client, err)
			}
			kb.load = loadAvg()
			cr.kb[j] = append(cr.kb[j], kb)
			printPair(name, i, client, a, kb)
		}
	}
	b.cases = append(b.cases, cr)
	return nil
}

// sameWork is how long kbench runs so that it sends about the records Kafka's tool sent in m
// (at least the configured minimum, in whole seconds).
func (b *bench) sameWork(m measure) time.Duration {
	dur := time.Duration(float64(m.records) / m.recPerSec * float64(time.Second))
	return max(b.c.minDuration, dur.Round(time.Second))
}

// consumerCase: Kafka's ConsumerPerformance reads a topic ProducerPerformance filled, against
// kbench in consume.mode backlog, whose consumer reads the topic kbench's own producer filled
// once the producer has finished. Both rates are over the read itself (first record to last),
// group join excluded; kbench's CPU is its process's CPU during the read.
func (b *bench) consumerCase(ctx context.Context, size, records int) error {
	var filled measure // the fill of the pair's Kafka run, which sizes kbench's backlog
	return b.pairs(ctx, fmt.Sprintf("consume %d B, 1 vs 1", size),
		func(topic string) (measure, error) {
			var err error
			if filled, err = b.kafkaProducers(ctx, topic, size, "1", 1, records, b.c.batchSize); err != nil {
				return measure{}, fmt.Errorf("fill: %w", err)
			}
			a, err := b.kafkaConsumer(ctx, topic, records)
			if err != nil {
				err = fmt.Errorf("ConsumerPerformance: %w", err)
			}
			return a, err
		},
		func(i int, _ measure, client string) (measure, error) {
			// kbench produces for about as long as Kafka's tool took, so the backlog is about as big.
			return b.kbenchRun(ctx, kbenchSpec{size: size, acks: "1", producers: 1, consumers: 1, backlog: true,
				batch: b.c.batchSize, dur: b.sameWork(filled), id: fmt.Sprintf("c-%d-%d-%s", size, i, client), client: client})
		})
}

func (b *bench) createTopic(ctx context.Context) (string, error) {
	b.seq++
	topic := fmt.Sprintf("kbench-sidebyside-%d-%d", os.Getpid(), b.seq)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := b.admin.CreateTopics(cctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: b.c.partitions, ReplicationFactor: b.rf}})
	if err != nil {
		return "", fmt.Errorf("create topic %s: %w", topic, err)
	}
	if e := res[0].Error; e.Code() != kafka.ErrNoError {
		return "", fmt.Errorf("create topic %s: %w", topic, e)
	}
	// Wait until every partition has a leader: Kafka's tools do not wait by themselves.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		md, err := b.admin.GetMetadata(&topic, false, 5000)
		if err == nil {
			if t, ok := md.Topics[topic]; ok && t.Error.Code() == kafka.ErrNoError && len(t.Partitions) == b.c.partitions {
				ready := true
				for _, p := range t.Partitions {
					ready = ready && p.Leader >= 0
				}
				if ready {
					return topic, nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("topic %s has no leader for every partition after 30s", topic)
}

func (b *bench) deleteTopic(ctx context.Context, topic string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := b.admin.DeleteTopics(dctx, []string{topic}); err != nil {
		fmt.Fprintf(os.Stderr, "sidebyside: delete topic %s: %v\n", topic, err)
	}
}

// javaProducerProps are ProducerPerformance's --producer-props for acks.
func (b *bench) javaProducerProps(acks string, batch int) []string {
	idem := "false"
	if acks == "all" {
		idem = "true"
	}
	return []string{"bootstrap.servers=" + b.c.bootstrap, "acks=" + acks, "enable.idempotence=" + idem,
		"batch.size=" + strconv.Itoa(batch), "linger.ms=" + strconv.Itoa(b.c.lingerMs),
		"buffer.memory=" + strconv.Itoa(b.c.bufferBytes), "compression.type=none"}
}

// kafkaProducers runs n ProducerPerformance processes at once, each sending records/n.
func (b *bench) kafkaProducers(ctx context.Context, topic string, size int, acks string, n, records, batch int) (measure, error) {
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := 0; i < n; i++ {
		args := []string{"org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
			"--num-records", strconv.Itoa(records / n), "--record-size", strconv.Itoa(size), "--throughput", "-1",
			"--producer-props"}
		args = append(args, b.javaProducerProps(acks, batch)...)
		cmd, out := b.java(ctx, args...)
		if err := cmd.Start(); err != nil {
			return measure{}, err
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	var m measure
	var slowest float64
	var latSum float64
	for i, cmd := range cmds {
		err := cmd.Wait()
		m.cpuSec += cpuSeconds(cmd)
		if err != nil {
			return measure{}, fmt.Errorf("%w: %s", err, tail(outs[i].String()))
		}
		s, err := parseProducerPerf(outs[i].String())
		if err != nil {
			return measure{}, err
		}
		m.records += s.records
		latSum += s.avgMs * float64(s.records)
		m.p99Ms = max(m.p99Ms, s.p99Ms) // the slowest process's p99: an upper bound of the combined one
		slowest = max(slowest, float64(s.records)/s.recPerSec)
	}
	m.recPerSec = float64(m.records) / slowest
	m.mbPerSec = m.recPerSec * float64(size) / stats.BytesPerMB
	m.avgMs = latSum / float64(m.records)
	m.cpuRecords = m.records
	if n > 1 {
		m.note = "rate: all records / slowest process's time; p99: the highest process p99"
	}
	return m, nil
}

// kafkaConsumer runs ConsumerPerformance for records on topic.
func (b *bench) kafkaConsumer(ctx context.Context, topic string, records int) (measure, error) {
	cmd, out := b.java(ctx, "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", b.c.bootstrap,
		"--topic", topic, "--num-records", strconv.Itoa(records), "--group", topic+"-perf", "--timeout", "60000",
		"--command-property", "auto.offset.reset=earliest")
	err := cmd.Run()
	cpu := cpuSeconds(cmd)
	if err != nil {
		return measure{}, fmt.Errorf("%w: %s", err, tail(out.String()))
	}
	m, err := parseConsumerPerf(out.String())
	if err != nil {
		return measure{}, err
	}
	m.cpuSec, m.cpuRecords = cpu, m.records
	m.note = "ConsumerPerformance: fetch rate (group join excluded), CPU of the whole process (JVM start and join included); latency not measured by the tool"
	return m, nil
}

func (b *bench) java(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cp := filepath.Join(b.c.kafkaLibs, "*")
	all := append([]string{"-Xms512m", "-Xmx512m", "-cp", cp}, args...)
	cmd := exec.CommandContext(ctx, "java", all...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// kbenchSpec is one `kbench run`.
type kbenchSpec struct {
	size                 int
	acks                 string
	producers, consumers int
	backlog              bool // consume.mode backlog: the consumers read after the producers
	batch                int
	dur                  time.Duration
	id                   string
	client               string // librdkafka or franz-go
}

// kbenchRun runs `kbench run` with the bench's settings and reads its result file.
func (b *bench) kbenchRun(ctx context.Context, k kbenchSpec) (measure, error) {
	out := filepath.Join(b.tmp, k.id)
	args := []string{"run", "--bootstrap", b.c.bootstrap, "--out", out, "--quiet",
		"--size", strconv.Itoa(k.size), "--acks", k.acks, "--duration", k.dur.String(), "--warmup", b.c.warmup.String(),
		"--partitions", strconv.Itoa(b.c.partitions), "--replication-factor", strconv.Itoa(b.rf),
		"--producers", strconv.Itoa(k.producers), "--consumers", strconv.Itoa(k.consumers),
		"--linger-ms", strconv.Itoa(b.c.lingerMs), "--batch-size", strconv.Itoa(k.batch),
		"--producer-prop", "queue.buffering.max.kbytes=" + strconv.Itoa(b.c.bufferBytes/1024),
		// Java's producer has no record-count bound, only buffer.memory: the same here, so
		// kbench's own in-flight bound (10,000 by default) is lifted to the buffer's size.
		"--producer-prop", "queue.buffering.max.messages=2147483647",
		"--max-in-flight", strconv.Itoa(max(1, b.c.bufferBytes/k.size)),
		"--drain-timeout", "3m", "--key-distribution", b.c.keyDist,
	}
	if k.acks == "all" {
		args = append(args, "--idempotence")
	}
	// The client under test produces; in the consumer cases it also reads the backlog (the audit's
	// read-back of the producer cases uses kbench's default reader, franz-go, for both).
	args = append(args, "--client", k.client)
	if k.backlog {
		args = append(args, "--consume-mode", "backlog", "--consumer-client", k.client)
	}
	if b.c.profileDir != "" {
		if err := os.MkdirAll(b.c.profileDir, 0o755); err != nil {
			return measure{}, err
		}
		args = append(args, "--cpuprofile", filepath.Join(b.c.profileDir, k.id+".pprof"))
	}
	cmd := exec.CommandContext(ctx, b.c.kbench, args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	cpu := cpuSeconds(cmd)
	if err != nil {
		return measure{}, fmt.Errorf("%w: %s", err, tail(buf.String()))
	}
	r, err := stats.ReadResult(filepath.Join(out, filepath.FromSlash(stats.PointFile("run"))))
	if err != nil {
		return measure{}, err
	}
	defer os.RemoveAll(out) // k.id's results folder inside b.tmp (os.MkdirTemp of newBench), written by the kbench run above
	mt := r.Metrics
	m := measure{cpuSec: cpu, cpuRecords: r.Audit.Sent, auditCPUSec: r.Audit.ReadCPUSeconds}
	switch {
	case mt.Backlog != nil:
		bl := mt.Backlog
		m.records, m.recPerSec, m.mbPerSec = bl.Records, mt.Consumed.RecordsPerSecond, mt.Consumed.MBPerSecond
		m.cpuSec, m.cpuRecords, m.auditCPUSec = bl.CPUSeconds, bl.Records, 0
		m.note = "kbench consumer: consume.mode backlog, rate over its read (group join excluded), CPU of its process during the read; latency not measured"
		if !bl.Complete {
			m.note += "; read incomplete"
		}
	case k.consumers > 0:
		m.records, m.recPerSec, m.mbPerSec = mt.Consumed.Records, mt.Consumed.RecordsPerSecond, mt.Consumed.MBPerSecond
		m.avgMs, m.p99Ms = mt.EndToEndLatency.MeanMs, mt.EndToEndLatency.P99Ms
		m.note = "end-to-end latency; CPU includes its producer"
		if mt.ConsumerBehind {
			m.note += "; consumer fell behind"
		}
	default:
		m.records, m.recPerSec, m.mbPerSec = mt.Acked.Records, mt.Acked.RecordsPerSecond, mt.Acked.MBPerSecond
		m.avgMs, m.p99Ms = mt.ProduceLatency.MeanMs, mt.ProduceLatency.P99Ms
	}
	if a := r.Audit; !a.NoneLost() || a.Consumed < a.Acked {
		m.note = strings.TrimPrefix(m.note+fmt.Sprintf("; audit: %s lost, %d of %d acked read back", a.LostText(), a.Consumed, a.Acked), "; ")
	}
	return m, nil
}

// perfSummary is ProducerPerformance's final line.
type perfSummary struct {
	records                      int64
	recPerSec, mbPerSec, avgMs   float64
	maxMs, p50, p95, p99Ms, p999 float64
}

var producerPerfRe = regexp.MustCompile(`(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, ([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th, ([\d.]+) ms 99.9th`)

// parseProducerPerf reads the last summary line of ProducerPerformance's output.
func parseProducerPerf(out string) (perfSummary, error) {
	all := producerPerfRe.FindAllStringSubmatch(out, -1)
	if len(all) == 0 {
		return perfSummary{}, fmt.Errorf("no summary line in ProducerPerformance output: %s", tail(out))
	}
	g := all[len(all)-1]
	f := make([]float64, len(g))
	for i := 2; i < len(g); i++ {
		f[i], _ = strconv.ParseFloat(g[i], 64)
	}
	n, _ := strconv.ParseInt(g[1], 10, 64)
	return perfSummary{records: n, recPerSec: f[2], mbPerSec: f[3], avgMs: f[4], maxMs: f[5], p50: f[6], p95: f[7], p99Ms: f[8], p999: f[9]}, nil
}

// parseConsumerPerf reads ConsumerPerformance's data line: start.time, end.time,
// data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
// fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec.
func parseConsumerPerf(out string) (measure, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		f := strings.Split(lines[i], ",")
		if len(f) < 10 || strings.Contains(lines[i], "start.time") {
			continue
		}
		v := make([]float64, len(f))
		ok := true
		for j := 2; j < 10; j++ {
			var err error
			if v[j], err = strconv.ParseFloat(strings.TrimSpace(f[j]), 64); err != nil {
				ok = false
			}
		}
		if !ok {
			continue
		}
		return measure{records: int64(v[4]), mbPerSec: v[8], recPerSec: v[9]}, nil
	}
	return measure{}, fmt.Errorf("no data line in ConsumerPerformance output: %s", tail(out))
}

func cpuSeconds(cmd *exec.Cmd) float64 {
	if cmd.ProcessState == nil {
		return 0
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// loadAvg is the 1-minute load average (0 when unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// waitQuiet waits (bounded) for the load average to drop below -max-load and returns it.
func (b *bench) waitQuiet(ctx context.Context) float64 {
	if b.c.maxLoad <= 0 {
		return loadAvg()
	}
	deadline := time.Now().Add(5 * time.Minute)
	for l := loadAvg(); l >= b.c.maxLoad && time.Now().Before(deadline) && ctx.Err() == nil; l = loadAvg() {
		time.Sleep(5 * time.Second)
	}
	return loadAvg()
}

func printPair(name string, i int, client string, a, kb measure) {
	fmt.Printf("%-34s pair %d %-10s kafka %10.0f rec/s %7.1f MB/s avg %7.1f p99 %7.1f ms cpu %5.2f s/M | kbench %10.0f rec/s %7.1f MB/s avg %7.1f p99 %7.1f ms cpu %5.2f s/M (audit %.2f) | ratio %.2f load %.2f\n",
		name, i+1, client, a.recPerSec, a.mbPerSec, a.avgMs, a.p99Ms, a.cpuPerM(), kb.recPerSec, kb.mbPerSec, kb.avgMs, kb.p99Ms, kb.cpuPerM(), kb.auditPerM(), kb.recPerSec/a.recPerSec, a.load)
}

// report prints the table of every pair and the medians, and writes it as markdown to -out.
func (b *bench) report() error {
	var md strings.Builder
	fmt.Fprintf(&md, "Machine: %d CPU cores (%s/%s), %d broker(s), RF %d, %d partitions; batch.size %d, linger.ms %d, buffer %d MiB on both sides; kbench --key-distribution %s; %d pairs per case, Kafka's tool run first in each pair, then kbench with %s.\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, b.rf, b.rf, b.c.partitions, b.c.batchSize, b.c.lingerMs, b.c.bufferBytes>>20, b.c.keyDist, b.c.pairs, strings.Join(b.c.clients, ", then "))
	md.WriteString("| case | tool | records/s (median) | MB/s | avg ms | p99 ms | CPU s per M records | of which audit read-back | kbench/Kafka per pair | median ratio | load avg |\n")
	md.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|\n")
	for _, cr := range b.cases {
		var loads []string
		for i := range cr.kafka {
			loads = append(loads, fmt.Sprintf("%.1f", cr.kafka[i].load))
		}
		row := func(tool string, ms []measure, ratios []float64) {
			audit := ""
			if a := median(ms, measure.auditPerM); a > 0 {
				audit = fmt.Sprintf("%.2f", a)
			}
			var rs []string
			for _, r := range ratios {
				rs = append(rs, fmt.Sprintf("%.2f", r))
			}
			fmt.Fprintf(&md, "| %s | %s | %.0f | %.1f | %.1f | %.1f | %.2f | %s | %s | %s | %s |\n", cr.name, tool,
				median(ms, func(m measure) float64 { return m.recPerSec }), median(ms, func(m measure) float64 { return m.mbPerSec }),
				median(ms, func(m measure) float64 { return m.avgMs }), median(ms, func(m measure) float64 { return m.p99Ms }),
				median(ms, measure.cpuPerM), audit, strings.Join(rs, " "), medianOf(ratios, ratios != nil), strings.Join(loads, " "))
		}
		row(kafkaTool(cr.name), cr.kafka, nil)
		for j, client := range b.c.clients {
			ratios := make([]float64, len(cr.kb[j]))
			for i := range cr.kb[j] {
				ratios[i] = cr.kb[j][i].recPerSec / cr.kafka[i].recPerSec
			}
			row("kbench ("+client+")", cr.kb[j], ratios)
		}
	}
	notes := map[string]bool{}
	for _, cr := range b.cases {
		all := append([]measure(nil), cr.kafka...)
		for _, ms := range cr.kb {
			all = append(all, ms...)
		}
		for _, m := range all {
			if m.note != "" && !notes[m.note] {
				notes[m.note] = true
				fmt.Fprintf(&md, "\n- %s", m.note)
			}
		}
	}
	md.WriteString("\n")
	fmt.Println()
	fmt.Print(md.String())
	if b.c.out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(b.c.out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(b.c.out, []byte(md.String()), 0o644)
}

func kafkaTool(name string) string {
	if strings.HasPrefix(name, "consume") {
		return "ConsumerPerformance"
	}
	return "ProducerPerformance"
}

func median(ms []measure, f func(measure) float64) float64 {
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	return med(v)
}

func medianOf(v []float64, show bool) string {
	if !show {
		return ""
	}
	return fmt.Sprintf("**%.2f**", med(v))
}

func med(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func acksLabel(a string) string {
	if a == "all" {
		return "all+idempotence"
	}
	return a
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q: want positive integers separated by commas", s)
		}
		out = append(out, v)
	}
	return out, nil
}

func tail(s string) string {
	const n = 1500
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
