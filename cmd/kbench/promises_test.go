package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// writeDurablePoint writes a one-point run whose settings promise no loss, with the given audit.
func writeDurablePoint(t *testing.T, status stats.Status, a stats.Audit) string {
	t.Helper()
	dir := t.TempDir()
	r := &stats.Result{Point: profiles.Point{ID: "top", Label: "acks=all isr=2"}, Status: status, Audit: a,
		Effective: stats.EffectiveSettings{
			ProducerConfig:    map[string]string{"acks": "all", "enable.idempotence": "true"},
			TopicConfig:       map[string]string{"min.insync.replicas": "2"},
			ReplicationFactor: 3,
		}}
	if err := stats.WriteResult(dir, r); err != nil {
		t.Fatal(err)
	}
	idx := &stats.Index{Points: []stats.IndexPoint{{ID: "top", Label: r.Point.Label, Status: status, File: stats.PointFile("top")}}}
	if err := stats.WriteIndex(dir, idx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCheckPromisesUnknownLoss: a durable point whose verification read did not complete never
// exits 4 (its loss is unknown, not found) and never passes as verified: the command fails with
// exit 1 saying durability was not verified. A known loss still exits 4.
func TestCheckPromisesUnknownLoss(t *testing.T) {
	unknown := stats.Audit{Sent: 100000, Acked: 100000, Consumed: 41898,
		VerificationRead: &stats.VerificationRead{Stopped: "interrupted", Attempts: 1, RecordsRead: 41898, AckedNotReadBack: 58102}}
	err := checkPromises(writeDurablePoint(t, stats.StatusIncomplete, unknown))
	var ec *exitCoder
	if err == nil || errors.As(err, &ec) || !strings.Contains(err.Error(), "durability not verified") {
		t.Errorf("unknown loss: err %v, want a plain error (exit 1) saying durability was not verified", err)
	}

	lost := stats.Audit{Sent: 10, Acked: 10, Consumed: 7, Lost: new(int64(3)), VerificationRead: &stats.VerificationRead{Complete: true, Attempts: 1}}
	err = checkPromises(writeDurablePoint(t, stats.StatusOK, lost))
	if !errors.As(err, &ec) || ec.code != exitDurability {
		t.Errorf("known loss: err %v, want exit %d", err, exitDurability)
	}

	none := stats.Audit{Sent: 10, Acked: 10, Consumed: 10, Lost: new(int64(0)), VerificationRead: &stats.VerificationRead{Complete: true, Attempts: 1}}
	if err := checkPromises(writeDurablePoint(t, stats.StatusOK, none)); err != nil {
		t.Errorf("nothing lost: err %v, want none", err)
	}
}
