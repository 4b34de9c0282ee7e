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
}
