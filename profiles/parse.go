package profiles

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Profile is one parsed profile file: what stays fixed (Workload, Fixed) and what a sweep varies
// (Matrix, Explicit). It is plain data; Validate checks it and Points expands it. A Profile from
// Parse or Load may still hold problems found while reading; Validate and Points report them.
type Profile struct {
	Name        string // short name, [a-z0-9-]; a shipped profile's name is its file name
	Description string // one line, shown by `kbench profiles list`
	File        string // where the profile came from, used in every error message
	Source      []byte // the file's text as read, kept in every run's index so a report shows it

	Workload Workload          // traffic and client plumbing, the same on every point
	Fixed    map[string]string // sweep settings given under workload: the same on every point (key -> value)
	Matrix   []Axis            // sweep.matrix, in file order: every combination of values
	Explicit []PointSpec       // sweep.points, in file order: each crossed with the matrix

	Faults        []Fault           // faults: what the runner breaks during every point's measured phase
	FaultCommands map[string]string // fault.commands: shell command per operation, for a remote cluster

	// Repeat is how many times every point is measured (`repeat: N`, 1 to MaxRepeat), in rounds
	// whose order is shuffled (see runner.Sweep); 0 when the profile does not say (once).
	Repeat int

	problems []Problem      // found while reading; reported by Validate
	lines    map[string]int // field path -> line, so semantic errors can point at the file
}

// Axis is one key of sweep.matrix and the values it takes. Values are canonical strings ("all",
// "true", "1000"); "default" leaves the setting unset.
type Axis struct {
	Key    string
	Values []string
	Line   int
}

// PointSpec is one entry of sweep.points: settings (key -> canonical value) and an optional
// level name shown on charts instead of the label.
type PointSpec struct {
	Level    string
	Settings map[string]string
	Line     int

	broken bool // had a reading problem; not expanded
}

// MaxRepeat bounds `repeat` and --repeat: beyond it a point's interval hardly narrows (it
// shrinks with the square root of the repetitions) while the run's time grows in proportion.
const MaxRepeat = 50

// maxPoints bounds a sweep's expansion, so a typo in a matrix cannot plan a week of runs (or
// exhaust memory while expanding).
const maxPoints = 1000

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Workload keys (besides the sweepable settings, which may also be fixed under workload).
var workloadKeys = []string{
	"message.size", "key.distribution", "partitions", "replication.factor", "producers", "consumers",
	"rate", "max.outstanding.records", "duration", "warmup", "compression.type", "batch.size",
	"request.timeout.ms", "delivery.timeout.ms", "retries", "retry.backoff.ms",
	"producer", "consumer", "topic", "search", "consume.mode", "latency",
}

var requiredWorkloadKeys = []string{
	"message.size", "partitions", "replication.factor", "producers", "consumers", "rate", "duration",
}

var (
	keyDistributions = []string{"none", "random", "sequential"}
	compressionTypes = []string{"none", "gzip", "snappy", "lz4", "zstd"}
	consumeModes     = []string{"live", ConsumeBacklog}
)

// Parse reads a profile from YAML. name is the file name used in messages. It returns an error
// only when data is not a YAML mapping at all; every other problem (unknown keys, wrong types,
// impossible combinations) is collected, and Validate or Points reports all of them at once.
func Parse(name string, data []byte) (prof *Profile, err error) {
	var doc yaml.Node
	if perr := safeUnmarshal(data, &doc); perr != nil {
		line, msg := yamlErrorLine(perr)
		return nil, &ValidationError{Problems: []Problem{{File: name, Line: line, Message: "not valid YAML: " + msg}}}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &ValidationError{Problems: []Problem{{File: name, Line: 1, Message: "empty profile"}}}
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, &ValidationError{Problems: []Problem{{File: name, Line: root.Line,
			Message: fmt.Sprintf("want a mapping with name, workload and sweep, got a %s", kindName(root))}}}
	}
	p := &Profile{File: name, Source: data, Fixed: map[string]string{}, lines: map[string]int{}}
	r := &reader{file: name, lines: p.lines}
	seen := map[string]bool{}
	for _, kv := range r.pairs(root, "") {
		seen[kv.key] = true
		switch kv.key {
		case "name":
			if s, ok := r.str(kv.val, "name"); ok {
				if !nameRE.MatchString(s) {
					r.add(kv.val, "name", "want lower-case letters, digits and dashes (it is typed on the command line), got '%s'", s)
				}
				p.Name = s
			}
		case "description":
			if s, ok := r.str(kv.val, "description"); ok {
				p.Description = strings.TrimSpace(s)
			}
		case "workload":
			r.workload(p, kv.val)
		case "sweep":
			r.sweep(p, kv.val)
		case "faults":
			r.faults(p, kv.val, kv.fullPath)
		case "fault.commands":
			r.faultCommands(p, kv.val, kv.fullPath)
		case "repeat":
			if v, ok := r.integer(kv.val, "repeat", "repetitions", 1, MaxRepeat); ok {
				p.Repeat = int(v)
			}
		default:
			r.unknown(kv, "", []string{"name", "description", "workload", "sweep", "faults", "fault.commands", "repeat"})
		}
	}
	r.checkFaultsAgainstWorkload(p)
	for _, k := range []string{"name", "workload", "sweep"} {
		if !seen[k] {
			r.add(root, k, "required key is missing")
		}
	}
	p.problems = r.probs.items
	return p, nil
}

// safeUnmarshal runs the YAML parser and turns a parser panic into an error: a profile is user
// input, and no input may crash kbench.
func safeUnmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("yaml: parser failed: %v", v)
		}
	}()
	return yaml.Unmarshal(data, n)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErrorLine splits yaml.v3's "yaml: line N: msg" into N and msg.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, strings.TrimPrefix(msg, m[0])
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// reader walks YAML nodes, converting values and collecting problems with their positions.
type reader struct {
	file  string
	probs problemList
	lines map[string]int
}

type pair struct {
	key      string
	keyNode  *yaml.Node
	val      *yaml.Node
	fullPath string
}

func (r *reader) add(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	r.probs.add(Problem{File: r.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// pairs lists a mapping's entries, reporting non-scalar and duplicate keys, and records each
// key's line under its field path.
func (r *reader) pairs(n *yaml.Node, prefix string) []pair {
	var out []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			r.add(k, prefix, "want a plain key, got a %s", kindName(k))
			continue
		}
		path := join(prefix, k.Value)
		if first, dup := seen[k.Value]; dup {
			r.add(k, path, "key given twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		r.lines[path] = k.Line
		out = append(out, pair{key: k.Value, keyNode: k, val: v, fullPath: path})
	}
	return out
}

func (r *reader) unknown(kv pair, prefix string, candidates []string) {
	if s := suggest(kv.key, candidates); s != "" {
		r.add(kv.keyNode, join(prefix, kv.key), "unknown key, did you mean %s?", s)
		return
	}
	r.add(kv.keyNode, join(prefix, kv.key), "unknown key (valid here: %s)", strings.Join(candidates, ", "))
}

// deref follows YAML aliases (*anchor) to the node they name, a bounded number of times.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty value"
		}
		return "value"
	default:
		return "alias"
	}
}

// got describes what the user wrote, for "want X, got Y" messages.
func got(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return "'" + n.Value + "'"
	}
	if n.Kind == yaml.ScalarNode {
		return "nothing"
	}
	return "a " + kindName(n)
}

func (r *reader) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		r.add(n, field, "want a text value, got %s", got(n))
		return "", false
	}
	return n.Value, true
}

func (r *reader) integer(n *yaml.Node, field, unit string, lo, hi int64) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		r.add(n, field, "want a number of %s, got %s", unit, got(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		r.add(n, field, "want a number of %s, got '%s'", unit, n.Value)
		return 0, false
	}
	if v < lo || v > hi {
		if hi == math.MaxInt64 {
			r.add(n, field, "want at least %d %s, got %d", lo, unit, v)
		} else {
			r.add(n, field, "want %d to %d %s, got %d", lo, hi, unit, v)
		}
		return 0, false
	}
	return v, true
}

func (r *reader) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	r.add(n, field, "want true or false, got %s", got(n))
	return false, false
}

func (r *reader) oneOf(n *yaml.Node, field string, choices []string) (string, bool) {
	if n.Kind == yaml.ScalarNode {
		for _, c := range choices {
			if n.Value == c {
				return c, true
			}
		}
	}
	r.add(n, field, "want one of %s; got %s", strings.Join(choices, ", "), got(n))
	return "", false
}

// ratio reads a share from 0 to 1 in canonical form ("0.1").
func (r *reader) ratio(n *yaml.Node, field string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil && v >= 0 && v <= 1 {
			return strconv.FormatFloat(v, 'g', -1, 64), true
		}
	}
	r.add(n, field, "want a share from 0 to 1 such as 0.1, got %s", got(n))
	return "", false
}

func (r *reader) duration(n *yaml.Node, field string, allowZero bool) (time.Duration, bool) {
	var d Duration
	if err := d.UnmarshalYAML(n); err != nil {
		r.add(n, field, "want a duration such as 30s or 2m, got %s", got(n))
		return 0, false
	}
	if d < 0 || (d == 0 && !allowZero) {
		r.add(n, field, "want a positive duration, got '%s'", n.Value)
		return 0, false
	}
	return time.Duration(d), true
}

func (r *reader) millis(n *yaml.Node, field string, lo int64) (time.Duration, bool) {
	v, ok := r.integer(n, field, "milliseconds", lo, math.MaxInt32)
	return time.Duration(v) * time.Millisecond, ok
}

// setting reads one sweepable setting's value in canonical form.
func (r *reader) setting(k settingKey, n *yaml.Node, field string, allowDefault bool) (string, bool) {
	if allowDefault && n.Kind == yaml.ScalarNode && n.Value == valueDefault {
		return valueDefault, true
	}
	switch k.kind {
	case kindInt:
		v, ok := r.integer(n, field, k.unit, k.min, k.max)
		return strconv.FormatInt(v, 10), ok
	case kindBool:
		v, ok := r.boolean(n, field)
		return strconv.FormatBool(v), ok
	case kindAcks:
		if n.Kind == yaml.ScalarNode {
			switch n.Value {
			case "0", "1", "all":
				return n.Value, true
			case "-1":
				r.add(n, field, "want 0, 1 or all, got '-1' (write it as all)")
				return "", false
			}
		}
		r.add(n, field, "want 0, 1 or all, got %s", got(n))
		return "", false
	case kindCommit:
		return r.oneOf(n, field, []string{string(CommitAuto), string(CommitAfterProcessing)})
	case kindClient:
		return r.oneOf(n, field, clientNames())
	case kindIsolation:
		return r.oneOf(n, field, []string{string(ReadCommitted), string(ReadUncommitted)})
	case kindPipeline:
		return r.oneOf(n, field, []string{string(PipelineDirect), string(PipelineCopy)})
	case kindRatio:
		return r.ratio(n, field)
	}
	return "", false
}

func (r *reader) workload(p *Profile, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.add(n, "workload", "want a mapping of workload keys, got %s", got(n))
		return
	}
	w := &p.Workload
	w.KeyDistribution = "none"
	seen := map[string]bool{}
	searchRate := false
	for _, kv := range r.pairs(n, "workload") {
		f := kv.fullPath
		seen[kv.key] = true
		v := kv.val
		switch kv.key {
		case "message.size":
			r.messageSize(w, v, f)
		case "key.distribution":
			w.KeyDistribution, _ = r.oneOf(v, f, keyDistributions)
		case "partitions":
			w.Partitions = r.intField(v, f, "partitions", 1, 1000000)
		case "replication.factor":
			w.ReplicationFactor = r.intField(v, f, "replicas", 1, math.MaxInt16)
		case "producers":
			w.Producers = r.instances(v, f, "producers", 1)
		case "consumers":
			w.Consumers = r.instances(v, f, "consumers", 0)
		case "rate":
			searchRate = r.rate(w, v, f)
		case "max.outstanding.records":
			w.MaxInFlight = r.intField(v, f, "records", 1, math.MaxInt32)
		case "duration":
			w.Duration, _ = r.duration(v, f, false)
		case "warmup":
			w.Warmup, _ = r.duration(v, f, true)
		case "compression.type":
			w.Compression, _ = r.oneOf(v, f, compressionTypes)
		case "batch.size":
			w.BatchSize = r.intField(v, f, "bytes", 1, math.MaxInt32)
		case "consume.mode":
			if mode, ok := r.oneOf(v, f, consumeModes); ok && mode == ConsumeBacklog {
				w.ConsumeMode = ConsumeBacklog
			}
		case "request.timeout.ms":
			w.RequestTimeout, _ = r.millis(v, f, 1)
		case "delivery.timeout.ms":
			w.DeliveryTimeout, _ = r.millis(v, f, 1)
		case "retries":
			if n, ok := r.integer(v, f, "retries", 0, math.MaxInt32); ok {
				i := int(n)
				w.Retries = &i
			}
		case "retry.backoff.ms":
			w.RetryBackoff, _ = r.millis(v, f, 1)
		case "producer":
			w.ProducerProps = r.props(v, f)
		case "consumer":
			w.ConsumerProps = r.props(v, f)
		case "topic":
			w.TopicProps = r.props(v, f)
		case "search":
			r.rateSearch(w, v, f)
		case "latency":
			r.latencyLoad(w, v, f)
		default:
			r.fixedSetting(p, kv)
		}
	}
	for _, k := range requiredWorkloadKeys {
		if !seen[k] {
			r.add(n, "workload."+k, "required key is missing")
		}
	}
	r.checkSearch(w, searchRate, n)
	r.checkLatency(w, searchRate, n)
}

// rate reads workload.rate: a number of messages per second, max (closed loop, Rate 0) or search
// (Rate 0, the runner searches for it: search.go); it reports whether it is search.
func (r *reader) rate(w *Workload, v *yaml.Node, f string) (search bool) {
	switch {
	case v.Kind == yaml.ScalarNode && v.Value == "max":
		w.Rate = 0
	case v.Kind == yaml.ScalarNode && v.Value == "search":
		w.Rate = 0
		return true
	case v.Kind == yaml.ScalarNode:
		if _, err := strconv.ParseInt(v.Value, 10, 64); err != nil {
			r.add(v, f, "want a number of messages per second, max or search, got '%s'", v.Value)
		} else {
			w.Rate = r.intField(v, f, "messages per second", 1, math.MaxInt32)
		}
	default:
		r.add(v, f, "want a number of messages per second, max or search, got %s", got(v))
	}
	return false
}

// fixedSetting reads a sweepable setting fixed under workload (it then holds for every point), or
// reports an unknown key with the closest known ones.
func (r *reader) fixedSetting(p *Profile, kv pair) {
	k, ok := settingKeyByName(kv.key)
	if !ok {
		r.unknown(kv, "workload", append(append([]string(nil), workloadKeys...), settingNames()...))
		return
	}
	if kv.val.Kind == yaml.ScalarNode && kv.val.Value == valueDefault {
		r.add(kv.val, kv.fullPath, "default is for sweeps; to keep the default here, leave %s out", kv.key)
		return
	}
	if c, ok := r.setting(k, kv.val, kv.fullPath, false); ok {
		p.Fixed[k.name] = c
	}
}

// MaxInstances bounds producers and, separately, consumers per profile: they all run in one
// kbench process (consumer workers aside), and each instance is its own librdkafka client, which
// starts three threads of its own plus one per broker (measured on the local 3-broker cluster: 6
// threads per producer or consumer, 4 while no broker answers). A reported run with 249
// producers failed with librdkafka's "Failed to create thread" (the thread limit is the host's;
// a 2-core host with a high limit ran 600), and well before any limit, hundreds of clients on a
// few cores measure the host's scheduler rather than Kafka (300 producers at 3,000 msg/s on 2
// cores: median produce latency 4 s). One producer sends any rate, so 100 costs nothing real.
const MaxInstances = 100

// instances reads producers or consumers, naming the reason when the bound is passed.
func (r *reader) instances(n *yaml.Node, field, unit string, lo int64) int {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil && v > MaxInstances {
			hint := "one producer sends any rate"
			if unit == "consumers" {
				hint = "consumers beyond the partition count sit idle"
			}
			r.add(n, field, "want %d to %d %s, got %d: each is its own librdkafka client with 3 threads plus one per broker, and one kbench process holds at most %d (%s)",
				lo, MaxInstances, unit, v, MaxInstances, hint)
			return 0
		}
	}
	return r.intField(n, field, unit, lo, MaxInstances)
}

func (r *reader) intField(n *yaml.Node, field, unit string, lo, hi int64) int {
	v, _ := r.integer(n, field, unit, lo, hi)
	return int(v)
}

func (r *reader) messageSize(w *Workload, n *yaml.Node, field string) {
	if n.Kind != yaml.MappingNode {
		v := r.intField(n, field, "bytes", 1, math.MaxInt32)
		w.MessageSizeMin, w.MessageSizeMax = v, v
		return
	}
	seen := map[string]bool{}
	for _, kv := range r.pairs(n, field) {
		seen[kv.key] = true
		switch kv.key {
		case "min":
			w.MessageSizeMin = r.intField(kv.val, kv.fullPath, "bytes", 1, math.MaxInt32)
		case "max":
			w.MessageSizeMax = r.intField(kv.val, kv.fullPath, "bytes", 1, math.MaxInt32)
		default:
			r.unknown(kv, field, []string{"min", "max"})
		}
	}
	for _, k := range []string{"min", "max"} {
		if !seen[k] {
			r.add(n, field+"."+k, "required key is missing (give a number of bytes, or min and max)")
		}
	}
}

// props reads a pass-through property map: each value is kept as written.
func (r *reader) props(n *yaml.Node, field string) map[string]string {
	if n.Kind != yaml.MappingNode {
		r.add(n, field, "want a mapping of property names to values, got %s", got(n))
		return nil
	}
	m := map[string]string{}
	for _, kv := range r.pairs(n, field) {
		if kv.val.Kind != yaml.ScalarNode || kv.val.Tag == "!!null" {
			r.add(kv.val, kv.fullPath, "want a single value, got %s", got(kv.val))
			continue
		}
		m[kv.key] = kv.val.Value
	}
	return m
}

func settingNames() []string {
	out := make([]string, len(settingKeys))
	for i, k := range settingKeys {
		out[i] = k.name
	}
	return out
}

func (r *reader) sweep(p *Profile, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.add(n, "sweep", "want a mapping with matrix and/or points, got %s", got(n))
		return
	}
	r.lines["sweep"] = n.Line
	for _, kv := range r.pairs(n, "sweep") {
		switch kv.key {
		case "matrix":
			r.matrix(p, kv.val, kv.fullPath)
		case "points":
			r.points(p, kv.val, kv.fullPath)
		default:
			r.unknown(kv, "sweep", []string{"matrix", "points"})
		}
	}
}

func (r *reader) matrix(p *Profile, n *yaml.Node, field string) {
	if n.Kind != yaml.MappingNode {
		r.add(n, field, "want a mapping of setting to list of values, got %s", got(n))
		return
	}
	for _, kv := range r.pairs(n, field) {
		k, ok := settingKeyByName(kv.key)
		if !ok {
			r.unknown(kv, field, settingNames())
			continue
		}
		if kv.val.Kind != yaml.SequenceNode {
			r.add(kv.val, kv.fullPath, "want a list of values, e.g. [%s], got %s", exampleValues(k), got(kv.val))
			continue
		}
		if len(kv.val.Content) == 0 {
			r.add(kv.val, kv.fullPath, "empty list: give at least one value")
			continue
		}
		ax := Axis{Key: k.name, Line: kv.keyNode.Line}
		seen := map[string]bool{}
		good := true
		for i, item := range kv.val.Content {
			item = deref(item)
			c, ok := r.setting(k, item, fmt.Sprintf("%s[%d]", kv.fullPath, i), true)
			if !ok {
				good = false
				continue
			}
			if seen[c] {
				r.add(item, fmt.Sprintf("%s[%d]", kv.fullPath, i), "value %s is listed twice", c)
				good = false
				continue
			}
			seen[c] = true
			ax.Values = append(ax.Values, c)
		}
		if good {
			p.Matrix = append(p.Matrix, ax)
		}
	}
	if len(n.Content) == 0 {
		r.add(n, field, "empty matrix: give at least one setting and its values")
	}
}

func exampleValues(k settingKey) string {
	switch k.kind {
	case kindAcks:
		return "0, 1, all"
	case kindBool:
		return "false, true"
	case kindCommit:
		return "auto, after-processing"
	case kindClient:
		return strings.Join(clientNames(), ", ")
	case kindIsolation:
		return "read_uncommitted, read_committed"
	case kindRatio:
		return "0, 0.1, 0.5"
	case kindPipeline:
		return "direct, copy"
	}
	return "1, 10, 100, default"
}

func (r *reader) points(p *Profile, n *yaml.Node, field string) {
	if n.Kind != yaml.SequenceNode {
		r.add(n, field, "want a list of points (each a mapping of settings), got %s", got(n))
		return
	}
	if len(n.Content) == 0 {
		r.add(n, field, "empty list: give at least one point")
	}
	for i, item := range n.Content {
		item = deref(item)
		pf := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode {
			r.add(item, pf, "want a mapping of settings (and an optional level name), got %s", got(item))
			p.Explicit = append(p.Explicit, PointSpec{Line: item.Line, broken: true})
			continue
		}
		spec := PointSpec{Settings: map[string]string{}, Line: item.Line}
		good := true
		for _, kv := range r.pairs(item, pf) {
			if kv.key == "level" {
				if s, ok := r.str(kv.val, kv.fullPath); ok {
					if strings.TrimSpace(s) == "" {
						r.add(kv.val, kv.fullPath, "want a non-empty level name")
					}
					spec.Level = strings.TrimSpace(s)
				}
				continue
			}
			k, ok := settingKeyByName(kv.key)
			if !ok {
				r.unknown(kv, pf, append([]string{"level"}, settingNames()...))
				good = false
				continue
			}
			c, ok := r.setting(k, kv.val, kv.fullPath, true)
			if !ok {
				good = false
				continue
			}
			spec.Settings[k.name] = c
		}
		// Keep a broken point's slot so indices in later messages still match the file, but
		// leave it out of the expansion (its problems are already reported).
		spec.broken = !good
		p.Explicit = append(p.Explicit, spec)
	}
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
