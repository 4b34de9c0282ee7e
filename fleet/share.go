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
	// FirstConsumer and Consumers are the worker's members of the point's consumer group
	// (dealt out like the producers; a worker may have none when the point has fewer
	// consumers than workers: the group keeps the point's size).
	FirstConsumer int `json:"first_consumer,omitempty"`
	Consumers     int `json:"consumers,omitempty"`
}

// ShareOf is worker index's share of a point with rate (records/s, 0 max rate) and producers
// over workers workers (WithConsumers adds its consumers). A point with fewer producers than workers gets one producer per worker
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

// WithConsumers adds to the share its members of the point's consumer group of consumers
// members, dealt out as evenly as possible.
func (s Share) WithConsumers(consumers int) Share {
	if s.Workers < 1 || consumers < 1 {
		return s
	}
	s.FirstConsumer = consumers * s.Worker / s.Workers
	s.Consumers = consumers*(s.Worker+1)/s.Workers - s.FirstConsumer
	return s
}

// ProducerOwners maps each of a point's producers (index from the point's first producer id) to
// the worker that runs it, as ShareOf deals them out.
func ProducerOwners(producers, workers int) []int {
	producers = max(producers, workers)
	out := make([]int, producers)
	for w := range workers {
		for i := producers * w / workers; i < producers*(w+1)/workers; i++ {
			out[i] = w
		}
	}
	return out
}
