package runner

import (
	"reflect"
	"slices"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// TestSchedule: with repeat N every point runs once per round, N rounds, each round a
// permutation; the same seed gives the same order, another seed another; repeat 1 keeps level
// order.
func TestSchedule(t *testing.T) {
	once := schedule(4, 1, 99)
	for i, m := range once {
		if m.point != i || m.repetition != 0 {
			t.Fatalf("repeat 1: measurement %d is %+v, want point %d once", i, m, i)
		}
	}
	order := schedule(5, 3, 42)
	if len(order) != 15 {
		t.Fatalf("%d measurements, want 15", len(order))
	}
	differs := false
	for round := 1; round <= 3; round++ {
		var pts []int
		for j, m := range order[(round-1)*5 : round*5] {
			if m.round != round || m.repetition != round || m.position != j+1 {
				t.Errorf("round %d place %d: %+v", round, j+1, m)
			}
			pts = append(pts, m.point)
		}
		if !reflect.DeepEqual(slices.Sorted(slices.Values(pts)), []int{0, 1, 2, 3, 4}) {
			t.Errorf("round %d runs %v: want every point once", round, pts)
		}
		if !reflect.DeepEqual(pts, []int{0, 1, 2, 3, 4}) {
			differs = true
		}
	}
	if !differs {
		t.Error("no round was shuffled")
	}
	if !reflect.DeepEqual(schedule(5, 3, 42), order) {
		t.Error("the same seed gave another order")
	}
	if reflect.DeepEqual(schedule(5, 3, 43), order) {
		t.Error("another seed gave the same order")
	}
}

// TestRepetitionPlan: the start event records repeat, the seed given (or a fresh one below
// 2^53), each round's ids and the order; a repetition is measured under its own id and its
// result names its point.
func TestRepetitionPlan(t *testing.T) {
	points := []profiles.Point{{ID: "a"}, {ID: "b"}}
	seed := uint64(7)
	e, order, fixedOrder := repetitionPlan(points, []profiles.Point{{ID: "a@fixed"}}, Options{Repeat: 2, OrderSeed: &seed})
	if e.Repeat != 2 || e.OrderSeed != 7 || len(e.Rounds) != 2 || len(e.Order) != 6 || len(order) != 4 || len(fixedOrder) != 2 {
		t.Fatalf("plan: %+v", e)
	}
	// The fixed-load points' rounds follow the saturation points' (their rate comes from them).
	for r, ids := range e.Rounds {
		if len(ids) != 3 || ids[2] != "a@fixed" {
			t.Errorf("round %d: %v, want the two saturation points then the fixed-load point", r+1, ids)
		}
	}
	for i, m := range order {
		if e.Order[i].ID != points[m.point].ID || e.Rounds[m.round-1][m.position-1] != points[m.point].ID {
			t.Errorf("measurement %d: %+v against %+v", i, m, e)
		}
	}
	if e, _, _ := repetitionPlan(points, nil, Options{Repeat: 3}); e.OrderSeed >= 1<<53 {
		t.Errorf("random seed %d is not below 2^53", e.OrderSeed)
	}
	if e, order, _ := repetitionPlan(points, nil, Options{}); e.Repeat != 0 || e.Rounds != nil || len(order) != 2 {
		t.Errorf("no repeat: %+v %v", e, order)
	}
	m := scheduled{point: 1, repetition: 2, round: 2, position: 1}
	mp := m.measured(points[1])
	if mp.ID != "b@r2" {
		t.Errorf("measured as %q", mp.ID)
	}
	res := &stats.Result{Point: mp}
	m.stamp(res, points[1], 2)
	if res.Point.ID != "b" || *res.Repetition != (stats.Repetition{Number: 2, Of: 2, Round: 2, PositionInRound: 1}) {
		t.Errorf("stamped %q %+v", res.Point.ID, res.Repetition)
	}
}
