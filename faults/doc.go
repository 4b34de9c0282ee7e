// Package faults carries out a point's fault schedule and measures availability around it.
//
// A small scheduler fires the profile's faults at their offsets into the measured phase, one at
// a time, through an injector (the local cluster's processes by pid, or the user's shell
// commands for a remote cluster); consumer crashes go to the consumer worker processes. Every
// step is logged with what ran, when, its exit status and which broker led which partition, and
// everything is healed before the audit reads. Availability comes from the producers'
// acknowledgement timelines (10 ms buckets, one writer each, summed after they stop).
package faults
