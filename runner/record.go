package runner

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/kbench/kbench/profiles"
)

// Record layout. Every value kbench produces starts with a fixed header so that any reader (the
// measuring consumers, the verification read, a later debugging session with kcat) can tell who
// sent it, in which order and when, without any side channel:
//
//	offset 0  uint32 producer id (index of the producer instance within the point)
//	offset 4  uint64 sequence    (per producer, from 0, warmup included)
//	offset 12 int64  send time   (unix nanoseconds of the actual Produce call)
//	offset 20 padding up to the message size (zero bytes)
//
// All fields are big-endian. The key is separate and private to the producer (see keyLen).
const (
	// HeaderLen is the size of the fixed record header; messages are never smaller.
	HeaderLen = 20
	// keyLen is the record key: sequence (uint64) and actual send time (int64). It travels back
	// in the delivery report (go.delivery.report.fields=key), which is how the producer learns
	// which record was acknowledged and when it was sent, without a map or a lock.
	keyLen = 16
)

// The profile validation refuses message sizes below profiles.MinMessageSize; it must be this
// header's length. These two lines fail to compile if the two ever differ.
var (
	_ [HeaderLen - profiles.MinMessageSize]struct{}
	_ [profiles.MinMessageSize - HeaderLen]struct{}
)

// errShortRecord is returned when a value is too short to hold the kbench header: the topic holds
// something kbench did not write.
var errShortRecord = errors.New("record value shorter than the kbench header")

// recordHeader is the decoded fixed header of a record value.
type recordHeader struct {
	Producer uint32
	Seq      uint64
	SendNs   int64
}

// encodeHeader writes h into the first HeaderLen bytes of buf (len(buf) >= HeaderLen).
func encodeHeader(buf []byte, h recordHeader) {
	binary.BigEndian.PutUint32(buf[0:4], h.Producer)
	binary.BigEndian.PutUint64(buf[4:12], h.Seq)
	binary.BigEndian.PutUint64(buf[12:20], uint64(h.SendNs))
}

// decodeHeader reads the fixed header of a record value.
func decodeHeader(v []byte) (recordHeader, error) {
	if len(v) < HeaderLen {
		return recordHeader{}, errShortRecord
	}
	return recordHeader{
		Producer: binary.BigEndian.Uint32(v[0:4]),
		Seq:      binary.BigEndian.Uint64(v[4:12]),
		SendNs:   int64(binary.BigEndian.Uint64(v[12:20])),
	}, nil
}

// encodeKey writes the producer-private key (sequence, send time) into buf (len(buf) >= keyLen).
func encodeKey(buf []byte, seq uint64, sendNs int64) {
	binary.BigEndian.PutUint64(buf[0:8], seq)
	binary.BigEndian.PutUint64(buf[8:16], uint64(sendNs))
}

// decodeKey reads a key written by encodeKey; ok is false for a key kbench did not write.
func decodeKey(k []byte) (seq uint64, sendNs int64, ok bool) {
	if len(k) < keyLen {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(k[0:8]), int64(binary.BigEndian.Uint64(k[8:16])), true
}

// sizeCycle picks message sizes between min and max as a pure function of the sequence, so the
// delivery report (which carries only the key) can tell the acknowledged record's size without a
// lookup, and no random source is used on the hot path. A prime stride walks the range so every
// size appears and the mean is close to the midpoint.
type sizeCycle struct {
	min, span uint64
}

// newSizeCycle returns sizes in [min, max]; both are raised to HeaderLen (runPoint refuses a
// point below it first, so a result never claims a size smaller than what was sent).
func newSizeCycle(min, max int) sizeCycle {
	if min < HeaderLen {
		min = HeaderLen
	}
	if max < min {
		max = min
	}
	return sizeCycle{min: uint64(min), span: uint64(max - min + 1)}
}

// at returns the size of the record with sequence seq.
func (s sizeCycle) at(seq uint64) int {
	if s.span == 1 {
		return int(s.min)
	}
	return int(s.min + (seq*7919)%s.span)
}

// max is the largest size at can return.
func (s sizeCycle) max() int { return int(s.min + s.span - 1) }

// clockBase anchors nowNs: one wall-clock reading taken when the process starts.
var clockBase = time.Now()

// clockBaseNs is clockBase in unix nanoseconds.
var clockBaseNs = clockBase.UnixNano()

// nowNs is the current time in unix nanoseconds for the per-record hot paths (send time,
// delivery time, poll time). It reads only the monotonic clock, one vDSO call where time.Now
// makes two (wall and monotonic), and adds it to a wall-clock reading taken at start, so
// differences between two readings are exact and the value is still wall-clock time, as the
// record header needs for consumers in other processes (drift from the wall clock is the
// NTP slew since start: microseconds over a run).
func nowNs() int64 { return clockBaseNs + int64(time.Since(clockBase)) }
