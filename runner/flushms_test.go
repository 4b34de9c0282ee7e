package runner

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

func TestFlushSchedulerOnLocalCluster(t *testing.T) {
	ms := int64(100)
	msgs := int64(1000)
	flushMs := profiles.Point{ID: "flushms-100", Settings: profiles.Settings{FlushMs: &ms}}
	flushMsgs := profiles.Point{ID: "flush-1000", Settings: profiles.Settings{FlushMessages: &msgs}}

	got := withFlushScheduler([]profiles.Point{flushMsgs, flushMs}, true)
	for _, p := range got {
		if v := p.BrokerStaticConfig()[schedulerKey]; v != "10" {
			t.Errorf("%s: local sweep with flush.ms must give every point a finite scheduler interval, got %q", p.ID, v)
		}
		if len(p.Notes) == 0 || !strings.Contains(p.Notes[len(p.Notes)-1], "kbench set log.flush.scheduler.interval.ms=10") {
			t.Errorf("%s: the point must say kbench set the interval: %q", p.ID, p.Notes)
		}
	}
	if flushMs.Settings.BrokerFlushSchedulerIntervalMs != nil {
		t.Error("the caller's points must not be modified")
	}
	if got := withFlushScheduler([]profiles.Point{flushMs}, false); got[0].Settings.BrokerFlushSchedulerIntervalMs != nil {
		t.Error("a remote cluster's static settings are never changed")
	}
	if got := withFlushScheduler([]profiles.Point{flushMsgs}, true); got[0].Settings.BrokerFlushSchedulerIntervalMs != nil {
		t.Error("flush.messages acts on the append path and needs no scheduler")
	}
	own := int64(50)
	chosen := flushMs
	chosen.Settings.BrokerFlushSchedulerIntervalMs = &own
	if got := withFlushScheduler([]profiles.Point{chosen, flushMsgs}, true); got[1].Settings.BrokerFlushSchedulerIntervalMs != nil {
		t.Error("a profile that sets the interval itself is left alone")
	}
}

func TestFlushSchedulerNotes(t *testing.T) {
	ms := int64(100)
	p := profiles.Point{Settings: profiles.Settings{FlushMs: &ms}}
	if keys := brokerKeysToRead(p); len(keys) != 1 || keys[0] != schedulerKey {
		t.Errorf("a flush.ms point must read the scheduler interval back, reads %v", keys)
	}
	never := map[string]map[string]string{"1": {schedulerKey: kafkaNever}, "2": {schedulerKey: "10"}}
	notes := flushSchedulerNotes(p, never)
	if len(notes) != 1 || !strings.Contains(notes[0], "cannot have taken effect: broker 1") {
		t.Errorf("want one note naming broker 1, got %q", notes)
	}
	if notes := flushSchedulerNotes(p, map[string]map[string]string{"1": {schedulerKey: "10"}}); len(notes) != 0 {
		t.Errorf("a finite interval needs no note, got %q", notes)
	}
	if notes := flushSchedulerNotes(profiles.Point{}, never); len(notes) != 0 {
		t.Errorf("a point without flush.ms needs no note, got %q", notes)
	}
}
