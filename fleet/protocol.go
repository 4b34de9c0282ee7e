// Package fleet is kbench on many machines: the protocol a coordinating `kbench sweep --workers N`
// and its `kbench worker` processes speak over one control topic on the cluster under test (no
// other port, service or shared disk), each worker's share of a point, the clock offset each
// worker estimates to the coordinator, and the exact merge of the workers' results. It is pure:
// the Kafka transport and the measuring engine are the runner's, behind Bus and ShareFunc.
package fleet

import (
	"encoding/json"
	"fmt"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// WireVersion is the control messages' format version. A message of another version is refused
// with a line naming both, never half-read.
const WireVersion = 1

// Kind is what a control message is.
type Kind string

const (
	KindPing      Kind = "ping"      // worker -> coordinator: clock round trip
	KindPong      Kind = "pong"      // coordinator -> worker: answer with the coordinator's time
	KindReady     Kind = "ready"     // worker -> coordinator: joined, offset estimated
	KindPlan      Kind = "plan"      // coordinator -> workers: a point, its topic and common start
	KindHeartbeat Kind = "heartbeat" // both ways, once a second
	KindResult    Kind = "result"    // worker -> coordinator: its share of a point, measured
	KindDone      Kind = "done"      // coordinator -> workers: the run is over, exit
)

// FromCoordinator is the sender index of the coordinator (workers are 0..N-1).
const FromCoordinator = -1

// Message is one control record. Run names the run: a message of another run is ignored, so a
// worker never acts on (or deletes anything of) another run.
type Message struct {
	V      int     `json:"v"`
	Kind   Kind    `json:"kind"`
	Run    string  `json:"run"`
	From   int     `json:"from"`             // worker index, or FromCoordinator
	To     *int    `json:"to,omitempty"`     // addressee (pong); nil: everyone
	SentNs int64   `json:"sent_ns"`          // the sender's clock when sent (unix ns)
	EchoNs int64   `json:"echo_ns,omitzero"` // pong: the ping's SentNs
	Point  string  `json:"point,omitempty"`  // plan, heartbeat, result: the point id
	Plan   *Plan   `json:"plan,omitempty"`
	Result *Result `json:"result,omitempty"`
	Offset *Offset `json:"offset,omitempty"` // ready: the worker's estimate
	// Progress: a worker's heartbeat carries its share's live counters; the coordinator's
	// carries the point's totals over every worker (the consumers' drain waits on them).
	Progress *Progress `json:"progress,omitempty"`
}

// Plan is a point as the coordinator hands it out: every worker measures the same point on the
// same topic, each its Share, from StartNs (coordinator time) for warmup plus duration.
type Plan struct {
	Point      profiles.Point `json:"point"`
	Topic      string         `json:"topic"`
	Partitions int            `json:"partitions"`
	Workers    int            `json:"workers"`
	IDBase     uint32         `json:"id_base"`  // the point's first producer id
	StartNs    int64          `json:"start_ns"` // warmup begins, coordinator clock
	// Offsets are every worker's clock offset to the coordinator (by index), so a consumer can
	// put a record produced on another worker on its own clock (end-to-end latency).
	Offsets []Offset `json:"offsets,omitempty"`
}

// Encode returns the message's wire form.
func Encode(m Message) ([]byte, error) {
	m.V = WireVersion
	return json.Marshal(m)
}

// Decode reads a message, refusing another wire version.
func Decode(b []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("control message: %w", err)
	}
	if m.V != WireVersion {
		return m, fmt.Errorf("control message of wire version %d; this kbench speaks %d (run the same kbench version everywhere)", m.V, WireVersion)
	}
	return m, nil
}

// ControlTopic is the run's control topic: kbench's prefix and the run id, so `kbench clean
// --run ID` finds it like the run's other topics.
func ControlTopic(prefix, runID string) string { return prefix + runID + "-control" }

// Result is one worker's share of one point, measured: counters, encoded HDR histograms (merged
// exactly), audit ledgers, per-second series, and the clock offset its times were taken with.
type Result struct {
	Worker        int               `json:"worker"`
	Point         string            `json:"point"`
	Share         Share             `json:"share"`
	Offset        Offset            `json:"offset"`
	Status        stats.Status      `json:"status"`
	Error         string            `json:"error,omitempty"`
	Notes         []string          `json:"notes,omitempty"`
	Sent          int64             `json:"sent"`
	SentBytes     int64             `json:"sent_bytes"`
	Acked         int64             `json:"acked"`
	AckedBytes    int64             `json:"acked_bytes"`
	FailedByError map[string]int64  `json:"failed_by_error,omitempty"`
	Histograms    map[string]string `json:"histograms,omitempty"` // stats.Hist* -> stats encoding
	Ledgers       [][]byte          `json:"ledgers,omitempty"`    // audit.Ledger binary form
	Series        []stats.Second    `json:"series,omitempty"`
	Seconds       float64           `json:"measured_seconds"`

	// The share's consumers (members of the point's one group): records read in the measured
	// phase, the identities read (audit.Verifier binary form, one per consumer), and the signed
	// acknowledged-minus-read count at each per-second sample (the first at the measured phase's
	// start): the group's lag is the sum over workers, not any one worker's difference.
	Consumed      int64    `json:"consumed,omitempty"`
	ConsumedBytes int64    `json:"consumed_bytes,omitempty"`
	Reads         [][]byte `json:"reads,omitempty"`
	LagBalance    []int64  `json:"lag_balance,omitempty"`
	// EndToEndUncertaintyNs bounds the clock error of this worker's end-to-end latencies: its
	// own offset uncertainty plus the largest of the producing workers' (0: one clock).
	EndToEndUncertaintyNs int64 `json:"end_to_end_uncertainty_ns,omitempty"`
}

// HistEndToEndSameWorker is the result histogram of the records a worker both produced and
// consumed: one clock, no offset correction (a subset of the point's records).
const HistEndToEndSameWorker = "end_to_end_same_worker"

// Progress is a point's live counters. From a worker: its share's (AckedAll and ConsumedAll
// count every phase; Produced says its producers have drained). From the coordinator: the sums
// over the workers, Produced when every worker still alive has drained its producers.
type Progress struct {
	Point        string  `json:"point"`
	Acked        int64   `json:"acked"` // measured phase
	Consumed     int64   `json:"consumed"`
	AckedAll     int64   `json:"acked_all"`
	ConsumedAll  int64   `json:"consumed_all"`
	Errors       int64   `json:"errors"`
	ProduceP99Ms float64 `json:"produce_p99_ms"` // the last second's (coordinator: the largest)
	Produced     bool    `json:"produced,omitempty"`
	HasConsumers bool    `json:"has_consumers,omitempty"`
}

// CaughtUp says the point's consumers have read every acknowledged record of every producer.
func (p Progress) CaughtUp() bool { return p.Produced && p.ConsumedAll >= p.AckedAll }
