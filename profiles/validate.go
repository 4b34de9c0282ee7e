package profiles

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Validate checks the whole profile and returns warnings: choices that are legal but risky, and
// matrix combinations left out because they cannot run; and, separately, every error at once (a
// *ValidationError, or nil). Nothing is fixed silently. The error decides whether anything runs;
// warnings are only printed.
func (p *Profile) Validate() ([]Problem, error) {
	_, errs, warns := p.expand()
	return warns, asError(errs)
}

// Points expands the profile into validated points in level order (least durable first), or
// returns a *ValidationError listing every problem.
func (p *Profile) Points() ([]Point, error) {
	pts, errs, _ := p.expand()
	if len(errs) > 0 {
		return nil, asError(errs)
	}
	return pts, nil
}

// CheckAgainstCluster reports every point whose replication factor (or min.insync.replicas) the
// connected cluster cannot satisfy. The runner calls it once it knows the broker count.
func CheckAgainstCluster(points []Point, brokers int) error {
	var errs []error
	for _, pt := range points {
		rf := pt.TopicReplicationFactor()
		if rf > brokers {
			errs = append(errs, fmt.Errorf("point %s (level %d): replication factor %d is greater than the cluster's %d broker(s)",
				pt.ID, pt.Level.Rank, rf, brokers))
		}
	}
	return errors.Join(errs...)
}

// MinISRCheckedKafkaVersion is the Kafka version whose handling of min.insync.replicas above the
// replication factor minISRAboveRF describes, as read in its source and tested on a real cluster
// (runner's TestIntegrationMinISRAboveReplicationFactor fails on another version).
const MinISRCheckedKafkaVersion = "4.3.1"

// minISRAboveRF says what a broker really does with min.insync.replicas above the replication
// factor. Kafka accepts the topic and caps the requirement at the replica count
// (Partition.effectiveMinIsr = min(min.insync.replicas, replicas)): acks=all writes are
// acknowledged while every replica is in sync and refused once one drops out, the behaviour of
// min.insync.replicas = RF. A point labelled with the larger value would measure that other
// setting under a false name, so it stays an error, with the value that means what Kafka does.
func minISRAboveRF(minISR, rf int) string {
	return fmt.Sprintf("min.insync.replicas=%d is greater than the replication factor %d: Kafka %s (tested) accepts it but caps the requirement at the replica count, so it acts as min.insync.replicas=%d: acks=all writes are acknowledged while all %d replicas are in sync and refused (NOT_ENOUGH_REPLICAS) once one drops out; set min.insync.replicas=%d to measure that, or lower it",
		minISR, rf, MinISRCheckedKafkaVersion, rf, rf, rf)
}

// Reserved pass-through keys: each is a kbench setting (or the runner's) under another name.
var (
	producerReserved = map[string]string{
		"acks": "acks", "request.required.acks": "acks",
		"enable.idempotence": "enable.idempotence",
		"linger.ms":          "linger.ms", "queue.buffering.max.ms": "linger.ms",
		"max.in.flight.requests.per.connection": "max.in.flight.requests.per.connection",
		"max.in.flight":                         "max.in.flight.requests.per.connection",
		"compression.type":                      "workload.compression.type", "compression.codec": "workload.compression.type",
		"batch.size":          "workload.batch.size",
		"request.timeout.ms":  "workload.request.timeout.ms",
		"delivery.timeout.ms": "workload.delivery.timeout.ms", "message.timeout.ms": "workload.delivery.timeout.ms",
		"retries": "workload.retries", "message.send.max.retries": "workload.retries",
		"retry.backoff.ms": "workload.retry.backoff.ms",
		"transactional.id": "transactional",
	}
	consumerReserved = map[string]string{"enable.auto.commit": "commit.mode", "isolation.level": "isolation.level"}
	topicReserved    = map[string]string{
		"min.insync.replicas": "min.insync.replicas", "flush.messages": "flush.messages", "flush.ms": "flush.ms",
		"unclean.leader.election.enable": "unclean.leader.election.enable",
		"replication.factor":             "workload.replication.factor",
	}
	runnerOwned = []string{"bootstrap.servers", "metadata.broker.list", "group.id"}
)

// PassThroughOwner says which kbench key a pass-through property of class ("producer",
// "consumer" or "topic") belongs to, such as ("producer", "request.required.acks") -> "acks";
// workload keys carry their "workload." prefix. Validation refuses such properties; `kbench run`
// uses it to name the flag that sets the key instead.
func PassThroughOwner(class, key string) (string, bool) {
	m := map[string]map[string]string{"producer": producerReserved, "consumer": consumerReserved, "topic": topicReserved}[class]
	owner, ok := m[key]
	return owner, ok
}

// origin says where a point's setting came from, so a conflict is reported at (or, for a matrix,
// dropped because of) the right line.
type origin struct {
	fromMatrix bool
	field      string
	line       int
}

// candidate is one combination before it becomes a Point.
type candidate struct {
	sweep   Settings // settings from sweep.points and sweep.matrix (the id and label)
	full    Settings // plus the workload's fixed settings
	origins map[string]origin
	level   string
	spec    int      // index in sweep.points, or -1 for a matrix-only profile
	varying Settings // matrix settings whose axis has more than one value (level name suffix)
}

// conflict is an impossible combination: keys[0] is where it is reported.
type conflict struct {
	keys    []string
	message string
}

func (p *Profile) line(field string) int { return p.lines[field] }

func (p *Profile) problem(line int, field, format string, args ...any) Problem {
	return Problem{File: p.File, Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
}

// expand is the single place that checks and expands a profile.
func (p *Profile) expand() ([]Point, []Problem, []Problem) {
	var errs, warns problemList
	for _, pr := range p.problems {
		errs.add(pr)
	}
	p.checkWorkload(&errs)
	if !p.checkPlacement(&errs) || !p.checkSweepSize(&errs) {
		return nil, errs.sorted(), warns.sorted()
	}
	cands := p.candidates(&errs, &warns)
	if len(cands) == 0 && len(errs.items) == 0 {
		errs.add(p.problem(p.line("sweep"), "sweep", "every combination was left out as impossible (see the warnings); nothing to run"))
	}
	points := p.pointsOf(cands, &errs, &warns)
	if len(errs.items) > 0 {
		return nil, errs.sorted(), warns.sorted()
	}
	sortByDurability(points)
	for i := range points {
		points[i].Level.Rank = i + 1
	}
	return points, nil, warns.sorted()
}

// checkPlacement reports keys set in more than one place: a key may be fixed under workload,
// swept in the matrix, or set in the points, but in one place only; if it is set in two, what the
// combinations mean is unclear, so they are not expanded (false).
func (p *Profile) checkPlacement(errs *problemList) bool {
	before := len(errs.items)
	inMatrix := map[string]Axis{}
	for _, ax := range p.Matrix {
		inMatrix[ax.Key] = ax
		if _, fixed := p.Fixed[ax.Key]; fixed {
			errs.add(p.problem(ax.Line, "sweep.matrix."+ax.Key, "also fixed as workload.%s (line %d); set it in one place", ax.Key, p.line("workload."+ax.Key)))
		}
	}
	for i, sp := range p.Explicit {
		for _, k := range sortedKeys(sp.Settings) {
			f := fmt.Sprintf("sweep.points[%d].%s", i, k)
			if _, fixed := p.Fixed[k]; fixed {
				errs.add(p.problem(p.lineOr(f, sp.Line), f, "also fixed as workload.%s (line %d); set it in one place", k, p.line("workload."+k)))
			}
			if ax, ok := inMatrix[k]; ok {
				errs.add(p.problem(p.lineOr(f, sp.Line), f, "also swept in sweep.matrix (line %d); set it in one place", ax.Line))
			}
		}
	}
	return len(errs.items) == before
}

// checkSweepSize refuses an empty sweep and bounds the expansion before doing it.
func (p *Profile) checkSweepSize(errs *problemList) bool {
	if len(p.Matrix) == 0 && len(p.Explicit) == 0 {
		if !p.hasProblemAt("sweep") {
			errs.add(p.problem(p.line("sweep"), "sweep", "empty sweep: give a matrix, a list of points, or both"))
		}
		return false
	}
	total := max(1, len(p.Explicit))
	for _, ax := range p.Matrix {
		if total > maxPoints {
			break
		}
		total *= len(ax.Values)
	}
	if total > maxPoints {
		errs.add(p.problem(p.line("sweep"), "sweep", "expands to more than %d points; split the profile", maxPoints))
		return false
	}
	return true
}

// candidates crosses every point spec with every matrix combination and keeps the combinations
// whose settings do not conflict (checkConflicts reports the others).
func (p *Profile) candidates(errs, warns *problemList) []candidate {
	fixed := settingsFromMap(p.Fixed)
	specs := p.Explicit
	if len(specs) == 0 {
		specs = []PointSpec{{}}
	}
	var cands []candidate
	for i, sp := range specs {
		if sp.broken {
			continue
		}
		for _, combo := range p.combinations() {
			c := p.candidate(i, sp, combo, fixed)
			if p.checkConflicts(c, errs, warns) {
				cands = append(cands, c)
			}
		}
	}
	return cands
}

// candidate is point spec i (sp) at one matrix combination, with where each of its settings
// comes from.
func (p *Profile) candidate(i int, sp PointSpec, combo []int, fixed Settings) candidate {
	c := candidate{origins: map[string]origin{}, level: sp.Level, spec: i}
	if len(p.Explicit) == 0 {
		c.spec = -1
	}
	for k := range p.Fixed {
		c.origins[k] = origin{field: "workload." + k, line: p.line("workload." + k)}
	}
	pointSet := settingsFromMap(sp.Settings)
	for k := range sp.Settings {
		f := fmt.Sprintf("sweep.points[%d].%s", i, k)
		c.origins[k] = origin{field: f, line: p.lineOr(f, sp.Line)}
	}
	matrixSet := Settings{}
	for ai, ax := range p.Matrix {
		v := ax.Values[combo[ai]]
		c.origins[ax.Key] = origin{fromMatrix: true, field: "sweep.matrix." + ax.Key, line: ax.Line}
		if v == valueDefault {
			continue
		}
		k, _ := settingKeyByName(ax.Key)
		k.set(&matrixSet, v)
		if len(ax.Values) > 1 {
			k.set(&c.varying, v)
		}
	}
	c.sweep = merge(pointSet, matrixSet)
	c.full = merge(fixed, c.sweep)
	return c
}

// pointsOf turns the candidates into points with ids, labels and level names, refusing two
// points with the same settings or the same level name.
func (p *Profile) pointsOf(cands []candidate, errs, warns *problemList) []Point {
	points := make([]Point, 0, len(cands))
	byID := map[string]int{}
	byName := map[string]string{}
	for ci, c := range cands {
		pt := p.pointOf(c)
		if prev, dup := byID[pt.ID]; dup {
			errs.add(p.problem(p.pointLine(c), p.pointField(c), "same settings (%s) as an earlier point (line %d)", pt.Label, p.pointLine(cands[prev])))
			continue
		}
		byID[pt.ID] = ci
		if other, dup := byName[pt.Level.Name]; dup {
			errs.add(p.problem(p.pointLine(c), p.pointField(c), "level name %q is already used by point %s", pt.Level.Name, other))
			continue
		}
		byName[pt.Level.Name] = pt.ID
		p.checkClientProperties(c, pt, errs)
		pt.Notes = p.notes(c, pt, warns)
		points = append(points, pt)
	}
	return points
}

// pointOf is candidate c as a point: the workload with its own copies of the property maps, the
// full settings, id, label and level name.
func (p *Profile) pointOf(c candidate) Point {
	pt := Point{Workload: p.Workload, Settings: c.full}
	pt.Workload.ProducerProps = copyMap(p.Workload.ProducerProps)
	pt.Workload.ConsumerProps = copyMap(p.Workload.ConsumerProps)
	pt.Workload.TopicProps = copyMap(p.Workload.TopicProps)
	if c.full.ReplicationFactor != nil {
		pt.Workload.ReplicationFactor = *c.full.ReplicationFactor
	}
	pt.ID, pt.Label = slugAndLabel(c.sweep)
	pt.Level.Name = pt.Label
	if c.level != "" {
		pt.Level.Name = c.level
		if len(settingsMap(c.varying)) > 0 {
			_, suffix := slugAndLabel(c.varying)
			pt.Level.Name += " " + suffix
		}
	}
	return pt
}

func (p *Profile) lineOr(field string, fallback int) int {
	if l, ok := p.lines[field]; ok {
		return l
	}
	return fallback
}

func (p *Profile) hasProblemAt(prefix string) bool {
	for _, pr := range p.problems {
		if strings.HasPrefix(pr.Field, prefix) {
			return true
		}
	}
	return false
}

// pointLine and pointField place a problem about a whole candidate: its explicit point if it
// has one, else the matrix.
func (p *Profile) pointLine(c candidate) int {
	if c.spec >= 0 {
		return p.Explicit[c.spec].Line
	}
	return p.line("sweep.matrix")
}

func (p *Profile) pointField(c candidate) string {
	if c.spec >= 0 {
		return "sweep.points[" + strconv.Itoa(c.spec) + "]"
	}
	return "sweep.matrix"
}

// combinations enumerates the matrix as index tuples, first axis slowest.
func (p *Profile) combinations() [][]int {
	out := [][]int{{}}
	for _, ax := range p.Matrix {
		var next [][]int
		for _, prefix := range out {
			for vi := range ax.Values {
				c := append(append([]int(nil), prefix...), vi)
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

// checkConflicts reports impossible combinations. A conflict that involves a matrix key is a
// combination the user did not write out: it is left out with a warning. Otherwise the user
// wrote it (an explicit point or the workload) and it is an error. It returns whether c runs.
func (p *Profile) checkConflicts(c candidate, errs, warns *problemList) bool {
	s, w := c.full, p.Workload
	rf := w.ReplicationFactor
	if s.ReplicationFactor != nil {
		rf = *s.ReplicationFactor
	}
	var cs []conflict
	idem := s.Idempotence != nil && *s.Idempotence
	if idem && s.Acks != nil && *s.Acks != AcksAll {
		cs = append(cs, conflict{[]string{"acks", "enable.idempotence"},
			fmt.Sprintf("acks=%s with enable.idempotence=true: idempotence needs acks=all (librdkafka refuses to create the producer)", *s.Acks)})
	}
	if idem && s.MaxInFlightRequests != nil && *s.MaxInFlightRequests > 5 {
		cs = append(cs, conflict{[]string{"max.in.flight.requests.per.connection", "enable.idempotence"},
			fmt.Sprintf("max.in.flight.requests.per.connection=%d with enable.idempotence=true: idempotence needs at most 5 (librdkafka refuses to create the producer)", *s.MaxInFlightRequests)})
	}
	if idem && w.Retries != nil && *w.Retries == 0 {
		cs = append(cs, conflict{[]string{"enable.idempotence"},
			fmt.Sprintf("enable.idempotence=true with workload.retries=0 (line %d): idempotence needs retries >= 1", p.line("workload.retries"))})
	}
	if s.MinInsyncReplicas != nil && rf > 0 && *s.MinInsyncReplicas > rf {
		cs = append(cs, conflict{[]string{"min.insync.replicas", "replication.factor"},
			minISRAboveRF(*s.MinInsyncReplicas, rf)})
	}
	if s.CommitMode != nil && w.Consumers == 0 && p.lines["workload.consumers"] > 0 {
		cs = append(cs, conflict{[]string{"commit.mode"},
			fmt.Sprintf("commit.mode=%s has no effect with workload.consumers=0 (line %d)", *s.CommitMode, p.line("workload.consumers"))})
	}
	if s.LingerMs != nil && w.DeliveryTimeout > 0 && w.DeliveryTimeout.Milliseconds() <= int64(*s.LingerMs) {
		cs = append(cs, conflict{[]string{"linger.ms"},
			fmt.Sprintf("linger.ms=%d is not less than workload.delivery.timeout.ms=%d: every record would time out while lingering", *s.LingerMs, w.DeliveryTimeout.Milliseconds())})
	}
	cs = append(cs, p.txnConflicts(s, w)...)
	cs = append(cs, p.copyConflicts(s, w)...)
	ok := true
	for _, cf := range cs {
		var matrixOrigin *origin
		for _, k := range cf.keys {
			if o, set := c.origins[k]; set && o.fromMatrix {
				matrixOrigin = &o
				break
			}
		}
		if matrixOrigin != nil {
			_, label := slugAndLabel(c.sweep)
			warns.add(p.problem(matrixOrigin.line, "sweep.matrix", "left out %s: %s", label, cf.message))
			ok = false
			continue
		}
		o, set := c.origins[cf.keys[0]]
		if !set {
			o = origin{field: "workload", line: p.line("workload")}
		}
		errs.add(p.problem(o.line, o.field, "%s", cf.message))
		ok = false
	}
	return ok
}

// txnConflicts reports transaction settings that cannot run as written: the transaction knobs
// without transactional: true, a transactional producer without a transaction size or with
// settings librdkafka refuses (transactions need idempotence, so acks=all), and an isolation
// level without consumers.
func (p *Profile) txnConflicts(s Settings, w Workload) []conflict {
	var cs []conflict
	txn := s.Transactional != nil && *s.Transactional
	for _, k := range []struct {
		key string
		set bool
	}{{"transaction.records", s.TransactionRecords != nil}, {"transaction.ms", s.TransactionMs != nil},
		{"transaction.abort.ratio", s.TransactionAbortRatio != nil}} {
		if k.set && !txn {
			cs = append(cs, conflict{[]string{k.key, "transactional"},
				fmt.Sprintf("%s needs transactional: true (it shapes the producers' transactions)", k.key)})
		}
	}
	if !txn {
		if s.IsolationLevel != nil && w.Consumers == 0 && p.lines["workload.consumers"] > 0 {
			cs = append(cs, conflict{[]string{"isolation.level"},
				fmt.Sprintf("isolation.level=%s has no effect with workload.consumers=0 (line %d)", *s.IsolationLevel, p.line("workload.consumers"))})
		}
		return cs
	}
	if s.TransactionRecords == nil && s.TransactionMs == nil {
		cs = append(cs, conflict{[]string{"transactional"},
			"transactional: true needs transaction.records or transaction.ms (how many records, or how long, each transaction holds)"})
	}
	if s.Idempotence != nil && !*s.Idempotence {
		cs = append(cs, conflict{[]string{"transactional", "enable.idempotence"},
			"transactional: true with enable.idempotence=false: transactions need the idempotent producer (librdkafka refuses to create it)"})
	}
	if s.Acks != nil && *s.Acks != AcksAll {
		cs = append(cs, conflict{[]string{"transactional", "acks"},
			fmt.Sprintf("transactional: true with acks=%s: transactions need acks=all (librdkafka refuses to create the producer)", *s.Acks)})
	}
	if s.MaxInFlightRequests != nil && *s.MaxInFlightRequests > 5 {
		cs = append(cs, conflict{[]string{"transactional", "max.in.flight.requests.per.connection"},
			fmt.Sprintf("transactional: true with max.in.flight.requests.per.connection=%d: transactions need at most 5", *s.MaxInFlightRequests)})
	}
	return append(cs, txnTimeoutConflict(w)...)
}

// defaultTxnTimeoutMs is the clients' transaction.timeout.ms (librdkafka's and Java's default).
const defaultTxnTimeoutMs = 60000

// txnTimeoutConflict refuses a delivery timeout longer than the transaction timeout: the
// coordinator aborts a transaction before such a record could time out, and librdkafka refuses
// to create the producer ("message.timeout.ms must be set <= transaction.timeout.ms"), which
// would fail every point at its start instead of here.
func txnTimeoutConflict(w Workload) []conflict {
	txnMs := int64(defaultTxnTimeoutMs)
	if v, err := strconv.ParseInt(w.ProducerProps["transaction.timeout.ms"], 10, 64); err == nil && v > 0 {
		txnMs = v
	}
	if d := w.DeliveryTimeout.Milliseconds(); d > txnMs {
		return []conflict{{[]string{"transactional", "delivery.timeout.ms"},
			fmt.Sprintf("transactional: true with workload.delivery.timeout.ms=%d above transaction.timeout.ms=%d: a transaction times out before its records could; lower delivery.timeout.ms or set transaction.timeout.ms in workload.producer", d, txnMs)}}
	}
	return nil
}

// MinMessageSize is the smallest record kbench can send: its fixed record header (producer id,
// sequence, send time; record.HeaderLen), which the audit and the end-to-end latency read from
// every record. A smaller size would be sent as this size while the result said otherwise, so it
// is refused.
const MinMessageSize = 20

// checkMessageSize refuses message sizes below MinMessageSize, naming the minimum. A size the
// parser already refused (missing, not a number) is not reported twice.
func (p *Profile) checkMessageSize(errs *problemList) {
	if p.hasProblemAt("workload.message.size") {
		return
	}
	w := p.Workload
	for _, f := range []struct {
		field string
		v     int
	}{{"workload.message.size.min", w.MessageSizeMin}, {"workload.message.size.max", w.MessageSizeMax}} {
		if f.v >= MinMessageSize || (f.field == "workload.message.size.max" && w.MessageSizeMax == w.MessageSizeMin) {
			continue
		}
		field := f.field
		if _, ok := p.lines[field]; !ok {
			field = "workload.message.size" // the single-number form
		}
		errs.add(p.problem(p.line(field), field,
			"want at least %d bytes (the kbench record header: producer id, sequence and send time), got %d", MinMessageSize, f.v))
	}
}

// checkWorkload checks what does not depend on the sweep.
func (p *Profile) checkWorkload(errs *problemList) {
	w := p.Workload
	if w.Duration > 0 && w.Duration <= w.Warmup {
		errs.add(p.problem(p.line("workload.duration"), "workload.duration",
			"the measured duration (%s) must be longer than the warmup (%s)", w.Duration, w.Warmup))
	}
	p.checkMessageSize(errs)
	if w.MessageSizeMin > 0 && w.MessageSizeMax > 0 && w.MessageSizeMin > w.MessageSizeMax {
		errs.add(p.problem(p.line("workload.message.size.min"), "workload.message.size",
			"min (%d) is greater than max (%d)", w.MessageSizeMin, w.MessageSizeMax))
	}
	if w.Backlog() {
		switch {
		case w.Consumers == 0 && p.lines["workload.consumers"] > 0:
			errs.add(p.problem(p.line("workload.consume.mode"), "workload.consume.mode",
				"consume.mode backlog needs consumers, but workload.consumers is 0 (line %d)", p.line("workload.consumers")))
		case w.Search != nil:
			errs.add(p.problem(p.line("workload.consume.mode"), "workload.consume.mode",
				"consume.mode backlog cannot go with rate: search (line %d): the search judges live end-to-end latency", p.line("workload.rate")))
		}
	}
	check := func(class string, m map[string]string, reserved map[string]string) {
		for _, k := range sortedKeys(m) {
			f := "workload." + class + "." + k
			if use, ok := reserved[k]; ok {
				if line, set := p.setAt(use); set && k == strings.TrimPrefix(use, "workload.") {
					errs.add(p.problem(p.line(f), f, "%s is given twice: as a kbench setting (line %d) and as a pass-through property; keep the setting", k, line))
				} else if set {
					errs.add(p.problem(p.line(f), f, "%s is another name for %s, which is already set on line %d: set it once, there", k, use, line))
				} else if _, sweepable := settingKeyByName(use); sweepable {
					errs.add(p.problem(p.line(f), f, "%s is a kbench setting: set %s under workload (fixed) or in the sweep, not as a pass-through property", k, use))
				} else {
					errs.add(p.problem(p.line(f), f, "%s is a kbench setting: set %s, not a pass-through property", k, use))
				}
			}
			for _, r := range runnerOwned {
				if k == r {
					errs.add(p.problem(p.line(f), f, "%s is set by kbench itself (bootstrap servers, consumer group), not by a profile", k))
				}
			}
		}
	}
	check("producer", w.ProducerProps, producerReserved)
	check("consumer", w.ConsumerProps, consumerReserved)
	check("topic", w.TopicProps, topicReserved)
}

// setAt says whether the profile sets key (a sweepable setting, or "workload."-prefixed) itself,
// and on which line: a pass-through property that sets it again is the same key given twice.
func (p *Profile) setAt(key string) (int, bool) {
	if strings.HasPrefix(key, "workload.") {
		line, ok := p.lines[key]
		return line, ok
	}
	if _, ok := p.Fixed[key]; ok {
		return p.line("workload." + key), true
	}
	for _, ax := range p.Matrix {
		if ax.Key == key {
			return ax.Line, true
		}
	}
	for _, sp := range p.Explicit {
		if _, ok := sp.Settings[key]; ok {
			return sp.Line, true
		}
	}
	return 0, false
}

// notes lists what a reader of this point's results must know, and raises the matching
// profile warnings.
func (p *Profile) notes(c candidate, pt Point, warns *problemList) []string {
	s := c.full
	var notes []string
	warn := func(key, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		notes = append(notes, msg)
		o := c.origins[key]
		warns.add(p.problem(o.line, o.field, "%s", msg))
	}
	if s.Acks != nil && *s.Acks == AcksNone {
		notes = append(notes, "acks=0: nothing is acknowledged; produce latency is enqueue-to-socket time, and a record reported delivered may never have been written")
	}
	rf := pt.TopicReplicationFactor()
	if s.MinInsyncReplicas != nil && *s.MinInsyncReplicas == rf && rf > 1 {
		warn("min.insync.replicas", "min.insync.replicas=%d equals the replication factor: one broker down stops acks=all writes", rf)
	}
	if s.UncleanLeaderElection != nil && *s.UncleanLeaderElection {
		warn("unclean.leader.election.enable", "unclean.leader.election.enable=true: an out-of-sync replica may become leader and acknowledged records can be lost")
	}
	if s.BrokerFlushSchedulerIntervalMs == nil {
		if s.FlushMs != nil {
			warn("flush.ms", "flush.ms=%d without a finite log.flush.scheduler.interval.ms: the broker's background flusher never runs, so flush.ms cannot take effect (unless the cluster already sets it)", *s.FlushMs)
		}
		if s.BrokerFlushIntervalMs != nil {
			warn("log.flush.interval.ms", "log.flush.interval.ms=%d without a finite log.flush.scheduler.interval.ms: the broker's background flusher never runs, so it cannot take effect (unless the cluster already sets it)", *s.BrokerFlushIntervalMs)
		}
	} else if s.FlushMs != nil && *s.FlushMs < *s.BrokerFlushSchedulerIntervalMs {
		notes = append(notes, fmt.Sprintf("flush.ms=%d is shorter than log.flush.scheduler.interval.ms=%d: flushes happen at most every %d ms", *s.FlushMs, *s.BrokerFlushSchedulerIntervalMs, *s.BrokerFlushSchedulerIntervalMs))
	}
	return notes
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sortByDurability orders points from least to most durable; see DurabilityKey.
func sortByDurability(points []Point) {
	sort.SliceStable(points, func(i, j int) bool {
		a, b := points[i].DurabilityKey(), points[j].DurabilityKey()
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return naturalLess(points[i].ID, points[j].ID)
	})
}

// MinCopyMessageSize is the smallest record the copy pipeline can carry: the record header plus
// the copier's tag (record.CopyTagLen: which copier instance wrote the copy, in which of its
// transactions), which is how the audit tells a fenced copier's writes from its replacement's.
const MinCopyMessageSize = 28

// copyConflicts reports a copy pipeline that cannot run as written: no consumers (the copiers
// and the measuring consumers are workload.consumers each), a measuring consumer that would see
// uncommitted copies, a commit.mode (copiers commit their offsets in their transactions), a
// record too small for the copier's tag, or the backlog consume mode.
func (p *Profile) copyConflicts(s Settings, w Workload) []conflict {
	if s.Pipeline == nil || *s.Pipeline != PipelineCopy {
		return nil
	}
	var cs []conflict
	if w.Consumers == 0 {
		cs = append(cs, conflict{[]string{"pipeline"},
			"pipeline=copy needs workload.consumers >= 1 (that many copier processes and measuring consumers)"})
	}
	if s.IsolationLevel != nil && *s.IsolationLevel != ReadCommitted {
		cs = append(cs, conflict{[]string{"pipeline", "isolation.level"},
			fmt.Sprintf("pipeline=copy with isolation.level=%s: the copy pipeline reads with read_committed (that is its promise)", *s.IsolationLevel)})
	}
	if s.CommitMode != nil {
		cs = append(cs, conflict{[]string{"pipeline", "commit.mode"},
			fmt.Sprintf("pipeline=copy with commit.mode=%s: copiers commit their offsets inside their transactions; leave commit.mode out", *s.CommitMode)})
	}
	if min(w.MessageSizeMin, w.MessageSizeMax) < MinCopyMessageSize && w.MessageSizeMin > 0 {
		cs = append(cs, conflict{[]string{"pipeline"},
			fmt.Sprintf("pipeline=copy with message.size %d: copied records carry the copier's tag after the header, want at least %d bytes (line %d)", min(w.MessageSizeMin, w.MessageSizeMax), MinCopyMessageSize, p.line("workload.message.size"))})
	}
	if w.Backlog() {
		cs = append(cs, conflict{[]string{"pipeline"},
			"pipeline=copy with consume.mode backlog: the copiers run during the measured phase; leave consume.mode out"})
	}
	return cs
}
