package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// What a consumer read travels between machines too: kbench workers that consume report the
// identities their members of the group read, and the coordinator accounts the whole group
// (ConsumerGroup) against its verification read. The form: a version byte, the observed,
// duplicate and out-of-order counts, then per producer its id, the identities seen and the
// identities seen more than once, in roaring's portable serialization. The per-partition
// positions are not sent: order is judged within one reader, not across a group.

const verifierWireVersion = 1

// MarshalBinary encodes the verifier. Call it only after its reader stopped.
func (v *Verifier) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte(verifierWireVersion)
	_ = binary.Write(&b, binary.BigEndian, [3]int64{v.observed, v.duplicates, v.outOfOrder})
	_ = binary.Write(&b, binary.BigEndian, uint32(len(v.seen)))
	for p, s := range v.seen {
		s.optimize()
		dups := v.dups[p]
		if dups == nil {
			dups = roaring64.New()
		}
		_ = binary.Write(&b, binary.BigEndian, p)
		for _, bm := range []*roaring64.Bitmap{s.bm, dups} {
			if err := writeBitmap(&b, bm); err != nil {
				return nil, fmt.Errorf("identities read of producer %d: %w", p, err)
			}
		}
	}
	return b.Bytes(), nil
}

// UnmarshalVerifier decodes what MarshalBinary wrote.
func UnmarshalVerifier(data []byte) (*Verifier, error) {
	r := bytes.NewReader(data)
	ver, err := r.ReadByte()
	if err != nil {
		return nil, errors.New("identities read: empty")
	}
	if ver != verifierWireVersion {
		return nil, fmt.Errorf("identities read: wire version %d, this kbench reads %d", ver, verifierWireVersion)
	}
	v := NewVerifier()
	var counts [3]int64
	var n uint32
	if err := errors.Join(binary.Read(r, binary.BigEndian, &counts), binary.Read(r, binary.BigEndian, &n)); err != nil {
		return nil, fmt.Errorf("identities read: %w", err)
	}
	v.observed, v.duplicates, v.outOfOrder = counts[0], counts[1], counts[2]
	for range n {
		var p uint32
		if err := binary.Read(r, binary.BigEndian, &p); err != nil {
			return nil, fmt.Errorf("identities read: %w", err)
		}
		var bms [2]*roaring64.Bitmap
		for i := range bms {
			bm, err := readBitmap(r)
			if err != nil {
				return nil, fmt.Errorf("identities read of producer %d: %w", p, err)
			}
			bms[i] = bm
		}
		v.seen[p] = &seqSet{bm: bms[0]}
		if !bms[1].IsEmpty() {
			v.dup(p).Or(bms[1])
		}
	}
	return v, nil
}
