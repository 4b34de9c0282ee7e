package stats

import (
	"encoding/json"
	"reflect"
	"testing"
)

// OMB's quantile maps are JSON objects keyed by the percentile as Java prints a double; they must
// come back in percentile order, whatever order the object's keys have.
func TestOMBQuantilesRoundTrip(t *testing.T) {
	q := OMBQuantiles{{Percentile: 50, ValueMs: 1.5}, {Percentile: 99.9, ValueMs: 12.25}, {Percentile: 100, ValueMs: 40}}
	data, err := json.Marshal(q)
	if err != nil || string(data) != `{"50.0":1.5,"99.9":12.25,"100.0":40}` {
		t.Fatalf("marshal: %s, %v", data, err)
	}
	var back OMBQuantiles
	if err := json.Unmarshal([]byte(`{"100.0":40,"50.0":1.5,"99.9":12.25}`), &back); err != nil || !reflect.DeepEqual(back, q) {
		t.Errorf("unmarshal: %v, %v; want %v", back, err, q)
	}
	d := OMBDelayQuantiles{{Percentile: 50, Micros: 12}, {Percentile: 99, Micros: 950}}
	if data, err := json.Marshal(d); err != nil || string(data) != `{"50.0":12,"99.0":950}` {
		t.Fatalf("marshal delays: %s, %v", data, err)
	}
	var dback OMBDelayQuantiles
	if err := json.Unmarshal([]byte(`{"99.0":950,"50.0":12}`), &dback); err != nil || !reflect.DeepEqual(dback, d) {
		t.Errorf("unmarshal delays: %v, %v; want %v", dback, err, d)
	}
	if err := json.Unmarshal([]byte(`{"x":1}`), &dback); err == nil {
		t.Error("a key that is not a number must be an error")
	}
}
