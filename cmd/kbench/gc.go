package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the Go garbage collector's target for kbench unless GOGC is set. The Kafka client
// allocates a Message per delivery report and per consumed record while kbench's own live heap
// stays small (histograms, audit bitmaps: a few MB), so at Go's default of 100 the collector runs
// every few tens of thousands of records and takes about a tenth of the CPU of a max-rate run
// (pprof: runtime.gcBgMarkWorker). 400 collects a quarter as often for a few tens of MB of heap.
const gcPercent = 400

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
