package safety

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// NewRunID is a run id that sorts by start time and does not collide with another kbench
// started in the same second against the same cluster.
func NewRunID() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%04x", time.Now().UTC().Format("20060102-150405"), binary.BigEndian.Uint16(b[:]))
}

// CheckRunID refuses a run id that could begin another run's id. `kbench clean --run ID`
// deletes every topic named prefix+ID+"-"..., so an id like "cap-1" would also take run
// "cap-1-b"'s topics. A run id is therefore either the default shape (date-time-hex, fixed
// length: no other id begins with it followed by "-") or letters, digits, '.' and '_' without
// '-' (no id can continue it after a '-' except a default id, whose date part is eight digits: an
// all-digit id of eight is refused too).
func CheckRunID(id string) error {
	switch {
	case defaultRunID.MatchString(id):
		return nil
	case !chosenRunID.MatchString(id):
		return fmt.Errorf("run id %q: letters, digits, '.' and '_' (no '-': `kbench clean --run` matches topics by the id and a dash, so an id with a dash could begin another run's id), or a default id such as %s", id, NewRunID())
	case len(id) == 8 && strings.Trim(id, "0123456789") == "":
		return fmt.Errorf("run id %q: eight digits begin every default run id of that day; add a letter", id)
	}
	return nil
}

var (
	defaultRunID = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$`)
	chosenRunID  = regexp.MustCompile(`^[A-Za-z0-9._]{1,100}$`)
)
