package safety

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// NewRunID is a run id that sorts by start time and does not collide with another kbench
// started in the same second against the same cluster.
func NewRunID() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%04x", time.Now().UTC().Format("20060102-150405"), binary.BigEndian.Uint16(b[:]))
}
