// Package cluster runs a real Apache Kafka (KRaft) cluster on 127.0.0.1 from jars fetched from
// Maven Central: dedicated controller processes plus brokers, each with its own ports and data
// directory, and breaks it on purpose (kill, pause, restart) so kbench can measure durability
// against real failures. State lives in a directory so separate kbench invocations find the same
// cluster.
//
// Controllers are kept apart from brokers on purpose: with combined nodes, killing two of three
// brokers would also lose the metadata quorum and the cluster would stall instead of answering
// NOT_ENOUGH_REPLICAS, which is the behaviour a durability benchmark needs to see.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kbench/kbench/cluster/powerfs"
	"github.com/kbench/kbench/inputfile"
)

// Role is what a node does in the cluster.
type Role string

// Node roles.
const (
	RoleBroker     Role = "broker"
	RoleController Role = "controller"
)

// Node is one Kafka process of the local cluster.
type Node struct {
	ID        int    `json:"id"`
	Role      Role   `json:"role"`
	PID       int    `json:"pid"`
	Port      int    `json:"port"`                        // client port (broker) or controller port
	InterPort int    `json:"inter_broker_port,omitempty"` // inter-broker listener (brokers only)
	DataDir   string `json:"data_dir"`
	LogDir    string `json:"log_dir"`
	Config    string `json:"config_file"`
	// Brokers only (see static.go): InForce is the extra broker settings its running process was
	// started with; Changing says a restart toward the cluster's BrokerConfig began and did not
	// finish, so the broker may run either, or be down. nil InForce (a state file older than
	// this field): the cluster's BrokerConfig.
	InForce  map[string]string `json:"broker_config_in_force"`
	Changing bool              `json:"broker_config_changing,omitempty"`
	// FS is the power-loss filesystem DataDir is mounted from (powerloss.go); nil: a plain folder.
	FS *FSProc `json:"power_loss_fs,omitempty"`
}

// State is what the operating system says about the node's process right now.
func (n *Node) State() ProcState { return procState(n.PID, n.Config) }

// Cluster is a local cluster as recorded in its state file.
type Cluster struct {
	Dir          string            `json:"dir"`
	ClusterID    string            `json:"cluster_id"`
	KafkaLibs    string            `json:"kafka_libs"`
	KafkaVersion string            `json:"kafka_version"`
	Java         string            `json:"java"`
	Nodes        []*Node           `json:"nodes"`
	BrokerConfig map[string]string `json:"broker_config,omitempty"`            // extra broker settings a broker starts with (each broker's InForce says what it runs)
	ChangedBy    string            `json:"broker_config_changed_by,omitempty"` // who changed BrokerConfig last and how to undo it
	Auth         Auth              `json:"auth,omitempty"`
	Users        []User            `json:"users,omitempty"` // with Auth: the super user first, then the restricted one
	Started      time.Time         `json:"started"`
	NoELR        bool              `json:"eligible_leader_replicas_off,omitempty"` // formatted with eligible.leader.replicas.version=0

	log        func(format string, args ...any)
	loadedFrom string // the folder Load read the state from: a wipe deletes there, not where the file says
}

// dir is the cluster folder: where the state was loaded from, else where Up made it.
func (c *Cluster) dir() string {
	if c.loadedFrom != "" {
		return c.loadedFrom
	}
	return c.Dir
}

// ErrNotRunning is returned by Load when no cluster state exists in the directory.
var ErrNotRunning = errors.New("no local cluster")

// ErrBadOptions says Up was given options no cluster can be started with (a node count out of
// range, an unknown --auth): the input must change. Errors that match it carry their own message.
var ErrBadOptions = errors.New("bad cluster options")

// badOptions is an ErrBadOptions with its own one-line message.
type badOptions struct{ msg string }

func (e *badOptions) Error() string        { return e.msg }
func (e *badOptions) Is(target error) bool { return target == ErrBadOptions }

// CheckOptions checks the node counts and the authentication of a cluster to start, so that a
// caller can refuse them before anything starts (Up checks them too).
func CheckOptions(brokers, controllers int, auth Auth) error {
	switch {
	case brokers < 1 || brokers > 9:
		return &badOptions{fmt.Sprintf("--brokers %d: want 1 to 9", brokers)}
	case controllers < 1 || controllers > 5:
		return &badOptions{fmt.Sprintf("--controllers %d: want 1 to 5", controllers)}
	case auth != AuthNone && auth != AuthSCRAM:
		return &badOptions{fmt.Sprintf("--auth %q: want scram or nothing", string(auth))}
	}
	return nil
}

// Options say how to start a cluster.
type Options struct {
	Dir          string            // state, configs, data and logs (default DefaultDir())
	Brokers      int               // default 3
	Controllers  int               // default 1
	KafkaLibs    string            // folder of jars (default DefaultKafkaLibs())
	BrokerConfig map[string]string // extra server.properties for brokers
	Auth         Auth              // AuthNone or AuthSCRAM
	// PowerLossSim puts every broker's data folder on its own power-loss filesystem (powerloss.go);
	// PowerLossControllers the controllers' too (it implies PowerLossSim).
	PowerLossSim         bool
	PowerLossControllers bool
	// NoELR formats the cluster with eligible.leader.replicas.version=0: KIP-966's Eligible Leader
	// Replicas off (Kafka 4.1+ turns it on for new clusters).
	NoELR bool
	Log   func(format string, args ...any)
}

const stateFile = "cluster.json"

// Timeouts. A JVM start on a loaded 2-core machine takes seconds; these leave room for that.
const (
	startTimeout   = 120 * time.Second
	stopTimeout    = 30 * time.Second
	rejoinTimeout  = 120 * time.Second
	formatTimeout  = 60 * time.Second
	probeTimeout   = 60 * time.Second
	metadataWait   = 5 * time.Second
	pollInterval   = 250 * time.Millisecond
	logLinesOnFail = 25
)

// DefaultDir is where the local cluster lives unless --dir says otherwise: $KBENCH_CLUSTER_DIR,
// else .cache/cluster beside the kbench checkout the binary was built in, else the user's cache.
func DefaultDir() string {
	if d := os.Getenv("KBENCH_CLUSTER_DIR"); d != "" {
		return d
	}
	return filepath.Join(cacheRoot(), "cluster")
}

// DefaultKafkaLibs is where `make kafka` puts the jars: $KBENCH_KAFKA_LIBS, else
// .cache/kafka-libs of the checkout.
func DefaultKafkaLibs() string {
	if d := os.Getenv("KBENCH_KAFKA_LIBS"); d != "" {
		return d
	}
	return filepath.Join(cacheRoot(), "kafka-libs")
}

// cacheRoot finds the checkout's .cache: beside bin/ of the running binary, or in the working
// directory or one of its parents (go test runs in a package folder), else ~/.cache/kbench.
func cacheRoot() string {
	var starts []string
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(filepath.Dir(exe)))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			starts = append(starts, d)
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	for _, d := range starts {
		if _, err := os.Stat(filepath.Join(d, "kafka", "pom.xml")); err == nil {
			return filepath.Join(d, ".cache")
		}
	}
	if h, err := os.UserCacheDir(); err == nil {
		return filepath.Join(h, "kbench")
	}
	return ".cache"
}

// Brokers returns the broker nodes in id order.
func (c *Cluster) Brokers() []*Node { return c.byRole(RoleBroker) }

// Controllers returns the controller nodes in id order.
func (c *Cluster) Controllers() []*Node { return c.byRole(RoleController) }

func (c *Cluster) byRole(r Role) []*Node {
	var out []*Node
	for _, n := range c.Nodes {
		if n.Role == r {
			out = append(out, n)
		}
	}
	return out
}

// Node returns the node with id, or an error naming the ids that exist.
func (c *Cluster) Node(id int) (*Node, error) {
	var ids []string
	for _, n := range c.Nodes {
		if n.ID == id {
			return n, nil
		}
		ids = append(ids, fmt.Sprintf("%d (%s)", n.ID, n.Role))
	}
	return nil, fmt.Errorf("no node %d in the cluster in %s; nodes: %s", id, c.Dir, strings.Join(ids, ", "))
}

// Bootstrap is the bootstrap.servers string for clients.
func (c *Cluster) Bootstrap() string {
	var parts []string
	for _, n := range c.Brokers() {
		parts = append(parts, fmt.Sprintf("127.0.0.1:%d", n.Port))
	}
	return strings.Join(parts, ",")
}

// Stale reports whether the state file describes a cluster none of whose processes exist any
// more (machine rebooted, processes killed outside kbench).
func (c *Cluster) Stale() bool {
	for _, n := range c.Nodes {
		if n.State() != StateDown {
			return false
		}
	}
	return true
}

func (c *Cluster) logf(format string, args ...any) {
	if c.log != nil {
		c.log(format, args...)
	}
}

// Load reads the cluster state in dir; ErrNotRunning when there is none. A stale state (no
// process alive) is returned too: callers check Stale and say so rather than trust it.
func Load(dir string) (*Cluster, error) {
	b, err := inputfile.Read(filepath.Join(dir, stateFile), "cluster state", inputfile.Limit)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (start one with `kbench cluster up`)", ErrNotRunning, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read cluster state: %w", err)
	}
	var c Cluster
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cluster state %s is damaged (%v): remove it or run `kbench cluster down --wipe --dir %s`", filepath.Join(dir, stateFile), err, dir)
	}
	if c.loadedFrom, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("cluster folder %s: %w", dir, err)
	}
	return &c, nil
}

// SetLog sets where progress messages of long operations go.
func (c *Cluster) SetLog(f func(format string, args ...any)) { c.log = f }

// save writes the state file atomically.
func (c *Cluster) save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(c.Dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(c.Dir, stateFile)); err != nil {
		return fmt.Errorf("write cluster state: %w", err)
	}
	return nil
}

var kafkaJarRE = regexp.MustCompile(`^kafka_2\.1[0-9]-(\d+\.\d+\.\d+)\.jar$`)

// kafkaVersion checks libs holds a Kafka broker and returns its version, read from the jar name
// (works for `make kafka`'s cache and for the libs/ folder of an Apache Kafka binary download).
func kafkaVersion(libs string) (string, error) {
	entries, err := os.ReadDir(libs)
	if err != nil {
		return "", fmt.Errorf("no Kafka jars in %s: run `make kafka` (fetches them from Maven Central) or pass --kafka-libs DIR (e.g. the libs/ folder of an Apache Kafka download)", libs)
	}
	for _, e := range entries {
		if m := kafkaJarRE.FindStringSubmatch(e.Name()); m != nil {
			return m[1], nil
		}
	}
	return "", fmt.Errorf("no kafka_2.13-*.jar in %s: run `make kafka` (fetches them from Maven Central) or pass --kafka-libs DIR (e.g. the libs/ folder of an Apache Kafka download)", libs)
}

// newClusterID makes a Kafka cluster id (URL-safe base64 of 16 random bytes), as
// `kafka-storage random-uuid` does, without starting a JVM for it.
func newClusterID() (string, error) {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		id := base64.RawURLEncoding.EncodeToString(b[:])
		if !strings.HasPrefix(id, "-") {
			return id, nil
		}
	}
}

// Up formats storage and starts the cluster, returning when every broker is registered and a
// topic replicated on every broker accepts an acks=all write. On failure nothing is left running.
func Up(ctx context.Context, o Options) (*Cluster, error) {
	o = o.withDefaults()
	if err := CheckOptions(o.Brokers, o.Controllers, o.Auth); err != nil {
		return nil, err
	}
	if o.PowerLossSim || o.PowerLossControllers {
		if err := powerfs.CheckFUSE(); err != nil {
			return nil, fmt.Errorf("--power-loss-sim: %w", err)
		}
	}
	c, err := prepare(o)
	if err != nil {
		return nil, err
	}
	if err := c.layOut(o); err != nil {
		return nil, err
	}
	if err := c.boot(ctx, o.Brokers); err != nil {
		return nil, err
	}
	return c, nil
}

// withDefaults fills what the options leave zero: the default folder and jars, 3 brokers and one
// controller.
func (o Options) withDefaults() Options {
	if o.Dir == "" {
		o.Dir = DefaultDir()
	}
	if o.Brokers == 0 {
		o.Brokers = 3
	}
	if o.Controllers == 0 {
		o.Controllers = 1
	}
	if o.KafkaLibs == "" {
		o.KafkaLibs = DefaultKafkaLibs()
	}
	return o
}

// prepare claims the cluster folder and finds what the cluster will run on (Kafka's jars and
// version, the JDK) without starting anything: a cluster already running there, or a folder that
// is not kbench's, is refused before anything is written.
func prepare(o Options) (*Cluster, error) {
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	libs, err := filepath.Abs(o.KafkaLibs)
	if err != nil {
		return nil, err
	}
	if old, err := Load(dir); err == nil {
		if !old.Stale() {
			return nil, fmt.Errorf("a cluster is already running in %s (bootstrap %s): use it, or `kbench cluster down` first", dir, old.Bootstrap())
		}
		if o.Log != nil {
			o.Log("state in %s is stale (no process of it is alive); starting a fresh cluster", dir)
		}
	}
	// Mark the folder as kbench's before anything is written to it (or refuse a folder that is
	// someone else's): a wipe deletes only in a marked folder.
	if err := claimDir(dir); err != nil {
		return nil, err
	}
	version, err := kafkaVersion(libs)
	if err != nil {
		return nil, err
	}
	java, err := javaBinary()
	if err != nil {
		return nil, err
	}
	id, err := newClusterID()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, ClusterID: id, KafkaLibs: libs, KafkaVersion: version, Java: java,
		BrokerConfig: o.BrokerConfig, Auth: o.Auth, Started: time.Now().UTC(), NoELR: o.NoELR, log: o.Log}
	if o.Auth == AuthSCRAM {
		if c.Users, err = newUsers(dir); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// layOut gives every node its ports and folder and writes their configs: a fresh cluster every
// time, since old node folders would carry another cluster id. Only the node folders kbench made
// go (claimDir has made sure the folder is kbench's).
func (c *Cluster) layOut(o Options) error {
	brokers, controllers := o.Brokers, o.Controllers
	ports, err := freePorts(controllers + 2*brokers)
	if err != nil {
		return err
	}
	if err := removeNodes(c.Dir); err != nil {
		return err
	}
	for i := 0; i < controllers; i++ {
		c.Nodes = append(c.Nodes, c.newNode(controllerIDBase+i, RoleController, ports[i], 0))
	}
	for i := 0; i < brokers; i++ {
		c.Nodes = append(c.Nodes, c.newNode(i+1, RoleBroker, ports[controllers+2*i], ports[controllers+2*i+1]))
	}
	for _, n := range c.Nodes {
		if (n.Role == RoleBroker && (o.PowerLossSim || o.PowerLossControllers)) || (n.Role == RoleController && o.PowerLossControllers) {
			n.FS = newFS(n)
		}
	}
	return c.writeConfigs()
}

// boot formats storage, starts every node and returns once the cluster takes an acks=all write
// on a topic replicated on every broker. A failed boot leaves no process behind.
func (c *Cluster) boot(ctx context.Context, brokers int) (err error) {
	defer func() {
		if err != nil {
			c.killAll()
			if uerr := c.unmountAll(); uerr != nil {
				err = errors.Join(err, uerr)
			}
			os.Remove(filepath.Join(c.Dir, stateFile)) // this start's own state file, in the folder claimDir marked
		}
	}()
	if err := c.mountAll(); err != nil {
		return err
	}
	c.logf("formatting storage of %d controller(s) and %d broker(s), Kafka %s", len(c.Controllers()), brokers, c.KafkaVersion)
	if err := c.format(ctx); err != nil {
		return err
	}
	if err := c.markSyncedAll(); err != nil {
		return err
	}
	for _, n := range append(c.Controllers(), c.Brokers()...) {
		if err := c.start(n); err != nil {
			return err
		}
	}
	if err := c.save(); err != nil {
		return err
	}
	c.logf("waiting for %d brokers to register", brokers)
	if err := c.waitRegistered(ctx); err != nil {
		return err
	}
	c.logf("checking that a topic with replication factor %d takes an acks=all write", brokers)
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := c.probeWrite(pctx, brokers); err != nil {
		return c.withDeadNodes(fmt.Errorf("cluster started but does not take writes: %w", err))
	}
	if err := c.grantRestricted(ctx); err != nil {
		return err
	}
	return c.writeClientConfigs()
}

func (c *Cluster) newNode(id int, role Role, port, inter int) *Node {
	base := filepath.Join(c.Dir, "nodes", fmt.Sprintf("%s-%d", role, id))
	return &Node{ID: id, Role: role, Port: port, InterPort: inter,
		DataDir: filepath.Join(base, "data"), LogDir: filepath.Join(base, "logs"),
		Config: filepath.Join(base, "server.properties")}
}

func (c *Cluster) log4jFile() string { return filepath.Join(c.Dir, "log4j2.properties") }

// writeConfigs (re)writes every node's server.properties from the cluster's current settings.
func (c *Cluster) writeConfigs() error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(c.log4jFile(), []byte(log4j2Properties), 0o644); err != nil {
		return err
	}
	for _, n := range c.Nodes {
		dirs := []string{n.DataDir, n.LogDir}
		if n.FS != nil {
			dirs = append(dirs, n.FS.Source)
		}
		for _, d := range dirs {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		props := c.nodeProperties(n)
		if err := os.WriteFile(n.Config, []byte(props), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", n.Config, err)
		}
	}
	return nil
}

// format runs Kafka's StorageTool on every node, in parallel (each is a JVM start).
func (c *Cluster) format(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, formatTimeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append(jvmArgs(n, c.KafkaLibs, c.log4jFile()), "kafka.tools.StorageTool", "format", "-t", c.ClusterID, "-c", n.Config)
			args = append(args, c.scramFormatArgs(n.Role)...)
			if c.NoELR {
				args = append(args, "--feature", "eligible.leader.replicas.version=0")
			}
			args[0], args[1] = "-Xmx256m", "-Xms64m"
			out, err := commandOutput(ctx, c.Java, args...)
			if err != nil {
				errs[i] = fmt.Errorf("format storage of %s %d: %w\n%s", n.Role, n.ID, err, lastLines(out, logLinesOnFail))
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// start launches one node and records its pid.
func (c *Cluster) start(n *Node) error {
	for _, p := range []int{n.Port, n.InterPort} {
		// A port just released by a killed node may take a moment to be bindable again.
		deadline := time.Now().Add(5 * time.Second)
		for p != 0 && !portFree(p) {
			if time.Now().After(deadline) {
				return fmt.Errorf("start %s %d: port %d on 127.0.0.1 is in use by another process", n.Role, n.ID, p)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	argv := append([]string{c.Java}, jvmArgs(n, c.KafkaLibs, c.log4jFile())...)
	argv = append(argv, "kafka.Kafka", n.Config)
	pid, err := startDetached(argv, filepath.Join(n.LogDir, "stdout.log"))
	if err != nil {
		return fmt.Errorf("start %s %d: %w", n.Role, n.ID, err)
	}
	n.PID = pid
	if n.Role == RoleBroker {
		n.InForce, n.Changing = cloneConfig(c.BrokerConfig), false
	}
	return nil
}

// withDeadNodes adds, to an error, which nodes died and the last lines of their logs.
func (c *Cluster) withDeadNodes(err error) error {
	var b strings.Builder
	for _, n := range c.Nodes {
		if n.State() == StateDown {
			fmt.Fprintf(&b, "\n%s %d exited; last lines of %s:\n%s", n.Role, n.ID, filepath.Join(n.LogDir, "server.log"), c.nodeLogTail(n))
		}
	}
	if b.Len() == 0 {
		return err
	}
	return fmt.Errorf("%w%s", err, b.String())
}

// nodeLogTail is the end of the node's server.log, or of its stdout when the JVM died before
// logging started (bad option, missing class, port in use).
func (c *Cluster) nodeLogTail(n *Node) string {
	s := tail(filepath.Join(n.LogDir, "server.log"), logLinesOnFail)
	out := tail(filepath.Join(n.LogDir, "stdout.log"), logLinesOnFail)
	if strings.TrimSpace(out) != "" {
		s += "\n" + out
	}
	if strings.Contains(s, "Address already in use") {
		s = "port in use: another process took one of its ports\n" + s
	}
	return s
}

// waitRegistered waits until every broker is in the cluster metadata, failing fast with the
// node's log when one exits.
func (c *Cluster) waitRegistered(ctx context.Context) error {
	want := len(c.Brokers())
	deadline := time.Now().Add(startTimeout)
	var last string
	for {
		for _, n := range c.Nodes {
			if n.State() == StateDown {
				return c.withDeadNodes(fmt.Errorf("%s %d exited during start", n.Role, n.ID))
			}
		}
		md, err := c.metadata(metadataWait)
		if err == nil {
			if got := len(registeredBrokers(md)); got == want {
				return nil
			} else {
				last = fmt.Sprintf("%d of %d brokers registered", got, want)
			}
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return c.withDeadNodes(fmt.Errorf("brokers not ready after %s: %s", startTimeout, last))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// killAll sends SIGKILL to every node (used to leave nothing behind after a failed start).
func (c *Cluster) killAll() {
	for _, n := range c.Nodes {
		if n.State() != StateDown {
			signal(n.PID, syscall.SIGCONT)
			signal(n.PID, syscall.SIGKILL)
			waitGone(n.PID, 10*time.Second)
		}
	}
}

// Down stops every process (brokers first, with a controlled shutdown while the controllers are
// still there, then controllers); wipe also deletes the cluster directory.
func (c *Cluster) Down(ctx context.Context, wipe bool) error {
	var errs []error
	for _, group := range [][]*Node{c.Brokers(), c.Controllers()} {
		var wg sync.WaitGroup
		for _, n := range group {
			if n.State() == StateDown {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.stop(n); err != nil {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := c.unmountAll(); err != nil {
		return err // nothing is wiped while a filesystem may still be mounted
	}
	if !wipe {
		return os.Remove(filepath.Join(c.dir(), stateFile)) // kbench's own state file
	}
	left, err := Wipe(c.dir())
	if len(left) > 0 {
		c.logf("kept %s: it also holds %s, which kbench did not make", c.dir(), strings.Join(left, ", "))
	}
	return err
}

// stop asks a node to shut down (SIGTERM) and kills it if it has not gone within stopTimeout.
func (c *Cluster) stop(n *Node) error {
	signal(n.PID, syscall.SIGCONT) // a paused JVM cannot handle SIGTERM
	if err := signal(n.PID, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop %s %d (pid %d): %w", n.Role, n.ID, n.PID, err)
	}
	if waitGone(n.PID, stopTimeout) {
		return nil
	}
	c.logf("%s %d did not stop within %s; killing it", n.Role, n.ID, stopTimeout)
	signal(n.PID, syscall.SIGKILL)
	if !waitGone(n.PID, 10*time.Second) {
		return fmt.Errorf("%s %d (pid %d) survives SIGKILL", n.Role, n.ID, n.PID)
	}
	return nil
}

// Kill sends SIGKILL to node id (broker or controller) and waits until the process is gone.
func (c *Cluster) Kill(id int) error {
	n, err := c.Node(id)
	if err != nil {
		return err
	}
	if n.State() == StateDown {
		return fmt.Errorf("%s %d is not running", n.Role, n.ID)
	}
	if err := signal(n.PID, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s %d: %w", n.Role, n.ID, err)
	}
	if !waitGone(n.PID, 10*time.Second) {
		return fmt.Errorf("%s %d (pid %d) survives SIGKILL", n.Role, n.ID, n.PID)
	}
	return nil
}

// Pause sends SIGSTOP to node id: the process keeps its sockets but answers nothing, like a long
// GC pause or a frozen VM.
func (c *Cluster) Pause(id int) error { return c.sendTo(id, syscall.SIGSTOP, StateUp, StatePaused) }

// Resume sends SIGCONT to a paused node id.
func (c *Cluster) Resume(id int) error { return c.sendTo(id, syscall.SIGCONT, StatePaused, StateUp) }

func (c *Cluster) sendTo(id int, sig syscall.Signal, from, to ProcState) error {
	n, err := c.Node(id)
	if err != nil {
		return err
	}
	if s := n.State(); s != from {
		return fmt.Errorf("%s %d is %s, not %s", n.Role, n.ID, s, from)
	}
	if err := signal(n.PID, sig); err != nil {
		return fmt.Errorf("signal %s %d: %w", n.Role, n.ID, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.State() != to {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %d did not become %s", n.Role, n.ID, to)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// Restart starts node id again with the same data and ports (stopping it first if it runs) and,
// for a broker, waits until it is registered and back in the ISR of every partition it replicates.
// A broker starts with the cluster's BrokerConfig; until its new process is recorded, the state
// says it is changing (a kill of kbench in between leaves that visible, never a false claim).
func (c *Cluster) Restart(ctx context.Context, id int) error {
	n, err := c.Node(id)
	if err != nil {
		return err
	}
	if n.Role == RoleBroker && !maps.Equal(c.brokerInForce(n), c.BrokerConfig) {
		n.Changing = true
		if err := c.save(); err != nil {
			return err
		}
	}
	if n.State() != StateDown {
		if err := c.stop(n); err != nil {
			return err
		}
	}
	if n.FS != nil {
		if err := c.fsProblem(n); err != nil {
			return fmt.Errorf("not starting %s %d: its power-loss filesystem is down: %w", n.Role, n.ID, err)
		}
	}
	if err := c.writeNodeConfig(n); err != nil {
		return err
	}
	logFile := filepath.Join(n.LogDir, "server.log")
	var logSize int64
	if fi, err := os.Stat(logFile); err == nil {
		logSize = fi.Size()
	}
	if err := c.start(n); err != nil {
		return err
	}
	if err := c.save(); err != nil {
		return err
	}
	return c.waitRejoined(ctx, n, logFile, logSize)
}

// startedMarker is what Kafka logs once a node (a broker: once unfenced) is serving.
const startedMarker = "Kafka Server started"

// loggedSince reports whether the file has marker after offset.
func loggedSince(path string, offset int64, marker string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() < offset {
		offset = 0 // rotated or truncated
	}
	b, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<40))
	return err == nil && strings.Contains(string(b), marker)
}

// waitRejoined waits until a restarted node is useful again: the new process has logged that it
// started (metadata alone cannot tell: a broker killed moments ago is still listed until its
// session times out), and a broker is back in the ISR of every partition it replicates.
func (c *Cluster) waitRejoined(ctx context.Context, n *Node, logFile string, logOffset int64) error {
	deadline := time.Now().Add(rejoinTimeout)
	last := "the process has not logged that it started"
	for {
		if n.State() == StateDown {
			return c.withDeadNodes(fmt.Errorf("%s %d exited after restart", n.Role, n.ID))
		}
		if loggedSince(logFile, logOffset, startedMarker) {
			if n.Role == RoleController {
				return nil
			}
			md, err := c.metadata(metadataWait)
			if err != nil {
				last = err.Error()
			} else if ok, why := inSync(md, n.ID); ok {
				return nil
			} else {
				last = why
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %d not back after %s: %s", n.Role, n.ID, rejoinTimeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// quorumState is the part of a controller's __cluster_metadata-0/quorum-state file we read.
type quorumState struct {
	LeaderID    int `json:"leaderId"`
	LeaderEpoch int `json:"leaderEpoch"`
}

// ActiveController returns the id of the KRaft quorum leader, read from the newest epoch among
// the live controllers' quorum-state files (no JVM tool needed).
func (c *Cluster) ActiveController() (int, error) {
	best := quorumState{LeaderID: -1, LeaderEpoch: -1}
	for _, n := range c.Controllers() {
		if n.State() == StateDown {
			continue
		}
		b, err := os.ReadFile(filepath.Join(n.DataDir, "__cluster_metadata-0", "quorum-state"))
		if err != nil {
			continue
		}
		var q quorumState
		if json.Unmarshal(b, &q) == nil && q.LeaderEpoch > best.LeaderEpoch {
			best = q
		}
	}
	if best.LeaderID < 0 {
		return 0, errors.New("no active controller known (no live controller has elected a leader)")
	}
	if n, err := c.Node(best.LeaderID); err != nil || n.State() == StateDown {
		return 0, fmt.Errorf("no active controller: the last known leader %d is down", best.LeaderID)
	}
	return best.LeaderID, nil
}

// NodeStatus is one row of `kbench cluster status`.
type NodeStatus struct {
	Node
	State  ProcState `json:"state"`
	Active bool      `json:"active_controller,omitempty"`
}

// Status reports every node's process state and which controller leads the quorum.
func (c *Cluster) Status() []NodeStatus {
	active, _ := c.ActiveController()
	var out []NodeStatus
	for _, n := range c.Nodes {
		out = append(out, NodeStatus{Node: *n, State: n.State(), Active: n.Role == RoleController && n.ID == active})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Role != out[j].Role {
			return out[i].Role == RoleController
		}
		return out[i].ID < out[j].ID
	})
	return out
}
