// Package record is the layout of the records kbench produces: a fixed header at the start of
// every value and a producer-private key. Producers, consumers and the verification read of any
// client implementation share it, so it is pure Go with no dependency.
package record

import (
	"encoding/binary"
	"errors"
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
// All fields are big-endian. The key is separate and private to the producer (see KeyLen).
const (
	// HeaderLen is the size of the fixed record header; messages are never smaller.
	HeaderLen = 20
	// KeyLen is the record key: sequence (uint64) and actual send time (int64). It travels back
	// in the delivery report (go.delivery.report.fields=key), which is how the producer learns
	// which record was acknowledged and when it was sent, without a map or a lock.
	KeyLen = 16
)

// ErrShort is returned when a value is too short to hold the kbench header: the topic holds
// something kbench did not write.
var ErrShort = errors.New("record value shorter than the kbench header")

// Header is the decoded fixed header of a record value.
type Header struct {
	Producer uint32
	Seq      uint64
	SendNs   int64
}

// EncodeHeader writes h into the first HeaderLen bytes of buf (len(buf) >= HeaderLen).
func EncodeHeader(buf []byte, h Header) {
	binary.BigEndian.PutUint32(buf[0:4], h.Producer)
	binary.BigEndian.PutUint64(buf[4:12], h.Seq)
	binary.BigEndian.PutUint64(buf[12:20], uint64(h.SendNs))
}

// DecodeHeader reads the fixed header of a record value.
func DecodeHeader(v []byte) (Header, error) {
	if len(v) < HeaderLen {
		return Header{}, ErrShort
	}
	return Header{
		Producer: binary.BigEndian.Uint32(v[0:4]),
		Seq:      binary.BigEndian.Uint64(v[4:12]),
		SendNs:   int64(binary.BigEndian.Uint64(v[12:20])),
	}, nil
}

// EncodeKey writes the producer-private key (sequence, send time) into buf (len(buf) >= KeyLen).
func EncodeKey(buf []byte, seq uint64, sendNs int64) {
	binary.BigEndian.PutUint64(buf[0:8], seq)
	binary.BigEndian.PutUint64(buf[8:16], uint64(sendNs))
}

// DecodeKey reads a key written by EncodeKey; ok is false for a key kbench did not write.
func DecodeKey(k []byte) (seq uint64, sendNs int64, ok bool) {
	if len(k) < KeyLen {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(k[0:8]), int64(binary.BigEndian.Uint64(k[8:16])), true
}

// The copy pipeline's tag. A copier writes each record it copies unchanged except for the
// CopyTagLen bytes after the header, which say who copied it:
//
//	offset 20 uint32 copier instance (1 for the first copier process of a point, 0: not a copy)
//	offset 24 uint32 the instance's transaction number (from 0)
//
// so the audit can tell a fenced copier's writes (which must never become visible) from its
// replacement's, record by record. Records smaller than HeaderLen+CopyTagLen carry no tag.
const CopyTagLen = 8

// CopyTag is the decoded copier tag of a copied record.
type CopyTag struct {
	Instance uint32
	Txn      uint32
}

// EncodeCopyTag writes t after the header of v; false when v is too short to hold it.
func EncodeCopyTag(v []byte, t CopyTag) bool {
	if len(v) < HeaderLen+CopyTagLen {
		return false
	}
	binary.BigEndian.PutUint32(v[HeaderLen:], t.Instance)
	binary.BigEndian.PutUint32(v[HeaderLen+4:], t.Txn)
	return true
}

// DecodeCopyTag reads the copier tag of v; ok is false when v holds none.
func DecodeCopyTag(v []byte) (t CopyTag, ok bool) {
	if len(v) < HeaderLen+CopyTagLen {
		return CopyTag{}, false
	}
	t = CopyTag{Instance: binary.BigEndian.Uint32(v[HeaderLen:]), Txn: binary.BigEndian.Uint32(v[HeaderLen+4:])}
	return t, t.Instance != 0
}
