package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// A ledger travels between machines (kbench workers report theirs to the coordinator, which
// reconciles every worker's ledgers against one verification read), so it has a portable binary
// form: a version byte, the producer id, then the four sequence sets in roaring's own portable
// serialization, then the failure counts by error code.

const ledgerWireVersion = 1

// MarshalBinary encodes the ledger. Call it only after the producer stopped (as Reconcile).
func (l *Ledger) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte(ledgerWireVersion)
	_ = binary.Write(&b, binary.BigEndian, l.producer)
	for _, s := range []*seqSet{&l.sent, &l.acked, &l.failed, &l.indeterminate} {
		s.optimize()
		if err := writeBitmap(&b, s.bm); err != nil {
			return nil, fmt.Errorf("ledger of producer %d: %w", l.producer, err)
		}
	}
	_ = binary.Write(&b, binary.BigEndian, uint32(len(l.failures)))
	for code, fc := range l.failures {
		_ = binary.Write(&b, binary.BigEndian, int32(code))
		_ = binary.Write(&b, binary.BigEndian, fc.count)
		_ = binary.Write(&b, binary.BigEndian, uint16(len(fc.name)))
		b.WriteString(fc.name)
	}
	return b.Bytes(), nil
}

// UnmarshalLedger decodes what MarshalBinary wrote.
func UnmarshalLedger(data []byte) (*Ledger, error) {
	r := bytes.NewReader(data)
	v, err := r.ReadByte()
	if err != nil {
		return nil, errors.New("ledger: empty")
	}
	if v != ledgerWireVersion {
		return nil, fmt.Errorf("ledger: wire version %d, this kbench reads %d", v, ledgerWireVersion)
	}
	var id uint32
	if err := binary.Read(r, binary.BigEndian, &id); err != nil {
		return nil, fmt.Errorf("ledger: producer id: %w", err)
	}
	l := NewLedger(id)
	for _, s := range []*seqSet{&l.sent, &l.acked, &l.failed, &l.indeterminate} {
		bm, err := readBitmap(r)
		if err != nil {
			return nil, fmt.Errorf("ledger of producer %d: %w", id, err)
		}
		s.bm = bm
	}
	var nf uint32
	if err := binary.Read(r, binary.BigEndian, &nf); err != nil {
		return nil, fmt.Errorf("ledger of producer %d: failures: %w", id, err)
	}
	for range nf {
		var code int32
		var count int64
		var ln uint16
		if err := errors.Join(binary.Read(r, binary.BigEndian, &code), binary.Read(r, binary.BigEndian, &count),
			binary.Read(r, binary.BigEndian, &ln)); err != nil {
			return nil, fmt.Errorf("ledger of producer %d: failures: %w", id, err)
		}
		name := make([]byte, ln)
		if _, err := io.ReadFull(r, name); err != nil {
			return nil, fmt.Errorf("ledger of producer %d: failures: %w", id, err)
		}
		l.failures[int(code)] = failureCount{name: string(name), count: count}
	}
	return l, nil
}

// writeBitmap appends a set in roaring's portable serialization, after its length.
func writeBitmap(b *bytes.Buffer, bm *roaring64.Bitmap) error {
	raw, err := bm.ToBytes()
	if err != nil {
		return err
	}
	_ = binary.Write(b, binary.BigEndian, uint32(len(raw)))
	b.Write(raw)
	return nil
}

// readBitmap reads what writeBitmap wrote; a length past the data's end is "truncated".
func readBitmap(r *bytes.Reader) (*roaring64.Bitmap, error) {
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	if int64(n) > int64(r.Len()) {
		return nil, errors.New("truncated")
	}
	raw := make([]byte, n)
	_, _ = io.ReadFull(r, raw)
	bm := roaring64.New()
	if _, err := bm.FromUnsafeBytes(raw); err != nil {
		return nil, err
	}
	return bm, nil
}
