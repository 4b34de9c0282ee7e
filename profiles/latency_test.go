package profiles

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestLatencyLoadParse: latency: reads a share or an absolute rate and optional consumers,
// survives the result file, and every mistake is reported at its line.
func TestLatencyLoadParse(t *testing.T) {
	tests := []struct {
		name, rate, block string
		want              *LatencyLoad
		errs              []string
	}{
		{"share", "max", "  latency:\n    rate: 50%\n", &LatencyLoad{Share: 0.5}, nil},
		{"absolute with consumers", "max", "  latency:\n    rate: 5000\n    consumers: 3\n", &LatencyLoad{Rate: 5000, Consumers: 3}, nil},
		{"of the slowest", "max", "  latency:\n    rate: 50%\n    of: slowest\n", &LatencyLoad{Share: 0.5, Of: LatencyOfSlowest}, nil},
		{"of with an absolute rate", "max", "  latency:\n    rate: 5000\n    of: slowest\n", nil, []string{"it needs rate as a share"}},
		{"of what", "max", "  latency:\n    rate: 50%\n    of: fastest\n", nil, []string{"least-durable"}},
		{"with a fixed rate", "1000", "  latency:\n    rate: 50%\n", nil, []string{"it needs rate: max"}},
		{"with search", "search", "  search:\n    objective:\n      produce.p99.ms: 20\n  latency:\n    rate: 50%\n", nil, []string{"it needs rate: max"}},
		{"share above 100", "max", "  latency:\n    rate: 150%\n", nil, []string{"want 1% to 100%"}},
		{"not a rate", "max", "  latency:\n    rate: fast\n", nil, []string{"want a share such as 50% or a number of messages per second"}},
		{"no rate", "max", "  latency:\n    consumers: 2\n", nil, []string{"latency.rate: required key is missing"}},
		{"unknown key", "max", "  latency:\n    rate: 50%\n    consumer: 2\n", nil, []string{"consumer"}},
		{"not a mapping", "max", "  latency: 50%\n", nil, []string{"want a mapping with rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("s.yaml", []byte(searchProfile(tt.rate, "1", tt.block)))
			if err != nil {
				t.Fatal(err)
			}
			pts, err := p.Points()
			if len(tt.errs) > 0 {
				if err == nil {
					t.Fatalf("no error, want %q", tt.errs)
				}
				for _, e := range tt.errs {
					if !strings.Contains(err.Error(), e) || !strings.Contains(err.Error(), "s.yaml:") {
						t.Errorf("error %q lacks %q (with file:line)", err, e)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pts[0].Workload.Latency; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("latency %+v, want %+v", got, tt.want)
			}
			data, _ := json.Marshal(pts[0].Workload)
			var back Workload
			if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back.Latency, tt.want) {
				t.Errorf("JSON round trip: %v, %+v", err, back.Latency)
			}
			fixed := FixedLoadPoints(pts, 1234)
			if len(fixed) != 1 || fixed[0].ID != pts[0].ID+FixedLoadSuffix || fixed[0].Workload.Rate != 1234 || fixed[0].Workload.Latency != nil {
				t.Errorf("fixed-load points %+v", fixed)
			}
			if tt.want.Consumers > 0 && fixed[0].Workload.Consumers != tt.want.Consumers {
				t.Errorf("fixed-load consumers %d, want %d", fixed[0].Workload.Consumers, tt.want.Consumers)
			}
		})
	}
}
