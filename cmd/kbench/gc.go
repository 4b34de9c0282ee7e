package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the Go garbage collector's target for kbench unless GOGC is set. The Kafka client
// allocates a Message per delivery report and per consumed record while kbench's own live heap
// stays small (histograms, audit bitmaps: a few tens of MB), so at Go's default of 100 the
// collector runs every few tens of thousands of records and takes about a tenth of the CPU of a
// max-rate run (pprof: runtime.gcBgMarkWorker). 400 collects a quarter as often.
const gcPercent = 400

// memoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT is set. At GOGC 400 the
// heap grows to five times the live heap before a collection, so whatever the live heap gains
// over a long run (encoded per-second histograms, audit bitmaps) would come back five-fold in
// resident memory. Under the limit the collector runs more often instead: measured at 200k
// records/s with one consumer, peak RSS went from 280 MB (1 minute, 12.4 M records) and 336 MB
// (4 minutes, 50.4 M) to 223 MB and 233 MB, for about 8 % more CPU in the audit's read-back.
// The live heap of such runs is 26 to 40 MB, far below the limit, so the collector never has to
// run continuously.
const memoryLimit = 128 << 20

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
