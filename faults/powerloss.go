package faults

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// A power loss takes one or more brokers at one instant, process and page cache together: on
// kbench's local cluster the brokers are SIGKILLed and their power-loss filesystems forget every
// write not fsync'ed; on a remote cluster the user's power-loss command runs once per broker, all
// at once. After For the brokers start again together, on the same folders. The inject event
// records, per broker, the unsynced bytes dropped (when the injector can know them).

// firePowerLoss carries out one power-loss fault: resolve its brokers, cut power, wait For, start.
func (r *Runner) firePowerLoss(ctx context.Context, pf plannedFault) {
	f := pf.fault
	name := f.String()
	ev := stats.FaultEvent{Fault: name, Step: "inject", Operation: string(profiles.FaultPowerLoss), ScheduledOffsetSeconds: pf.offset.Seconds(), NodeRole: roleBroker}
	ev.Leaders = r.leaders()
	if f.Target.Kind == profiles.TargetLeader {
		p := f.Target.ID
		ev.Partition = &p
	}
	nodes, err := r.resolveBrokers(f.Target, ev.Leaders)
	ev.NodeID = -1
	if len(nodes) == 1 {
		ev.NodeID = nodes[0].id
	}
	if f.Target.Several() {
		ev.NodeIDs = nodeIDs(nodes)
	}
	start := time.Now()
	ev.StartOffsetSeconds = r.sinceMeasure(start)
	if err != nil {
		ev.ExitStatus, ev.Error = -1, err.Error()
		r.events = append(r.events, ev)
		return
	}
	vars := r.commandVars(ev.Partition)
	in, dropped := r.inj.powerOff(ctx, nodes, vars)
	recordInjection(&ev, in, start)
	if dropped != nil {
		ev.UnsyncedBytesDropped = make(map[string]int64, len(dropped))
		ev.UnsyncedSegmentBytesDropped = make(map[string]int64, len(dropped))
		for id, d := range dropped {
			ev.UnsyncedBytesDropped[strconv.Itoa(id)] = d.Bytes
			ev.UnsyncedSegmentBytesDropped[strconv.Itoa(id)] = d.TopicSegmentBytes(r.topic)
		}
	}
	r.events = append(r.events, ev)
	if in.err == nil {
		r.firings = append(r.firings, Firing{fault: name, target: brokersString(nodes), at: start.UnixNano()})
	}
	// Powered-off brokers come back even when the cut failed half-way: the heal below and
	// HealAll start whatever is down.
	due := start.Add(f.For)
	holdUntil(ctx, due)
	hev := stats.FaultEvent{Fault: name, Step: "heal", Operation: "start", ScheduledOffsetSeconds: r.sinceMeasure(due),
		NodeRole: roleBroker, NodeID: ev.NodeID, NodeIDs: ev.NodeIDs, Partition: ev.Partition, Leaders: r.leadersSeenSince(start)}
	hctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	hstart := time.Now()
	hev.StartOffsetSeconds = r.sinceMeasure(hstart)
	recordInjection(&hev, r.inj.powerOn(hctx, nodes, vars), hstart)
	r.events = append(r.events, hev)
}

// resolveBrokers turns a power-loss target into the brokers it names right now: all is every
// broker the injector knows, else every broker the metadata lists (the first allBrokers by id
// when the point narrows it).
func (r *Runner) resolveBrokers(t profiles.FaultTarget, leaders map[string]int) ([]nodeRef, error) {
	switch t.Kind {
	case profiles.TargetBrokers:
		out := make([]nodeRef, len(t.IDs))
		for i, id := range t.IDs {
			out[i] = nodeRef{roleBroker, id}
		}
		return out, nil
	case profiles.TargetAll:
		ids := r.inj.brokerIDs()
		if ids == nil {
			ids = r.metadataBrokers()
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("target all: no broker known (the metadata request failed)")
		}
		sort.Ints(ids)
		if r.allBrokers > 0 {
			if r.allBrokers > len(ids) {
				return nil, fmt.Errorf("power-loss.brokers %d, but the cluster has %d broker(s): %v", r.allBrokers, len(ids), ids)
			}
			ids = ids[:r.allBrokers]
		}
		out := make([]nodeRef, len(ids))
		for i, id := range ids {
			out[i] = nodeRef{roleBroker, id}
		}
		return out, nil
	}
	n, err := r.resolve(t, leaders)
	if err != nil {
		return nil, err
	}
	return []nodeRef{n}, nil
}

// metadataBrokers are the broker ids the cluster's metadata lists (nil when it fails).
func (r *Runner) metadataBrokers() []int {
	md, err := r.md.Metadata(&r.topic, false, 3*time.Second)
	if err != nil {
		return nil
	}
	var ids []int
	for _, b := range md.Brokers {
		ids = append(ids, int(b.ID))
	}
	return ids
}

func brokersString(nodes []nodeRef) string {
	if len(nodes) == 1 {
		return nodes[0].String()
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = strconv.Itoa(n.id)
	}
	return "brokers " + strings.Join(ids, ",")
}
