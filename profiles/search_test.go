package profiles

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const searchBase = `
name: s
workload:
  message.size: 100
  partitions: 1
  replication.factor: 1
  producers: 1
  consumers: %CONSUMERS%
  rate: %RATE%
  duration: 3s
%SEARCH%
sweep:
  points:
    - acks: 1
`

func searchProfile(rate, consumers, search string) string {
	return strings.NewReplacer("%RATE%", rate, "%CONSUMERS%", consumers, "%SEARCH%", search).Replace(searchBase)
}

// TestRateSearchParse: rate: search reads its objective and bounds with defaults, and every
// mistake a user can make is reported at its line with what to do.
func TestRateSearchParse(t *testing.T) {
	tests := []struct {
		name, rate, consumers, search string
		want                          *RateSearch
		errs                          []string
	}{
		{"defaults", "search", "1", "  search:\n    objective:\n      produce.p99.ms: 20\n", &RateSearch{
			Objective: Objective{ProduceP99Ms: 20, MinAchievedRatio: 0.98}, StartRate: 1000, MaxRate: 1000000,
			Precision: 0.05, MaxTrials: 12, MinRecords: 1000}, nil},
		{"everything", "search", "1", "  search:\n    objective:\n      produce.p99.ms: 2.5\n      end.to.end.p99.ms: 50\n      failed.sends: 3\n      achieved.rate: 95%\n    start.rate: 2000\n    max.rate: 64000\n    precision: 10%\n    max.trials: 8\n    min.records: 500\n",
			&RateSearch{Objective: Objective{ProduceP99Ms: 2.5, EndToEndP99Ms: 50, MaxFailedSends: 3, MinAchievedRatio: 0.95},
				StartRate: 2000, MaxRate: 64000, Precision: 0.10, MaxTrials: 8, MinRecords: 500}, nil},
		{"search without block", "search", "1", "", nil, []string{"rate: search needs a search block"}},
		{"block without search", "1000", "1", "  search:\n    objective:\n      produce.p99.ms: 20\n", nil, []string{"a search block needs rate: search"}},
		{"no latency objective", "search", "1", "  search:\n    objective:\n      failed.sends: 0\n", nil, []string{"give a latency objective"}},
		{"e2e without consumers", "search", "0", "  search:\n    objective:\n      end.to.end.p99.ms: 50\n", nil, []string{"end-to-end latency needs consumers"}},
		{"bare precision", "search", "1", "  search:\n    objective:\n      produce.p99.ms: 20\n    precision: 0.05\n", nil, []string{"want a percentage such as 5%"}},
		{"start above max", "search", "1", "  search:\n    objective:\n      produce.p99.ms: 20\n    start.rate: 5000\n    max.rate: 100\n", nil, []string{"start.rate 5000 is above max.rate 100"}},
		{"too few records", "search", "1", "  search:\n    objective:\n      produce.p99.ms: 20\n    start.rate: 10\n", nil, []string{"fewer than min.records 1000"}},
		{"too few trials", "search", "1", "  search:\n    objective:\n      produce.p99.ms: 20\n    max.trials: 2\n", nil, []string{"want 3 to 1000 trials"}},
		{"unknown key", "search", "1", "  search:\n    objective:\n      produce.p99: 20\n", nil, []string{"did you mean produce.p99.ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("s.yaml", []byte(searchProfile(tt.rate, tt.consumers, tt.search)))
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
			got := pts[0].Workload.Search
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("search %+v, want %+v", got, tt.want)
			}
			// The result file keeps the search (and target rate 0) and reads it back.
			data, _ := json.Marshal(pts[0].Workload)
			var back Workload
			if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back.Search, tt.want) || back.Rate != 0 {
				t.Errorf("JSON round trip: %v, %+v", err, back.Search)
			}
		})
	}
}

func TestObjectiveAndBudgetText(t *testing.T) {
	s := RateSearch{Objective: Objective{ProduceP99Ms: 20, EndToEndP99Ms: 50, MinAchievedRatio: 0.98}, StartRate: 1000,
		MaxRate: 64000, Precision: 0.25, MaxTrials: 6}
	w := Workload{Duration: 3e9, Warmup: 1e9}
	want := "rate search 1000..64000 msgs/s to 25 %, at most 6 trials x (1s warmup + 3s) = 24s of traffic; objective: produce p99 <= 20 ms, end-to-end p99 <= 50 ms, no failed sends, achieved >= 98 % of target"
	if got := s.Describe(w); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
