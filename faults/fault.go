package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// Faults during a point: a small scheduler fires the profile's fault schedule at its offsets
// into the measured phase, one fault at a time (a fault due while the previous one is still
// healing fires late, and its event says when it really started), through an injector: the
// local cluster's processes by pid, or the user's shell commands for a remote cluster. Consumer
// crashes go to the consumer worker processes. Every step is logged with what ran, when, its
// exit status and which broker led which partition; a once-a-second metadata poll records
// leadership changes. After the measured phase everything is healed before the audit reads.

// ErrSetup says the fault schedule cannot run against this cluster (a missing remote
// command, a target that does not exist): the profile or flags must change.
var ErrSetup = errors.New("fault schedule cannot run")

// Node roles in fault events.
const (
	roleBroker     = "broker"
	roleController = "controller"
	roleConsumer   = "consumer"
	roleCopier     = "copier"
)

// nodeRef is a process a fault acts on. id -1 with roleController means "the active controller,
// as the remote command knows it" (kbench cannot see a remote quorum).
type nodeRef struct {
	role string
	id   int
}

func (n nodeRef) String() string {
	if n.id < 0 {
		return "active " + n.role
	}
	return fmt.Sprintf("%s %d", n.role, n.id)
}

// injection is what one injector step did.
type injection struct {
	command    string
	exitStatus int
	output     string
	err        error
}

// Injector carries out fault operations on cluster nodes.
type Injector interface {
	// name is the injector's kind for the result file.
	name() string
	// do runs op (kill, start, pause, resume, restart) on node n.
	do(ctx context.Context, op string, n nodeRef, vars map[string]string) injection
	// activeController is the id of the active controller (-1: not knowable here).
	activeController() (int, error)
	// heal brings back every node this injector can see broken; it returns what it did.
	heal(ctx context.Context) ([]string, error)
	// powerOff is a power loss of the brokers nodes at one instant; dropped is broker id -> the
	// unsynced bytes its disk forgot (nil: not knowable here).
	powerOff(ctx context.Context, nodes []nodeRef, vars map[string]string) (in injection, dropped map[int]cluster.Dropped)
	// powerOn starts the brokers of a power loss again, together.
	powerOn(ctx context.Context, nodes []nodeRef, vars map[string]string) injection
	// brokerIDs are the cluster's broker ids (nil: not knowable here; ask the metadata).
	brokerIDs() []int
}

// localInjector acts on kbench's own local cluster by process id.
type localInjector struct{ c Processes }

// Processes is what the local injector does to the cluster's processes (runner.ClusterControl
// of a cluster kbench runs provides it).
type Processes interface {
	Nodes() []*cluster.Node
	Node(id int) (*cluster.Node, error)
	Kill(id int) error
	Pause(id int) error
	Resume(id int) error
	Restart(ctx context.Context, id int) error
	ActiveController() (int, error)
	// PowerOff kills the brokers ids at one instant and makes their disks forget what was not
	// fsync'ed; it returns, per broker, the unsynced bytes dropped.
	PowerOff(ids []int) (map[int]cluster.Dropped, error)
	// StartTogether starts the nodes ids (down) together and waits until each is back.
	StartTogether(ctx context.Context, ids []int) error
}

// LocalInjector acts on a cluster kbench runs, by process id.
func LocalInjector(p Processes) Injector { return localInjector{p} }

func (l localInjector) name() string { return "local" }

func (l localInjector) do(ctx context.Context, op string, n nodeRef, _ map[string]string) injection {
	node, err := l.c.Node(n.id)
	if err != nil {
		return injection{command: op + " " + n.String(), exitStatus: -1, err: err}
	}
	pid := node.PID
	var in injection
	switch op {
	case "kill":
		in.command, in.err = fmt.Sprintf("SIGKILL pid %d (%s)", pid, n), l.c.Kill(n.id)
	case "pause":
		in.command, in.err = fmt.Sprintf("SIGSTOP pid %d (%s)", pid, n), l.c.Pause(n.id)
	case "resume":
		in.command, in.err = fmt.Sprintf("SIGCONT pid %d (%s)", pid, n), l.c.Resume(n.id)
	case "start":
		in.err = l.c.Restart(ctx, n.id)
		in.command = fmt.Sprintf("start %s (same data and ports; new pid %d) and wait until it is back in every ISR", n, node.PID)
	case "restart":
		in.err = l.c.Restart(ctx, n.id)
		in.command = fmt.Sprintf("SIGTERM pid %d (%s), start it again (new pid %d), wait until it is back in every ISR", pid, n, node.PID)
	default:
		in.err = fmt.Errorf("unknown operation %s", op)
	}
	if in.err != nil {
		in.exitStatus = -1
	}
	return in
}

func (l localInjector) activeController() (int, error) { return l.c.ActiveController() }

// heal resumes paused nodes, restarts dead controllers, and starts dead brokers together (brokers
// that lost power at once wait for each other's ISR).
func (l localInjector) heal(ctx context.Context) ([]string, error) {
	var did []string
	var errs []error
	var brokers []int
	for _, n := range l.c.Nodes() {
		switch n.State() {
		case cluster.StatePaused:
			did = append(did, fmt.Sprintf("resumed %s %d", n.Role, n.ID))
			errs = append(errs, l.c.Resume(n.ID))
		case cluster.StateDown:
			did = append(did, fmt.Sprintf("restarted %s %d", n.Role, n.ID))
			if n.Role == cluster.RoleBroker {
				brokers = append(brokers, n.ID)
			} else {
				errs = append(errs, l.c.Restart(ctx, n.ID))
			}
		}
	}
	if len(brokers) > 0 {
		errs = append(errs, l.c.StartTogether(ctx, brokers))
	}
	return did, errors.Join(errs...)
}

func nodeIDs(nodes []nodeRef) []int {
	ids := make([]int, len(nodes))
	for i, n := range nodes {
		ids[i] = n.id
	}
	return ids
}

func (l localInjector) powerOff(_ context.Context, nodes []nodeRef, _ map[string]string) (injection, map[int]cluster.Dropped) {
	ids := nodeIDs(nodes)
	var pids []string
	for _, id := range ids {
		if n, err := l.c.Node(id); err == nil {
			pids = append(pids, fmt.Sprintf("%d (broker %d)", n.PID, id))
		}
	}
	in := injection{command: "SIGKILL pid " + strings.Join(pids, ", ") + " at one instant, then drop every write not fsync'ed (power-loss filesystem)"}
	dropped, err := l.c.PowerOff(ids)
	if err != nil {
		in.exitStatus, in.err = -1, err
	}
	return in, dropped
}

func (l localInjector) powerOn(ctx context.Context, nodes []nodeRef, _ map[string]string) injection {
	ids := nodeIDs(nodes)
	in := injection{command: fmt.Sprintf("start brokers %v together on the same folders and wait until each is back in every ISR", ids)}
	if err := l.c.StartTogether(ctx, ids); err != nil {
		in.exitStatus, in.err = -1, err
	}
	return in
}

func (l localInjector) brokerIDs() []int {
	var ids []int
	for _, n := range l.c.Nodes() {
		if n.Role == cluster.RoleBroker {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// checkPowerLossFS refuses a power-loss schedule on a local cluster whose brokers do not run on
// the power-loss filesystem: a kill there keeps the page cache, and calling it a power loss
// would report what a process crash loses as what a power loss loses.
func checkPowerLossFS(p Processes, schedule []profiles.Fault) error {
	if !hasPowerLoss(schedule) {
		return nil
	}
	for _, n := range p.Nodes() {
		if n.Role == cluster.RoleBroker && n.FS == nil {
			return fmt.Errorf("%w: a power-loss fault needs the brokers on the power-loss filesystem, and broker %d is not: start the cluster with `kbench cluster up --power-loss-sim`", ErrSetup, n.ID)
		}
	}
	return nil
}

func hasPowerLoss(schedule []profiles.Fault) bool {
	for _, f := range schedule {
		if f.Action == profiles.FaultPowerLoss {
			return true
		}
	}
	return false
}

// commandInjector runs the user's shell command per operation, for a cluster kbench does not
// run. Placeholders: {node} and {broker} (the node id; "active" for the active controller),
// {role} (broker or controller), {topic}, {partition} (for a leader target; else empty).
type commandInjector struct {
	commands map[string]string
	timeout  time.Duration
	mu       sync.Mutex
	broken   map[nodeRef]string // node -> the op that heals it, for nodes not yet healed
}

// OutputTailBytes is how much of a command's output an event keeps.
const OutputTailBytes = 600

func (c *commandInjector) name() string { return "remote-commands" }

func (c *commandInjector) do(ctx context.Context, op string, n nodeRef, vars map[string]string) injection {
	tmpl, ok := c.commands[op]
	if !ok {
		return injection{command: op + " " + n.String(), exitStatus: -1, err: fmt.Errorf("no --fault-command for %s", op)}
	}
	id := strconv.Itoa(n.id)
	if n.id < 0 {
		id = "active"
	}
	repl := []string{"{node}", id, "{broker}", id, "{role}", n.role}
	for k, v := range vars {
		repl = append(repl, "{"+k+"}", v)
	}
	cmdline := strings.NewReplacer(repl...).Replace(tmpl)
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "/bin/sh", "-c", cmdline)
	endGroupOnCancel(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	in := injection{command: cmdline, output: TailString(out.String(), OutputTailBytes)}
	switch {
	case cctx.Err() == context.DeadlineExceeded:
		in.exitStatus, in.err = -1, fmt.Errorf("timed out after %s", c.timeout)
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			in.exitStatus = ee.ExitCode()
		} else {
			in.exitStatus = -1
		}
		in.err = err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken == nil {
		c.broken = map[nodeRef]string{}
	}
	switch {
	case in.err == nil && (op == "kill" || op == "power-loss"):
		c.broken[n] = "start"
	case in.err == nil && op == "pause":
		c.broken[n] = "resume"
	case in.err == nil && (op == "start" || op == "resume"):
		delete(c.broken, n)
	}
	return in
}

func (c *commandInjector) activeController() (int, error) { return -1, nil }

// endGroupOnCancel makes a fault command end with everything it started when its timeout
// passes: killing the shell alone left its children (a `sleep`, an `ssh`) holding the output
// pipe, so the injection waited for them past its timeout. The command runs in a process group
// of its own, which cancel SIGKILLs by its id; output still open a second later is let go.
func endGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
}

// powerOff runs the user's power-loss command once per broker, all started at the same instant.
// What the disks dropped is not knowable from here.
func (c *commandInjector) powerOff(ctx context.Context, nodes []nodeRef, vars map[string]string) (injection, map[int]cluster.Dropped) {
	return c.together(ctx, "power-loss", nodes, vars), nil
}

// powerOn runs the user's start command once per broker, all at once.
func (c *commandInjector) powerOn(ctx context.Context, nodes []nodeRef, vars map[string]string) injection {
	return c.together(ctx, "start", nodes, vars)
}

// together runs op on every node at once and joins what they did into one injection.
func (c *commandInjector) together(ctx context.Context, op string, nodes []nodeRef, vars map[string]string) injection {
	ins := make([]injection, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ins[i] = c.do(ctx, op, n, vars)
		}()
	}
	wg.Wait()
	var out injection
	var cmds, outs []string
	var errs []error
	for i, in := range ins {
		cmds = append(cmds, in.command)
		if in.output != "" {
			outs = append(outs, fmt.Sprintf("[%s] %s", nodes[i], in.output))
		}
		if in.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", nodes[i], in.err))
			out.exitStatus = in.exitStatus
		}
	}
	out.command = strings.Join(cmds, " & ")
	out.output = TailString(strings.Join(outs, "\n"), OutputTailBytes)
	out.err = errors.Join(errs...)
	return out
}

func (c *commandInjector) brokerIDs() []int { return nil }

// heal retries the healing command of every node whose heal has not succeeded.
func (c *commandInjector) heal(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	pending := make(map[nodeRef]string, len(c.broken))
	for n, op := range c.broken {
		pending[n] = op
	}
	c.mu.Unlock()
	var did []string
	var errs []error
	for n, op := range pending {
		in := c.do(ctx, op, n, nil)
		did = append(did, fmt.Sprintf("%s %s: exit %d", op, n, in.exitStatus))
		if in.err != nil {
			errs = append(errs, fmt.Errorf("%s %s (%s): %w", op, n, in.command, in.err))
		}
	}
	return did, errors.Join(errs...)
}

// TailString is the end of s, at most n bytes, marked when cut.
func TailString(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// ConsumerCrasher kills and replaces consumer worker processes.
type ConsumerCrasher interface {
	Kill(i int) (string, error)
	Start(i int) (string, error)
}

// CopierFaults carries out faults on the copy pipeline's copier worker processes: a kill (its
// replacement starts after For), a pause (SIGSTOP, SIGCONT after For) and a zombie (SIGSTOP and
// a replacement at once; after For the old one is resumed and must find itself fenced).
type CopierFaults interface {
	Kill(i int) (string, error)
	Start(i int) (string, error)
	Pause(i int) (string, error)
	Resume(i int) (string, error)
	Zombie(i int) (string, error)
	ReleaseZombie(i int) (string, error)
}

// Metadata is what the scheduler needs from the admin client.
type Metadata interface {
	Metadata(topic *string, allTopics bool, timeout time.Duration) (*driver.Metadata, error)
}

// Runner runs one point's fault schedule.
type Runner struct {
	schedule   []profiles.Fault
	inj        Injector
	md         Metadata
	consumers  ConsumerCrasher // nil: consumers are not worker processes
	copiers    CopierFaults    // nil: no copy pipeline
	coord      func(context.Context) (int, error)
	topic      string
	partitions int
	clock      Clock
	measured   time.Duration
	allBrokers int // see Config.AllBrokers

	stop     chan struct{}
	done     chan struct{}
	watchEnd chan struct{}
	watchOK  chan struct{}

	// Written by the scheduler goroutine, read after done.
	events  []stats.FaultEvent
	firings []Firing
	// Written by the watcher goroutine, read after watchOK.
	changes []stats.LeaderChange

	// The watcher's last answer, for a heal that must not wait for a metadata request.
	seenMu sync.Mutex
	seen   map[string]int
	seenAt time.Time
}

// plannedFault is one firing of one schedule entry.
type plannedFault struct {
	offset time.Duration
	fault  profiles.Fault
}

func (r *Runner) plan() []plannedFault {
	var out []plannedFault
	for _, f := range r.schedule {
		for _, t := range f.Times(r.measured) {
			out = append(out, plannedFault{offset: t, fault: f})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].offset < out[j].offset })
	return out
}

// Start launches the scheduler and the leadership watcher.
func (r *Runner) Start(ctx context.Context) {
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	r.watchEnd, r.watchOK = make(chan struct{}), make(chan struct{})
	go r.watch()
	go r.run(ctx)
}

// Finish stops firing new faults, waits for the current one to heal, and stops the watcher.
func (r *Runner) Finish() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
	select {
	case <-r.watchEnd:
	default:
		close(r.watchEnd)
	}
	<-r.watchOK
}

func (r *Runner) sinceMeasure(t time.Time) float64 {
	return float64(t.UnixNano()-r.clock.Measure) / 1e9
}

// run fires the planned faults in order until the plan ends or stop is closed.
func (r *Runner) run(ctx context.Context) {
	defer close(r.done)
	for _, pf := range r.plan() {
		due := time.Unix(0, r.clock.Measure).Add(pf.offset)
		t := time.NewTimer(time.Until(due))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.stop:
			t.Stop()
			return
		case <-t.C:
		}
		// A fault that came due while the previous one healed fires late, but never after the
		// measured phase (or once stop is closed: select picks at random among ready cases).
		select {
		case <-r.stop:
			return
		default:
		}
		if time.Now().UnixNano() >= r.clock.End {
			return
		}
		r.fire(ctx, pf)
	}
}

// fire carries out one fault: inject, wait For, heal.
func (r *Runner) fire(ctx context.Context, pf plannedFault) {
	f := pf.fault
	if f.Action == profiles.FaultPowerLoss {
		r.firePowerLoss(ctx, pf)
		return
	}
	name := f.String()
	ev := stats.FaultEvent{Fault: name, Step: "inject", ScheduledOffsetSeconds: pf.offset.Seconds()}
	ev.Leaders = r.leaders()
	node, err := r.resolve(f.Target, ev.Leaders)
	if f.Target.Kind == profiles.TargetLeader {
		p := f.Target.ID
		ev.Partition = &p
	}
	ev.NodeRole, ev.NodeID = node.role, node.id
	if err != nil {
		now := time.Now()
		ev.StartOffsetSeconds, ev.ExitStatus, ev.Error = r.sinceMeasure(now), -1, err.Error()
		ev.Operation = string(f.Action)
		r.events = append(r.events, ev)
		return
	}
	vars := r.commandVars(ev.Partition)
	injectOp, healOp := string(f.Action), ""
	switch f.Action {
	case profiles.FaultKill:
		healOp = "start"
	case profiles.FaultPause:
		healOp = "resume"
	}
	switch {
	case node.role == roleConsumer:
		injectOp, healOp = "kill-consumer", "start-consumer"
	case node.role == roleCopier && f.Action == profiles.FaultKill:
		injectOp, healOp = "kill-copier", "start-copier"
	case node.role == roleCopier && f.Action == profiles.FaultPause:
		injectOp, healOp = "pause-copier", "resume-copier"
	case node.role == roleCopier && f.Action == profiles.FaultZombie:
		injectOp, healOp = "zombie-copier", "release-zombie"
	}
	start := time.Now()
	r.step(ctx, &ev, injectOp, node, vars, start)
	if ev.Error == "" {
		r.firings = append(r.firings, Firing{fault: name, target: node.String(), at: start.UnixNano()})
	}
	if healOp == "" || ev.Error != "" {
		return
	}
	// Hold the fault for For (a hard bounce must outlast the broker session timeout so
	// leadership really moves), then heal, even when the measured phase ends meanwhile.
	due := start.Add(f.For)
	holdUntil(ctx, due)
	// Heal first, look up after: a metadata request now may go to the very broker that is
	// paused and hang for its whole timeout, which would hold the SIGCONT back. The heal event
	// takes the leaders the background poll last saw during the fault; the poll goes on
	// recording leadership changes after the heal.
	hev := stats.FaultEvent{Fault: name, Step: "heal", ScheduledOffsetSeconds: r.sinceMeasure(due),
		NodeRole: node.role, NodeID: node.id, Partition: ev.Partition, Leaders: r.leadersSeenSince(start)}
	// The heal runs even after Ctrl-C: a cluster must not be left broken.
	hctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r.step(hctx, &hev, healOp, node, vars, time.Now())
}

// leadersSeenSince is the leadership poll's last answer if it was asked for after t (nil
// otherwise: the heal records no leaders rather than ones from before the fault).
func (r *Runner) leadersSeenSince(t time.Time) map[string]int {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	if r.seen == nil || r.seenAt.Before(t) {
		return nil
	}
	return r.seen
}

// step runs one operation and appends its event.
func (r *Runner) step(ctx context.Context, ev *stats.FaultEvent, op string, node nodeRef, vars map[string]string, start time.Time) {
	ev.Operation = op
	ev.StartOffsetSeconds = r.sinceMeasure(start)
	var in injection
	switch op {
	case "kill-copier", "start-copier", "pause-copier", "resume-copier", "zombie-copier", "release-zombie":
		in = r.copierStep(op, node.id)
	case "kill-consumer", "start-consumer":
		if r.consumers == nil {
			in = injection{command: op, exitStatus: -1, err: errors.New("consumers are not running as worker processes")}
			break
		}
		if op == "kill-consumer" {
			in.command, in.err = r.consumers.Kill(node.id)
		} else {
			in.command, in.err = r.consumers.Start(node.id)
		}
		if in.err != nil {
			in.exitStatus = -1
		}
	default:
		in = r.inj.do(ctx, op, node, vars)
	}
	recordInjection(ev, in, start)
	r.events = append(r.events, *ev)
}

// recordInjection puts what an injection or heal command did, and how long it took since start,
// into its event.
func recordInjection(ev *stats.FaultEvent, in injection, start time.Time) {
	ev.DurationSeconds = time.Since(start).Seconds()
	ev.Command, ev.ExitStatus, ev.OutputTail = in.command, in.exitStatus, in.output
	if in.err != nil {
		ev.Error = in.err.Error()
	}
}

// commandVars are the variables a fault's commands may name: the point's topic and the leader
// target's partition (empty for other targets).
func (r *Runner) commandVars(partition *int) map[string]string {
	vars := map[string]string{"topic": r.topic, "partition": ""}
	if partition != nil {
		vars["partition"] = strconv.Itoa(*partition)
	}
	return vars
}

// holdUntil waits until due (a fault held for its For), or until ctx ends.
func holdUntil(ctx context.Context, due time.Time) {
	wait := time.Until(due)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// resolve turns a target into the node it names right now.
func (r *Runner) resolve(t profiles.FaultTarget, leaders map[string]int) (nodeRef, error) {
	switch t.Kind {
	case profiles.TargetBroker:
		return nodeRef{roleBroker, t.ID}, nil
	case profiles.TargetConsumer:
		return nodeRef{roleConsumer, t.ID}, nil
	case profiles.TargetCopier:
		return nodeRef{roleCopier, t.ID}, nil
	case profiles.TargetCoordinator:
		if r.coord == nil {
			return nodeRef{roleBroker, -1}, errors.New("no transactional.id to find the coordinator of (the point runs no transactions)")
		}
		id, err := r.coord(context.Background())
		return nodeRef{roleBroker, id}, err
	case profiles.TargetController:
		id, err := r.inj.activeController()
		return nodeRef{roleController, id}, err
	case profiles.TargetLeader:
		if t.ID >= r.partitions {
			return nodeRef{roleBroker, -1}, fmt.Errorf("partition %d does not exist (the topic has %d)", t.ID, r.partitions)
		}
		l, ok := leaders[strconv.Itoa(t.ID)]
		if !ok || l < 0 {
			return nodeRef{roleBroker, -1}, fmt.Errorf("partition %d has no leader right now", t.ID)
		}
		return nodeRef{roleBroker, l}, nil
	}
	return nodeRef{}, fmt.Errorf("unknown target %s", t)
}

// leaders is partition -> leader id from a fresh metadata request (nil when it fails).
func (r *Runner) leaders() map[string]int {
	md, err := r.md.Metadata(&r.topic, false, 3*time.Second)
	if err != nil {
		return nil
	}
	t, ok := md.Topics[r.topic]
	if !ok {
		return nil
	}
	out := make(map[string]int, len(t.Partitions))
	for _, p := range t.Partitions {
		out[strconv.Itoa(int(p.ID))] = int(p.Leader)
	}
	return out
}

// watch polls the topic's leaders once a second and records every change.
func (r *Runner) watch() {
	defer close(r.watchOK)
	prev := r.leaders()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.watchEnd:
			return
		case <-tick.C:
		}
		asked := time.Now()
		cur := r.leaders()
		if cur == nil {
			continue
		}
		r.seenMu.Lock()
		r.seen, r.seenAt = cur, asked
		r.seenMu.Unlock()
		now := r.sinceMeasure(time.Now())
		for p, to := range cur {
			from, ok := prev[p]
			if !ok {
				from = -1
			}
			if from != to {
				pi, _ := strconv.Atoi(p)
				r.changes = append(r.changes, stats.LeaderChange{OffsetSeconds: round3(now), Partition: pi, From: from, To: to})
			}
		}
		prev = cur
	}
}

// HealAll brings every broken node back and waits (bounded) until every partition of the topic
// has a leader and a full ISR, so the verification read sees a healed cluster.
func (r *Runner) HealAll(ctx context.Context, limit time.Duration) (bool, string) {
	hctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	did, err := r.inj.heal(hctx)
	var notes []string
	if len(did) > 0 {
		notes = append(notes, strings.Join(did, "; "))
	}
	if err != nil {
		return false, strings.Join(append(notes, "heal failed: "+err.Error()), "; ")
	}
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) && ctx.Err() == nil {
		ok, why := r.fullISR()
		if ok {
			return true, strings.Join(notes, "; ")
		}
		last = why
		time.Sleep(500 * time.Millisecond)
	}
	return false, strings.Join(append(notes, fmt.Sprintf("not healed within %s: %s", limit, last)), "; ")
}

// fullISR reports whether every partition of the topic has a leader and all replicas in sync.
func (r *Runner) fullISR() (bool, string) {
	md, err := r.md.Metadata(&r.topic, false, 3*time.Second)
	if err != nil {
		return false, err.Error()
	}
	t, ok := md.Topics[r.topic]
	if !ok {
		return false, "topic not in metadata"
	}
	for _, p := range t.Partitions {
		if p.Leader < 0 {
			return false, fmt.Sprintf("partition %d has no leader", p.ID)
		}
		if len(p.Isrs) < len(p.Replicas) {
			return false, fmt.Sprintf("partition %d: ISR %v of replicas %v", p.ID, p.Isrs, p.Replicas)
		}
	}
	return true, ""
}

// Report is the fault part of the result.
func (r *Runner) Report() *stats.FaultReport {
	return &stats.FaultReport{Schedule: r.schedule, Injector: r.inj.name(), Events: r.events, LeaderChanges: r.changes}
}

// NewInjector picks the injector of a run: the local cluster's processes (local non-nil and no
// commands given), else the user's commands, checked against what the schedule needs. timeout
// bounds each command (zero: 2 min).
func NewInjector(local Processes, schedule []profiles.Fault, commands map[string]string, timeout time.Duration) (Injector, error) {
	if local != nil && len(commands) == 0 {
		if err := checkPowerLossFS(local, schedule); err != nil {
			return nil, err
		}
		return localInjector{local}, nil
	}
	var missing []string
	for _, op := range profiles.NeededFaultCommands(schedule) {
		if _, ok := commands[op]; !ok {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: on a cluster kbench does not run, faults are shell commands; give --fault-command for %s (e.g. --fault-command 'kill=ssh kafka-{broker} sudo systemctl kill -s KILL kafka')",
			ErrSetup, strings.Join(missing, ", "))
	}
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	return &commandInjector{commands: commands, timeout: timeout}, nil
}

// Kind is the injector's kind as result files name it ("local", "remote-commands").
func Kind(i Injector) string { return i.name() }

// Clock bounds a point's phases (unix ns): the warmup starts at Start, the measured phase runs
// from Measure to End. Faults are timed from Measure.
type Clock struct{ Start, Measure, End int64 }

// Config is one point's fault schedule and what it acts on.
type Config struct {
	Schedule  []profiles.Fault
	Injector  Injector
	Metadata  Metadata        // leadership lookups and the full-ISR wait
	Consumers ConsumerCrasher // nil: consumers are not worker processes
	Copiers   CopierFaults    // nil: no copy pipeline
	// Coordinator finds the broker coordinating the point's first transactional.id, for the
	// coordinator target (nil: the point runs no transactions).
	Coordinator func(context.Context) (int, error)
	Topic       string
	Partitions  int
	Clock       Clock
	// AllBrokers narrows a power loss of target all to the first AllBrokers brokers by id (the
	// point's power-loss.brokers); 0: every broker.
	AllBrokers int
}

// NewRunner prepares a point's schedule; Start fires it.
func NewRunner(c Config) *Runner {
	return &Runner{schedule: c.Schedule, inj: c.Injector, md: c.Metadata, consumers: c.Consumers, copiers: c.Copiers, coord: c.Coordinator, topic: c.Topic,
		partitions: c.Partitions, clock: c.Clock, measured: time.Duration(c.Clock.End - c.Clock.Measure), allBrokers: c.AllBrokers}
}

// Firings are the faults that fired, for ComputeAvailability (read after Finish).
func (r *Runner) Firings() []Firing { return r.firings }

// Heal brings back every node the injector can see broken (a test's cleanup, a run's last word);
// it returns what it did.
func Heal(ctx context.Context, i Injector) ([]string, error) { return i.heal(ctx) }

// copierStep runs one copier operation.
func (r *Runner) copierStep(op string, i int) injection {
	if r.copiers == nil {
		return injection{command: op, exitStatus: -1, err: errors.New("no copiers: the point does not run pipeline=copy")}
	}
	var in injection
	switch op {
	case "kill-copier":
		in.command, in.err = r.copiers.Kill(i)
	case "start-copier":
		in.command, in.err = r.copiers.Start(i)
	case "pause-copier":
		in.command, in.err = r.copiers.Pause(i)
	case "resume-copier":
		in.command, in.err = r.copiers.Resume(i)
	case "zombie-copier":
		in.command, in.err = r.copiers.Zombie(i)
	case "release-zombie":
		in.command, in.err = r.copiers.ReleaseZombie(i)
	}
	if in.err != nil {
		in.exitStatus = -1
	}
	return in
}
