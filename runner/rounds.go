package runner

import (
	"crypto/rand"
	"encoding/binary"
	mrand "math/rand/v2"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// Repetitions run in rounds: every point once per round, the order of each round shuffled. A
// machine or cluster that drifts during a run (a page cache filling, a neighbour's load, log
// segments rolling) then moves every point's repetitions alike, instead of the points measured
// last; and an order effect (a point after a slow one, a point right after a rolling restart)
// falls on a different point in each round. The shuffle is a PCG seeded with the run's order
// seed, recorded in the index: --seed with that value runs the same order again.

// scheduled is one measurement of a sweep: which point, and which repetition of it.
type scheduled struct {
	point      int // index into the sweep's points
	repetition int // 1..repeat; 0 when the sweep measures each point once
	round      int // 1..repeat; 0 when once
	position   int // 1-based place in its round
}

// orderStream separates the order's random stream from any other use of the same seed.
const orderStream = 0x6b62656e63682d72 // "kbench-r"

// schedule is the order of a sweep's measurements: with repeat <= 1 every point once in level
// order (as before repetitions existed); otherwise repeat rounds, each a shuffle of all points.
func schedule(points, repeat int, seed uint64) []scheduled {
	var out []scheduled
	if repeat <= 1 {
		for i := range points {
			out = append(out, scheduled{point: i})
		}
		return out
	}
	rng := mrand.New(mrand.NewPCG(seed, orderStream))
	for round := 1; round <= repeat; round++ {
		for pos, i := range rng.Perm(points) {
			out = append(out, scheduled{point: i, repetition: round, round: round, position: pos + 1})
		}
	}
	return out
}

// newOrderSeed is a random seed for a run that was given none.
func newOrderSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return mrand.Uint64()
	}
	// Kept below 2^53, so that every JSON reader (also JavaScript's) reads the recorded seed exactly.
	return binary.LittleEndian.Uint64(b[:]) >> 11
}

// rounds lists each round's point ids in order, for the index (nil when measured once).
func rounds(order []scheduled, points []profiles.Point) [][]string {
	var out [][]string
	for _, m := range order {
		if m.round == 0 {
			return nil
		}
		for len(out) < m.round {
			out = append(out, nil)
		}
		out[m.round-1] = append(out[m.round-1], points[m.point].ID)
	}
	return out
}

// measured is the point as the engine measures m: a repetition under its own id (so its own
// topic, consumer group and interval log), the point itself otherwise.
func (m scheduled) measured(p profiles.Point) profiles.Point {
	if m.repetition == 0 {
		return p
	}
	p.ID = stats.RepetitionID(p.ID, m.repetition)
	return p
}

// stamp gives a repetition's result its point's own id back and says which repetition it is.
func (m scheduled) stamp(res *stats.Result, p profiles.Point, repeat int) {
	if res == nil || m.repetition == 0 {
		return
	}
	res.Point = p
	res.Repetition = &stats.Repetition{Number: m.repetition, Of: repeat, Round: m.round, PositionInRound: m.position}
}
