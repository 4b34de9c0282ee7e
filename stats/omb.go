package stats

import (
	"errors"
	"io"
)

// ExportOMB writes run's points as OpenMessaging Benchmark TestResult JSON documents.
// TODO: in progress.
func ExportOMB(run *Run, w io.Writer) error { return errors.New("export omb: not implemented yet") }
