package fleet

import "fmt"

// Share is one worker's slice of a point: a contiguous range of the point's producers (so of
// the producer id space: record identities are (producer id, sequence), unique across workers)
// and the matching slice of the target rate. Producers are dealt out as evenly as possible and
// the rate follows the producers, so every producer paces at the point's per-producer rate.
type Share struct {
	Worker        int    `json:"worker"`
	Workers       int    `json:"workers"`
	FirstProducer int    `json:"first_producer"` // index among the point's producers
	Producers     int    `json:"producers"`
	IDBase        uint32 `json:"id_base"` // the first producer's id: point id base + FirstProducer
	Rate          int    `json:"rate"`    // records/s; 0: max rate (closed loop)
}

// ShareOf is worker index's share of a point with rate (records/s, 0 max rate) and producers
// over workers workers. A point with fewer producers than workers gets one producer per worker
// (more producers than asked: said by the caller in the result's notes).
func ShareOf(rate, producers, workers, index int, idBase uint32) (Share, error) {
	if workers < 1 || index < 0 || index >= workers {
		return Share{}, fmt.Errorf("worker index %d of %d workers", index, workers)
	}
	producers = max(producers, workers)
	lo := producers * index / workers
	hi := producers * (index + 1) / workers
	s := Share{Worker: index, Workers: workers, FirstProducer: lo, Producers: hi - lo, IDBase: idBase + uint32(lo)}
	if rate > 0 {
		// The rate of producers [lo, hi) when producer i sends rate/producers with the remainder
		// spread over the first ones: the shares sum to rate exactly.
		s.Rate = cum(rate, producers, hi) - cum(rate, producers, lo)
		if s.Rate == 0 {
			return Share{}, fmt.Errorf("rate %d/s over %d producers leaves worker %d nothing to send", rate, producers, index)
		}
	}
	return s, nil
}

// cum is the rate of the first n of producers producers sharing rate.
func cum(rate, producers, n int) int {
	return int(int64(rate) * int64(n) / int64(producers))
}
