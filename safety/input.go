package safety

import (
	"errors"

	"github.com/kbench/kbench/kafkaconf"
)

// ErrBadInput says a flag or file given to clean, restore or a run is wrong in itself (no run id,
// not a restore file, an unparsable bootstrap address): the input must change, not the cluster
// or the profile. Errors that match it (errors.Is) carry only their own message.
var ErrBadInput = errors.New("bad input")

// inputError is an ErrBadInput with its own message.
type inputError struct{ err error }

func (e *inputError) Error() string        { return e.err.Error() }
func (e *inputError) Unwrap() error        { return e.err }
func (e *inputError) Is(target error) bool { return target == ErrBadInput }

// BadInput marks err as ErrBadInput.
func BadInput(err error) error { return &inputError{err} }

// ValidateBootstrap checks the syntax of a bootstrap.servers list before anything connects (see
// kafkaconf.ValidateBootstrap); its errors match ErrBadInput.
func ValidateBootstrap(list, from string) error {
	if err := kafkaconf.ValidateBootstrap(list, from); err != nil {
		return BadInput(err)
	}
	return nil
}
