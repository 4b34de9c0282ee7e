package profiles

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden and .err files from the current output")

// header is a valid workload that tests append a sweep to.
const header = `name: t
description: test
workload:
  message.size: 100
  partitions: 3
  replication.factor: 3
  producers: 1
  consumers: 1
  rate: 100
  duration: 10s
  warmup: 2s
`

func mustPoints(t *testing.T, yaml string) ([]Point, []Problem) {
	t.Helper()
	p, err := Parse("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	warns, verr := p.Validate()
	if verr != nil {
		t.Fatalf("Validate:\n%v", verr)
	}
	pts, err := p.Points()
	if err != nil {
		t.Fatalf("Points: %v", err)
	}
	return pts, warns
}

func ids(pts []Point) []string {
	out := make([]string, len(pts))
	for i, p := range pts {
		out[i] = p.ID
	}
	return out
}

func TestParseWorkload(t *testing.T) {
	retries := 7
	tests := []struct {
		name  string
		extra string
		want  func(w *Workload)
	}{
		{"defaults", "", func(w *Workload) {}},
		{"min max size", "  message.size: {min: 20, max: 2000}\n", func(w *Workload) { w.MessageSizeMin, w.MessageSizeMax = 20, 2000 }},
		{"rate max", "  rate: max\n", func(w *Workload) { w.Rate = 0 }},
		{"consume backlog", "  consume.mode: backlog\n", func(w *Workload) { w.ConsumeMode = ConsumeBacklog }},
		{"consume live is the default", "  consume.mode: live\n", func(w *Workload) {}},
		{"client plumbing", "  compression.type: zstd\n  batch.size: 65536\n  request.timeout.ms: 5000\n  delivery.timeout.ms: 60000\n  retries: 7\n  retry.backoff.ms: 300\n  max.outstanding.records: 1000\n  key.distribution: random\n",
			func(w *Workload) {
				w.Compression, w.BatchSize, w.KeyDistribution, w.MaxInFlight = "zstd", 65536, "random", 1000
				w.RequestTimeout, w.DeliveryTimeout, w.RetryBackoff = 5*time.Second, time.Minute, 300*time.Millisecond
				w.Retries = &retries
			}},
		{"pass-through", "  producer: {client.id: bench, queue.buffering.max.kbytes: 1024}\n  topic: {max.message.bytes: 2000000}\n",
			func(w *Workload) {
				w.ProducerProps = map[string]string{"client.id": "bench", "queue.buffering.max.kbytes": "1024"}
				w.TopicProps = map[string]string{"max.message.bytes": "2000000"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Later keys in YAML may not repeat earlier ones, so build the workload by replacement.
			y := header
			for _, line := range strings.Split(strings.TrimSuffix(tt.extra, "\n"), "\n") {
				if line == "" {
					continue
				}
				key := strings.SplitN(strings.TrimSpace(line), ":", 2)[0] + ":"
				if i := strings.Index(y, "  "+key); i >= 0 {
					end := i + strings.Index(y[i:], "\n")
					y = y[:i] + line + y[end:]
				} else {
					y += line + "\n"
				}
			}
			pts, _ := mustPoints(t, y+"sweep:\n  matrix:\n    acks: [1]\n")
			want := Workload{MessageSizeMin: 100, MessageSizeMax: 100, KeyDistribution: "none", Partitions: 3,
				ReplicationFactor: 3, Producers: 1, Consumers: 1, Rate: 100, Duration: 10 * time.Second, Warmup: 2 * time.Second}
			tt.want(&want)
			if !reflect.DeepEqual(pts[0].Workload, want) {
				t.Errorf("workload\n got %+v\nwant %+v", pts[0].Workload, want)
			}
		})
	}
}

func TestExpansion(t *testing.T) {
	tests := []struct {
		name   string
		sweep  string
		ids    []string
		labels []string
		levels []string
	}{
		{
			name:   "matrix is cartesian and ordered by durability",
			sweep:  "  matrix:\n    acks: [all, 0, 1]\n    linger.ms: [10, 5]\n",
			ids:    []string{"acks-0_linger-5", "acks-0_linger-10", "acks-1_linger-5", "acks-1_linger-10", "acks-all_linger-5", "acks-all_linger-10"},
			labels: []string{"acks=0 linger=5", "acks=0 linger=10", "acks=1 linger=5", "acks=1 linger=10", "acks=all linger=5", "acks=all linger=10"},
		},
		{
			name:   "explicit points with level names",
			sweep:  "  points:\n    - {level: durable, acks: all, enable.idempotence: true, min.insync.replicas: 2}\n    - {level: fast, acks: 1}\n",
			ids:    []string{"acks-1", "acks-all_idem_isr-2"},
			labels: []string{"acks=1", "acks=all idem isr=2"},
			levels: []string{"fast", "durable"},
		},
		{
			name:   "points crossed with matrix; varying matrix keys suffix the level name",
			sweep:  "  matrix:\n    linger.ms: [0, 20]\n    flush.ms: [100]\n  points:\n    - {level: safe, acks: all}\n    - {level: quick, acks: 1}\n",
			ids:    []string{"acks-1_linger-0_flushms-100", "acks-1_linger-20_flushms-100", "acks-all_linger-0_flushms-100", "acks-all_linger-20_flushms-100"},
			levels: []string{"quick linger=0", "quick linger=20", "safe linger=0", "safe linger=20"},
		},
		{
			name:   "default leaves a setting unset",
			sweep:  "  matrix:\n    flush.messages: [1, default, 100]\n",
			ids:    []string{"defaults", "flush-100", "flush-1"},
			labels: []string{"defaults", "flush=100", "flush=1"},
		},
		{
			name:  "idempotence x acks matrix drops the impossible combinations",
			sweep: "  matrix:\n    acks: [0, 1, all]\n    enable.idempotence: [false, true]\n",
			ids:   []string{"acks-0_noidem", "acks-1_noidem", "acks-all_noidem", "acks-all_idem"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts, _ := mustPoints(t, header+"sweep:\n"+tt.sweep)
			if got := ids(pts); !reflect.DeepEqual(got, tt.ids) {
				t.Errorf("ids\n got %q\nwant %q", got, tt.ids)
			}
			for i, p := range pts {
				if p.Level.Rank != i+1 {
					t.Errorf("point %s has rank %d, want %d", p.ID, p.Level.Rank, i+1)
				}
				if tt.labels != nil && p.Label != tt.labels[i] {
					t.Errorf("point %s label %q, want %q", p.ID, p.Label, tt.labels[i])
				}
				wantLevel := p.Label
				if tt.levels != nil {
					wantLevel = tt.levels[i]
				}
				if p.Level.Name != wantLevel {
					t.Errorf("point %s level name %q, want %q", p.ID, p.Level.Name, wantLevel)
				}
			}
		})
	}
}

func TestIDsAreStable(t *testing.T) {
	// The same settings written in another order, or in another profile, give the same ids:
	// compare matches points across runs by id.
	a, _ := mustPoints(t, header+"sweep:\n  points:\n    - {min.insync.replicas: 2, acks: all, enable.idempotence: true, flush.messages: 1000}\n")
	b, _ := mustPoints(t, header+"sweep:\n  matrix:\n    flush.messages: [1000]\n    enable.idempotence: [true]\n  points:\n    - {acks: all, min.insync.replicas: 2}\n")
	if a[0].ID != "acks-all_idem_isr-2_flush-1000" || b[0].ID != a[0].ID {
		t.Errorf("ids %q and %q, want both acks-all_idem_isr-2_flush-1000", a[0].ID, b[0].ID)
	}
	if a[0].Label != "acks=all idem isr=2 flush=1000" {
		t.Errorf("label %q", a[0].Label)
	}
}

func TestDurabilityOrder(t *testing.T) {
	// Each row: a sweep of two points; the first listed must rank as less durable.
	tests := []struct{ name, less, more string }{
		{"acks 0 < 1", "acks: 0", "acks: 1"},
		{"acks 1 < unset (librdkafka default all)", "acks: 1", "linger.ms: 0"},
		{"idempotence", "acks: all", "enable.idempotence: true"},
		{"idempotence beats min ISR", "min.insync.replicas: 3", "enable.idempotence: true"},
		{"min ISR", "min.insync.replicas: 1", "min.insync.replicas: 2"},
		{"effective min ISR is capped by RF", "{replication.factor: 2, min.insync.replicas: 2}", "{replication.factor: 3, min.insync.replicas: 2}"},
		{"RF at equal effective ISR", "replication.factor: 2", "replication.factor: 3"},
		{"unclean election on < off", "unclean.leader.election.enable: true", "unclean.leader.election.enable: false"},
		{"no flush < flush", "linger.ms: 5", "flush.messages: 10000"},
		{"smaller flush interval is more durable", "flush.messages: 100", "flush.messages: 10"},
		{"topic flush.ms", "flush.ms: 1000", "flush.ms: 100"},
		{"broker flush interval counts when the topic sets none", "log.flush.interval.messages: 1000", "log.flush.interval.messages: 1"},
		{"commit after processing", "commit.mode: auto", "commit.mode: after-processing"},
		{"ties: natural id order", "linger.ms: 5", "linger.ms: 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := header + "  log.flush.scheduler.interval.ms: 10\nsweep:\n  points:\n    - " + tt.more + "\n    - " + tt.less + "\n"
			p, err := Parse("t.yaml", []byte(y))
			if err != nil {
				t.Fatal(err)
			}
			pts, err := p.Points()
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != 2 {
				t.Fatalf("%d points", len(pts))
			}
			lessPts, _ := mustPoints(t, header+"  log.flush.scheduler.interval.ms: 10\nsweep:\n  points:\n    - "+tt.less+"\n")
			if pts[0].ID != lessPts[0].ID {
				t.Errorf("%s ranked before %s; want the reverse", pts[0].Label, pts[1].Label)
			}
		})
	}
}

func TestNaturalLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"linger-5", "linger-10", true},
		{"linger-10", "linger-5", false},
		{"acks-1_linger-100", "acks-all_linger-0", true},
		{"flush-007", "flush-8", true},
		{"a", "a", false},
		{"a", "ab", true},
	}
	for _, tt := range tests {
		if got := naturalLess(tt.a, tt.b); got != tt.want {
			t.Errorf("naturalLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestWarningsAndNotes(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		warnings []string // substrings, one per expected warning
		note     string   // substring of a note on the first point
	}{
		{"min ISR equal to RF", header + "sweep:\n  points:\n    - min.insync.replicas: 3\n",
			[]string{"t.yaml:14: sweep.points[0].min.insync.replicas: min.insync.replicas=3 equals the replication factor: one broker down stops acks=all writes"}, "equals the replication factor"},
		{"unclean election on", header + "sweep:\n  matrix:\n    unclean.leader.election.enable: [true]\n",
			[]string{"t.yaml:14: sweep.matrix.unclean.leader.election.enable: unclean.leader.election.enable=true"}, "out-of-sync replica"},
		{"flush.ms without scheduler", header + "sweep:\n  matrix:\n    flush.ms: [100]\n",
			[]string{"t.yaml:14: sweep.matrix.flush.ms: flush.ms=100 without a finite log.flush.scheduler.interval.ms"}, "cannot take effect"},
		{"flush.ms with scheduler is fine", header + "  log.flush.scheduler.interval.ms: 10\nsweep:\n  matrix:\n    flush.ms: [100]\n", nil, ""},
		{"acks=0 note", header + "sweep:\n  matrix:\n    acks: [0]\n", nil, "enqueue-to-socket"},
		{"dropped combination", header + "sweep:\n  matrix:\n    acks: [1, all]\n    enable.idempotence: [true]\n",
			[]string{"t.yaml:14: sweep.matrix: left out acks=1 idem: acks=1 with enable.idempotence=true: idempotence needs acks=all"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts, warns := mustPoints(t, tt.yaml)
			if len(warns) != len(tt.warnings) {
				t.Fatalf("warnings %v, want %d", warns, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.HasPrefix(warns[i].String(), w) {
					t.Errorf("warning %q\nwant prefix %q", warns[i], w)
				}
			}
			notes := strings.Join(pts[0].Notes, "\n")
			if tt.note == "" && tt.warnings == nil && notes != "" {
				t.Errorf("unexpected notes %q", notes)
			}
			if !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want one containing %q", notes, tt.note)
			}
		})
	}
}

func TestConfigClasses(t *testing.T) {
	pts, _ := mustPoints(t, header+`  compression.type: lz4
  batch.size: 16384
  request.timeout.ms: 3000
  delivery.timeout.ms: 120000
  retries: 5
  retry.backoff.ms: 300
  producer: {client.id: kb, sasl.password: hunter2}
  consumer: {fetch.min.bytes: "1"}
  topic: {max.message.bytes: "2000000"}
  log.flush.scheduler.interval.ms: 10
sweep:
  points:
    - acks: all
      enable.idempotence: true
      linger.ms: 5
      max.in.flight.requests.per.connection: 5
      replication.factor: 3
      min.insync.replicas: 2
      flush.messages: 1000
      flush.ms: 100
      unclean.leader.election.enable: false
      log.flush.interval.messages: 5000
      log.flush.interval.ms: 200
      commit.mode: after-processing
`)
	p := pts[0]
	tests := []struct {
		class string
		got   map[string]string
		want  map[string]string
	}{
		{"producer", p.ProducerConfig(), map[string]string{
			"acks": "all", "enable.idempotence": "true", "linger.ms": "5", "max.in.flight.requests.per.connection": "5",
			"compression.type": "lz4", "batch.size": "16384", "request.timeout.ms": "3000", "delivery.timeout.ms": "120000",
			"retries": "5", "retry.backoff.ms": "300", "client.id": "kb", "sasl.password": "hunter2"}},
		{"consumer", p.ConsumerConfig(), map[string]string{"enable.auto.commit": "false", "fetch.min.bytes": "1"}},
		{"topic", p.TopicConfig(), map[string]string{"min.insync.replicas": "2", "flush.messages": "1000", "flush.ms": "100",
			"unclean.leader.election.enable": "false", "max.message.bytes": "2000000"}},
		{"broker dynamic", p.BrokerDynamicConfig(), map[string]string{"log.flush.interval.messages": "5000", "log.flush.interval.ms": "200"}},
		{"broker static", p.BrokerStaticConfig(), map[string]string{"log.flush.scheduler.interval.ms": "10"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s config\n got %v\nwant %v", tt.class, tt.got, tt.want)
		}
	}
	if p.TopicReplicationFactor() != 3 {
		t.Errorf("replication factor %d", p.TopicReplicationFactor())
	}
}

func TestConfigOnlySetKeys(t *testing.T) {
	pts, _ := mustPoints(t, header+"sweep:\n  points:\n    - {acks: 1, replication.factor: 2}\n")
	p := pts[0]
	if got := p.ProducerConfig(); !reflect.DeepEqual(got, map[string]string{"acks": "1"}) {
		t.Errorf("producer config %v, want only acks", got)
	}
	for name, m := range map[string]map[string]string{"consumer": p.ConsumerConfig(), "topic": p.TopicConfig(),
		"broker dynamic": p.BrokerDynamicConfig(), "broker static": p.BrokerStaticConfig()} {
		if len(m) != 0 {
			t.Errorf("%s config %v, want empty", name, m)
		}
	}
	if p.TopicReplicationFactor() != 2 || p.Workload.ReplicationFactor != 2 {
		t.Errorf("point replication factor %d (workload %d), want 2", p.TopicReplicationFactor(), p.Workload.ReplicationFactor)
	}
}

func TestRedact(t *testing.T) {
	in := map[string]string{"sasl.password": "p", "SSL.KEY.PASSWORD": "k", "client.secret": "s", "sasl.oauthbearer.token": "t",
		"sasl.jaas.config": "j", "ssl.key.pem": "pem", "sasl.username": "alice", "acks": "all"}
	got := Redact(in)
	want := map[string]string{"sasl.password": "[redacted]", "SSL.KEY.PASSWORD": "[redacted]", "client.secret": "[redacted]",
		"sasl.oauthbearer.token": "[redacted]", "sasl.jaas.config": "[redacted]", "ssl.key.pem": "[redacted]",
		"sasl.username": "alice", "acks": "all"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Redact\n got %v\nwant %v", got, want)
	}
	if in["sasl.password"] != "p" {
		t.Error("Redact changed its input")
	}
	if Redact(nil) != nil {
		t.Error("Redact(nil) is not nil")
	}
}

func TestPlanNeverPrintsSecrets(t *testing.T) {
	pts, _ := mustPoints(t, header+"  producer: {sasl.password: hunter2, sasl.jaas.config: 'x password=\"hunter2\"'}\n  consumer: {sasl.oauthbearer.client.secret: hunter2}\nsweep:\n  matrix:\n    acks: [1]\n")
	var b strings.Builder
	if err := WritePlan(&b, pts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "hunter2") {
		t.Errorf("plan shows a secret:\n%s", b.String())
	}
	j, err := json.Marshal(pts[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(j), "hunter2") {
		t.Errorf("point JSON shows a secret: %s", j)
	}
}

func TestPointJSONRoundTrip(t *testing.T) {
	pts, _ := mustPoints(t, header+"  retries: 3\n  request.timeout.ms: 1500\n  consume.mode: backlog\n  producer: {client.id: kb}\nsweep:\n  points:\n    - {acks: all, enable.idempotence: true, flush.messages: 10, commit.mode: auto}\n")
	data, err := json.Marshal(pts[0])
	if err != nil {
		t.Fatal(err)
	}
	if d := describeWorkload(pts[0].Workload); !strings.Contains(d, "1 consumer reading the backlog after the producers") {
		t.Errorf("plan's workload line does not say the consumers read a backlog: %s", d)
	}
	for _, name := range []string{`"reliability_level"`, `"enable_idempotence":true`, `"topic_flush_messages":10`,
		`"consumer_commit_mode":"auto"`, `"measured_duration_seconds":10`, `"request_timeout_ms":1500`, `"target_rate_messages_per_second":100`, `"consume_mode":"backlog"`} {
		if !strings.Contains(string(data), name) {
			t.Errorf("point JSON lacks %s: %s", name, data)
		}
	}
	var back Point
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, pts[0]) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, pts[0])
	}
}

func TestCheckAgainstCluster(t *testing.T) {
	pts, _ := mustPoints(t, header+"sweep:\n  matrix:\n    replication.factor: [1, 3]\n")
	if err := CheckAgainstCluster(pts, 3); err != nil {
		t.Errorf("3 brokers: %v", err)
	}
	err := CheckAgainstCluster(pts, 1)
	if err == nil || !strings.Contains(err.Error(), "point rf-3 (level 2): replication factor 3 is greater than the cluster's 1 broker(s)") {
		t.Errorf("1 broker: %v", err)
	}
	if strings.Contains(err.Error(), "rf-1") {
		t.Errorf("point rf-1 fits on one broker: %v", err)
	}
}

func TestShippedProfiles(t *testing.T) {
	list, err := List()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"capacity", "consumer-commit", "durability-ladder", "flush-sweep", "linger-sweep", "loss-ladder", "quick", "transaction-size"}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
		if s.Description == "" {
			t.Errorf("%s has no description", s.Name)
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("shipped profiles %v, want %v", names, want)
	}
	for _, name := range want {
		p, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(p.File) != name+".yaml" {
			t.Errorf("profile %s lives in %s", name, p.File)
		}
		warns, verr := p.Validate()
		if verr != nil {
			t.Errorf("%s: %v", name, verr)
		}
		if len(warns) != 0 {
			t.Errorf("%s has warnings: %v", name, warns)
		}
	}
}

func TestQuickIsCISized(t *testing.T) {
	p, err := Load("quick")
	if err != nil {
		t.Fatal(err)
	}
	pts, err := p.Points()
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, pt := range pts {
		total += pt.Workload.Duration + pt.Workload.Warmup
		if len(pt.BrokerStaticConfig()) > 0 {
			t.Errorf("quick point %s needs a broker restart", pt.ID)
		}
	}
	if len(pts) < 2 || len(pts) > 3 || total > 15*time.Second {
		t.Errorf("quick: %d points, %s of traffic; want 2-3 points and at most 15s", len(pts), total)
	}
}

func TestDurabilityLadderChangesOneStepAtATime(t *testing.T) {
	p, err := Load("durability-ladder")
	if err != nil {
		t.Fatal(err)
	}
	pts, err := p.Points()
	if err != nil {
		t.Fatal(err)
	}
	// The top rung is one step, exactly-once: transactions (and their size) with read_committed.
	want := []string{"acks-0", "acks-1", "acks-all", "acks-all_idem", "acks-all_idem_isr-2_unclean-off", "acks-all_idem_isr-2_unclean-off_flush-1",
		"acks-all_idem_isr-2_unclean-off_flush-1_txn_txnms-100_read-committed"}
	if got := ids(pts); !reflect.DeepEqual(got, want) {
		t.Errorf("ladder %q, want %q", got, want)
	}
	for _, pt := range pts[1:] {
		if !reflect.DeepEqual(pt.Workload, pts[0].Workload) {
			t.Errorf("rung %s has another workload", pt.ID)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("no-such-profile"); err == nil || !strings.Contains(err.Error(), "shipped: capacity, consumer-commit, durability-ladder") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := Load("testdata/nope.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestGolden pins what `kbench profiles show` prints for every shipped profile.
func TestGolden(t *testing.T) {
	names, err := shippedNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := p.Describe(&b); err != nil {
				t.Fatal(err)
			}
			compareFile(t, filepath.Join("testdata", "golden", name+".txt"), b.String())
		})
	}
}

// TestBroken checks the exact error text for every broken profile in testdata/broken.
func TestBroken(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no broken profiles: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := Load(f)
			if err == nil {
				_, err = p.Validate()
			}
			if err == nil {
				t.Fatal("no error")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			compareFile(t, strings.TrimSuffix(f, ".yaml")+".err", err.Error()+"\n")
		})
	}
}

func compareFile(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	shipped, _ := filepath.Glob(filepath.Join("shipped", "*.yaml"))
	for _, s := range append(seeds, shipped...) {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte(header + "sweep:\n  matrix: &m\n    acks: [1]\n  points: [*m, *m]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Parse error is not a ValidationError with problems: %v", err)
			}
			return
		}
		_, verr := p.Validate()
		pts, perr := p.Points()
		if (verr == nil) != (perr == nil) {
			t.Fatalf("Validate says %v but Points says %v", verr, perr)
		}
		if perr == nil {
			if len(pts) == 0 {
				t.Fatal("a valid profile expanded to no points")
			}
			var b strings.Builder
			if err := WritePlan(&b, pts); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestReadmeExample keeps the commented example in README.md valid and its documented expansion true.
func TestReadmeExample(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "```yaml\n")
	if start < 0 {
		t.Fatal("README.md has no yaml example")
	}
	body := text[start+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	pts, warns := mustPoints(t, body)
	want := []string{"acks-1", "acks-1_isr-2_unclean-off", "acks-all", "acks-all_isr-2_unclean-off"}
	if got := ids(pts); !reflect.DeepEqual(got, want) {
		t.Errorf("README example expands to %q, README says %q", got, want)
	}
	if len(warns) != 0 {
		t.Errorf("README example has warnings: %v", warns)
	}
}
