package profiles

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Faults are plain data like the rest of a profile: a list of what to break, when, and for how
// long, read from the profile's `faults:` list or from `--fault` flags, validated here (with file
// and line) and executed by the runner's scheduler during every point's measured phase.
//
//	faults:
//	  - every: 20s          # or  at: 30s  (offset into the measured phase); both: first at, then every
//	    action: kill        # kill (SIGKILL), pause (SIGSTOP, then SIGCONT), restart (graceful), power-loss, zombie (copier)
//	    target: leader:0    # leader:<partition>, broker:<id>, controller, coordinator, consumer:<index>, copier:<index>; power-loss also brokers:<id>,<id> and all
//	    for: 12s            # kill, power-loss: down this long, then restarted; pause: resumed after; consumer: replacement after
//
// The same fault as a flag: --fault "every=20s,action=kill,target=leader:0,for=12s".

// FaultAction is what a fault does to its target.
type FaultAction string

// The fault actions.
const (
	// FaultKill sends SIGKILL (a crash: no controlled shutdown, no final commit) and, after For,
	// starts the node again (a consumer: starts a replacement worker in the same group).
	FaultKill FaultAction = "kill"
	// FaultPause sends SIGSTOP and, after For, SIGCONT: a frozen process that keeps its sockets,
	// like a long GC pause or a stalled VM.
	FaultPause FaultAction = "pause"
	// FaultRestart is a graceful restart (SIGTERM, start, wait until back in every ISR).
	FaultRestart FaultAction = "restart"
	// FaultPowerLoss is a power loss of one or more brokers at the same instant: SIGKILL, then
	// their disks forget every write not made durable by fsync (the power-loss filesystem of
	// `kbench cluster up --power-loss-sim`; on a remote cluster the user's power-loss command),
	// and after For the brokers start again on the same folders.
	FaultPowerLoss FaultAction = "power-loss"
	// FaultZombie (copier targets only) makes a zombie: SIGSTOP the copier, start its
	// replacement at once (same transactional.id, same group member id: it fences the old one),
	// and SIGCONT the old one after For; its writes must never become visible.
	FaultZombie FaultAction = "zombie"
)

// TargetKind says what kind of process a fault hits.
type TargetKind string

// The fault target kinds.
const (
	TargetLeader     TargetKind = "leader"     // the broker leading partition ID of the point's topic when the fault fires
	TargetBroker     TargetKind = "broker"     // broker node ID
	TargetController TargetKind = "controller" // the active KRaft controller when the fault fires
	TargetBrokers    TargetKind = "brokers"    // broker nodes IDs, all at the same instant (power-loss only)
	TargetAll        TargetKind = "all"        // every broker at the same instant (power-loss only): a correlated failure
	TargetConsumer   TargetKind = "consumer"   // measuring consumer worker process number ID (from 0); with pipeline=copy, copier ID
	TargetCopier     TargetKind = "copier"     // copier worker process number ID (pipeline=copy)
	// TargetCoordinator is the broker that is the transaction coordinator of the point's first
	// transactional.id (copier 0's with pipeline=copy, else producer 0's) when the fault fires,
	// found with a FindCoordinator request.
	TargetCoordinator TargetKind = "coordinator"
)

// FaultTarget names the process(es) a fault hits. It is written "leader:0", "broker:2",
// "controller", "consumer:1", "brokers:1,2" or "all".
type FaultTarget struct {
	Kind TargetKind
	ID   int   // partition (leader), node id (broker), worker index (consumer); 0 for controller, brokers and all
	IDs  []int // broker node ids of a brokers target, in the order written
}

// String writes the target the way a profile does.
func (t FaultTarget) String() string {
	switch t.Kind {
	case TargetController, TargetAll, TargetCoordinator:
		return string(t.Kind)
	case TargetBrokers:
		ids := make([]string, len(t.IDs))
		for i, id := range t.IDs {
			ids[i] = strconv.Itoa(id)
		}
		return string(t.Kind) + ":" + strings.Join(ids, ",")
	}
	return fmt.Sprintf("%s:%d", t.Kind, t.ID)
}

// Several says whether the target names more than one node (brokers, all).
func (t FaultTarget) Several() bool { return t.Kind == TargetBrokers || t.Kind == TargetAll }

// Defaults for `for`. A hard bounce must outlast the broker session timeout
// (broker.session.timeout.ms, 9 s by default) so the controller fences the dead broker and
// leadership really moves before it comes back; 12 s leaves margin for a loaded machine.
const (
	DefaultKillFor  = 12 * time.Second
	DefaultPauseFor = 5 * time.Second
)

// Fault is one entry of a fault schedule.
type Fault struct {
	At     time.Duration // first firing, as an offset into the measured phase
	Every  time.Duration // repeat interval; 0 = fire once at At
	Action FaultAction
	Target FaultTarget
	For    time.Duration // time until healed (see the actions); 0 with restart and for an immediate consumer replacement
	Line   int           // profile line, 0 for a flag

	index int // position in the profile's faults list, for messages
}

// String writes the fault in its flag form, which `--fault` reads back.
func (f Fault) String() string {
	var parts []string
	if f.At > 0 || f.Every == 0 {
		parts = append(parts, "at="+f.At.String())
	}
	if f.Every > 0 {
		parts = append(parts, "every="+f.Every.String())
	}
	parts = append(parts, "action="+string(f.Action), "target="+f.Target.String())
	if f.Action != FaultRestart {
		parts = append(parts, "for="+f.For.String())
	}
	return strings.Join(parts, ",")
}

// faultJSON is a fault's result-file form.
type faultJSON struct {
	AtSeconds     float64 `json:"at_seconds"`
	EverySeconds  float64 `json:"every_seconds,omitempty"`
	Action        string  `json:"action"`
	Target        string  `json:"target"`
	HealAfterSecs float64 `json:"heal_after_seconds"`
}

// MarshalJSON writes the fault with long stable names.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultJSON{AtSeconds: f.At.Seconds(), EverySeconds: f.Every.Seconds(), Action: string(f.Action),
		Target: f.Target.String(), HealAfterSecs: f.For.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("fault: %w", err)
	}
	t, err := parseTarget(j.Target)
	if err != nil {
		return fmt.Errorf("fault: %w", err)
	}
	*f = Fault{At: secs(j.AtSeconds), Every: secs(j.EverySeconds), Action: FaultAction(j.Action), Target: t, For: secs(j.HealAfterSecs)}
	return nil
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Times lists the offsets into a measured phase of length measured at which f fires.
func (f Fault) Times(measured time.Duration) []time.Duration {
	var out []time.Duration
	t := f.At
	if f.Every > 0 && t == 0 {
		t = f.Every
	}
	for t < measured {
		out = append(out, t)
		if f.Every <= 0 {
			break
		}
		t += f.Every
	}
	return out
}

// FaultFields are the keys of one fault, in the order messages list them.
var FaultFields = []string{"at", "every", "action", "target", "for"}

// FaultCommandOps are the operations a remote cluster needs a shell command for: kill and start
// (a kill heals with start), pause and resume, restart.
// A power loss heals with start too; power-loss runs once per broker hit, all at the same instant.
var FaultCommandOps = []string{"kill", "start", "pause", "resume", "restart", "power-loss"}

// faultField is one problem with one key of a fault.
type faultField struct {
	key, msg string
}

// buildFault turns a fault's key/value pairs into a Fault with defaults applied, or the problems
// found, each naming its key. It is shared by the YAML and flag readers so both say the same.
func buildFault(kv map[string]string) (Fault, []faultField) {
	var f Fault
	var probs []faultField
	bad := func(k, format string, args ...any) {
		probs = append(probs, faultField{k, fmt.Sprintf(format, args...)})
	}
	dur := func(k string) time.Duration {
		s, ok := kv[k]
		if !ok {
			return 0
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			bad(k, "want a duration such as 20s or 1m, got '%s'", s)
			return 0
		}
		return d
	}
	f.At, f.Every = dur("at"), dur("every")
	_, hasAt := kv["at"]
	_, hasEvery := kv["every"]
	if !hasAt && !hasEvery {
		bad("at", "required: give at (offset into the measured phase) or every (interval), or both")
	}
	if hasEvery && f.Every == 0 && len(probs) == 0 {
		bad("every", "want a positive interval")
	}
	switch a := FaultAction(kv["action"]); a {
	case FaultKill, FaultPause, FaultRestart, FaultPowerLoss, FaultZombie:
		f.Action = a
	case "":
		bad("action", "required: want kill, pause, restart, power-loss or zombie")
	default:
		bad("action", "want kill, pause, restart, power-loss or zombie, got '%s'", kv["action"])
	}
	if s, ok := kv["target"]; !ok {
		bad("target", "required: want "+targetForms)
	} else if t, err := parseTarget(s); err != nil {
		bad("target", "%v", err)
	} else {
		f.Target = t
	}
	_, hasFor := kv["for"]
	f.For = dur("for")
	if len(probs) > 0 {
		return f, probs
	}
	switch {
	case f.Action == FaultRestart && hasFor:
		bad("for", "restart heals by itself (it waits until the node is back in every ISR); leave for out")
	case f.Action == FaultPowerLoss && (f.Target.Kind == TargetConsumer || f.Target.Kind == TargetController):
		bad("target", "power-loss hits brokers: want broker:<id>, brokers:<id>,<id>, leader:<partition> or all, got %s", f.Target)
	case f.Target.Kind == TargetConsumer && f.Action != FaultKill:
		bad("action", "a consumer worker can only be killed (a crash), got %s", f.Action)
	case f.Action != FaultPowerLoss && f.Target.Several():
		bad("target", "%s hits several brokers at once, which only power-loss does; want one node for %s", f.Target, f.Action)
	case f.Action == FaultZombie && f.Target.Kind != TargetCopier:
		bad("action", "zombie is for a copier (target copier:<index>): it pauses one and starts its replacement, got target %s", f.Target)
	case f.Target.Kind == TargetCopier && (f.Action == FaultRestart || f.Action == FaultPowerLoss):
		bad("action", "a copier can be killed, paused or made a zombie, got %s", f.Action)
	case f.Action == FaultPowerLoss && hasFor && f.For == 0:
		bad("for", "a power loss must last: want a positive duration")
	case (f.Action == FaultPause || f.Action == FaultZombie) && hasFor && f.For == 0:
		bad("for", "a %s must last: want a positive duration", f.Action)
	case !hasFor && (f.Action == FaultKill || f.Action == FaultPowerLoss) && f.Target.Kind != TargetConsumer && f.Target.Kind != TargetCopier:
		f.For = DefaultKillFor
	case !hasFor && (f.Action == FaultPause || f.Action == FaultZombie):
		f.For = DefaultPauseFor
	}
	if f.Every > 0 && f.Every <= f.For {
		bad("every", "every %s is not longer than for %s: a fault would fire before the previous one healed", f.Every, f.For)
	}
	return f, probs
}

// targetForms lists the fault target forms for messages.
const targetForms = "leader:<partition>, broker:<id>, controller, coordinator, consumer:<index> or copier:<index> (power-loss: also brokers:<id>,<id> or all)"

// parseTarget reads "leader:0", "broker:2", "controller", "coordinator", "consumer:1",
// "copier:0", "brokers:1,2" or "all".
func parseTarget(s string) (FaultTarget, error) {
	kind, id, hasID := strings.Cut(strings.TrimSpace(s), ":")
	want := "want " + targetForms
	switch TargetKind(kind) {
	case TargetController, TargetCoordinator, TargetAll:
		if hasID {
			what := "every broker"
			if kind != string(TargetAll) {
				what = "the current one"
			}
			return FaultTarget{}, fmt.Errorf("%s, got '%s' (%s means %s; %s takes no id)", want, s, kind, what, kind)
		}
		return FaultTarget{Kind: TargetKind(kind)}, nil
	case TargetBrokers:
		return parseBrokers(id, want, s)
	case TargetLeader, TargetBroker, TargetConsumer, TargetCopier:
		n, err := strconv.Atoi(id)
		if !hasID || err != nil || n < 0 {
			return FaultTarget{}, fmt.Errorf("%s, got '%s'", want, s)
		}
		return FaultTarget{Kind: TargetKind(kind), ID: n}, nil
	}
	return FaultTarget{}, fmt.Errorf("%s, got '%s'", want, s)
}

// parseBrokers reads the id list of a brokers target: distinct node ids, comma-separated.
func parseBrokers(list, want, s string) (FaultTarget, error) {
	t := FaultTarget{Kind: TargetBrokers}
	seen := map[int]bool{}
	for _, part := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 0 {
			return FaultTarget{}, fmt.Errorf("%s, got '%s'", want, s)
		}
		if seen[n] {
			return FaultTarget{}, fmt.Errorf("%s, got '%s' (broker %d twice)", want, s, n)
		}
		seen[n] = true
		t.IDs = append(t.IDs, n)
	}
	return t, nil
}

// ParseFaultFlag reads one --fault flag: comma-separated key=value pairs with the keys of a
// profile's fault ("every=20s,action=kill,target=leader:0,for=12s").
func ParseFaultFlag(s string) (Fault, error) {
	kv := map[string]string{}
	last := ""
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok && last == "target" && strings.HasPrefix(kv["target"], string(TargetBrokers)+":") {
			kv["target"] += "," + strings.TrimSpace(part) // target=brokers:1,2 goes on past its comma
			continue
		}
		if !ok || k == "" {
			return Fault{}, fmt.Errorf("--fault %q: want key=value pairs separated by commas (keys: %s)", s, strings.Join(FaultFields, ", "))
		}
		if !contains(FaultFields, k) {
			return Fault{}, fmt.Errorf("--fault %q: unknown key %s (keys: %s)", s, k, strings.Join(FaultFields, ", "))
		}
		if _, dup := kv[k]; dup {
			return Fault{}, fmt.Errorf("--fault %q: %s given twice", s, k)
		}
		kv[k], last = strings.TrimSpace(v), k
	}
	f, probs := buildFault(kv)
	if len(probs) > 0 {
		msgs := make([]string, len(probs))
		for i, p := range probs {
			msgs[i] = p.key + ": " + p.msg
		}
		return Fault{}, fmt.Errorf("--fault %q: %s", s, strings.Join(msgs, "; "))
	}
	return f, nil
}

// ParseFaultCommand reads one --fault-command flag, "OP=COMMAND" with OP one of
// FaultCommandOps.
func ParseFaultCommand(s string) (op, command string, err error) {
	op, command, ok := strings.Cut(s, "=")
	op = strings.TrimSpace(op)
	if !ok || !contains(FaultCommandOps, op) || strings.TrimSpace(command) == "" {
		return "", "", fmt.Errorf("--fault-command %q: want OP=COMMAND with OP one of %s", s, strings.Join(FaultCommandOps, ", "))
	}
	return op, command, nil
}

// CheckFaults checks a schedule against the workload it runs with: every fault fires within
// the measured phase, and a consumer target exists. It returns one message per problem, with
// the fault's line when it came from a profile.
func CheckFaults(faults []Fault, w Workload) []string {
	var out []string
	for i, f := range faults {
		where := fmt.Sprintf("fault %d (%s)", i+1, f)
		if f.Line > 0 {
			where = fmt.Sprintf("faults[%d] (line %d)", f.index, f.Line)
		}
		if w.Duration > 0 && len(f.Times(w.Duration)) == 0 {
			out = append(out, fmt.Sprintf("%s: never fires: the measured phase is %s", where, w.Duration))
		}
		if f.Target.Kind == TargetConsumer && f.Target.ID >= w.Consumers {
			out = append(out, fmt.Sprintf("%s: target %s, but the workload has %d consumer(s)", where, f.Target, w.Consumers))
		}
		if f.Target.Kind == TargetCopier && f.Target.ID >= w.Consumers {
			out = append(out, fmt.Sprintf("%s: target %s, but the workload has %d copier(s) (one per consumer)", where, f.Target, w.Consumers))
		}
		if f.Target.Kind == TargetConsumer && w.Backlog() {
			out = append(out, fmt.Sprintf("%s: target %s, but with consume.mode backlog no consumer runs during the measured phase", where, f.Target))
		}
	}
	return out
}

// NeededFaultCommands lists the operations a remote cluster must have a command for to run the
// schedule (consumer crashes need none: kbench runs those workers itself).
func NeededFaultCommands(faults []Fault) []string {
	need := map[string]bool{}
	for _, f := range faults {
		if f.Target.Kind == TargetConsumer || f.Target.Kind == TargetCopier {
			continue
		}
		switch f.Action {
		case FaultKill:
			need["kill"], need["start"] = true, true
		case FaultPause:
			need["pause"], need["resume"] = true, true
		case FaultRestart:
			need["restart"] = true
		case FaultPowerLoss:
			need["power-loss"], need["start"] = true, true
		}
	}
	out := make([]string, 0, len(need))
	for k := range need {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// faults reads the profile's `faults:` list.
func (r *reader) faults(p *Profile, n *yaml.Node, field string) {
	if n.Kind != yaml.SequenceNode {
		r.add(n, field, "want a list of faults (each with at or every, action, target), got %s", got(n))
		return
	}
	for i, item := range n.Content {
		item = deref(item)
		ff := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode {
			r.add(item, ff, "want a mapping with at or every, action, target and for, got %s", got(item))
			continue
		}
		kv := map[string]string{}
		nodes := map[string]*yaml.Node{}
		for _, e := range r.pairs(item, ff) {
			if !contains(FaultFields, e.key) {
				r.unknown(e, ff, FaultFields)
				continue
			}
			if s, ok := r.str(e.val, e.fullPath); ok {
				kv[e.key], nodes[e.key] = s, e.val
			}
		}
		f, probs := buildFault(kv)
		for _, pr := range probs {
			at := nodes[pr.key]
			if at == nil {
				at = item
			}
			r.add(at, ff+"."+pr.key, "%s", pr.msg)
		}
		if len(probs) == 0 {
			f.Line, f.index = item.Line, i
			p.Faults = append(p.Faults, f)
		}
	}
}

// faultCommands reads the profile's `fault.commands:` mapping (operation -> shell command).
func (r *reader) faultCommands(p *Profile, n *yaml.Node, field string) {
	if n.Kind != yaml.MappingNode {
		r.add(n, field, "want a mapping of operation (%s) to shell command, got %s", strings.Join(FaultCommandOps, ", "), got(n))
		return
	}
	p.FaultCommands = map[string]string{}
	for _, e := range r.pairs(n, field) {
		if !contains(FaultCommandOps, e.key) {
			r.unknown(e, field, FaultCommandOps)
			continue
		}
		if s, ok := r.str(e.val, e.fullPath); ok {
			p.FaultCommands[e.key] = s
		}
	}
}

// checkFaultsAgainstWorkload reports schedule problems that need the workload (read in any order).
func (r *reader) checkFaultsAgainstWorkload(p *Profile) {
	for _, f := range p.Faults {
		for _, msg := range CheckFaults([]Fault{f}, p.Workload) {
			_, m, _ := strings.Cut(msg, ": ")
			r.probs.add(Problem{File: r.file, Line: f.Line, Field: fmt.Sprintf("faults[%d]", f.index), Message: m})
		}
	}
}
