package plots

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// point is one sweep point as the charts and the report see it (analysis decides which points
// may be drawn and why the others are not).
type point = analysis.Point

// statusMissing marks a point whose result file is missing; statusDamaged one whose result file
// is there but cannot be read.
const (
	statusMissing = analysis.StatusMissing
	statusDamaged = analysis.StatusDamaged
)

// points turns a run into the list the charts draw, in level order.
func points(run *stats.Run) []point { return analysis.Points(run) }

// drawn returns the points that have numbers to draw.
func drawn(ps []point) []point { return analysis.Drawn(ps) }

// settingValues returns the settings a point set, keyed by their result-file (JSON) names, with
// canonical values (the settings registry's).
func settingValues(s profiles.Settings) map[string]string { return s.ByJSON() }

// displaySetting returns the name a Kafka user knows for a result-file setting name, and its unit.
func displaySetting(key string) (name, unit string) {
	if s, ok := profiles.SettingByJSON(key); ok {
		return s.Name(), s.Unit
	}
	return key, ""
}

// numericSweep describes a sweep along one numeric setting: the setting that varies, and each
// drawn point's value of it. Other settings may vary too (e.g. acks in a linger.ms x acks
// matrix); points are then grouped into one line per combination of the others.
type numericSweep struct {
	key    string // result-file name, e.g. "linger_ms"
	name   string // Kafka name, e.g. "linger.ms"
	unit   string
	values map[string]float64 // point id -> value
	groups []sweepGroup       // one line each
}

// sweepGroup is the points of a numeric sweep that share every other setting.
type sweepGroup struct {
	name   string  // "acks=all" or "" when nothing else varies
	points []point // sorted by the swept value
}

// detectNumericSweep finds the one numeric setting along which the drawn points vary. A sweep
// needs at least three distinct values of that setting, every drawn point must set it, and no
// other numeric setting may vary; otherwise there is no sweep chart (ok is false).
func detectNumericSweep(ps []point) (numericSweep, bool) {
	if len(ps) < 3 {
		return numericSweep{}, false
	}
	vals := make([]map[string]string, len(ps))
	for i, p := range ps {
		vals[i] = settingValues(p.Result.Point.Settings)
	}
	varying := varyingSettings(vals)
	numeric := numericSettings(vals, varying)
	if len(numeric) != 1 {
		return numericSweep{}, false
	}
	key := numeric[0]
	ns := numericSweep{key: key, values: map[string]float64{}}
	ns.name, ns.unit = displaySetting(key)
	distinct := map[float64]bool{}
	for i, p := range ps {
		v, _ := strconv.ParseFloat(vals[i][key], 64)
		ns.values[p.ID] = v
		distinct[v] = true
	}
	if len(distinct) < 3 {
		return numericSweep{}, false
	}
	ns.groups = sweepGroups(ps, vals, varying, key)
	for _, g := range ns.groups {
		sort.SliceStable(g.points, func(i, j int) bool { return ns.values[g.points[i].ID] < ns.values[g.points[j].ID] })
	}
	return ns, true
}

// varyingSettings returns, sorted, the settings not set alike by every point (set by some and
// not by others counts as varying).
func varyingSettings(vals []map[string]string) []string {
	keys := map[string]bool{}
	for _, v := range vals {
		for k := range v {
			keys[k] = true
		}
	}
	var varying []string
	for k := range keys {
		first, firstOK := vals[0][k]
		for _, v := range vals[1:] {
			if x, ok := v[k]; ok != firstOK || x != first {
				varying = append(varying, k)
				break
			}
		}
	}
	sort.Strings(varying)
	return varying
}

// numericSettings keeps the keys that every point sets to a number: only those can be an x axis.
func numericSettings(vals []map[string]string, keys []string) []string {
	var numeric []string
	for _, k := range keys {
		isNum := true
		for _, v := range vals {
			s, ok := v[k]
			if !ok {
				isNum = false
				break
			}
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				isNum = false
				break
			}
		}
		if isNum {
			numeric = append(numeric, k)
		}
	}
	return numeric
}

// sweepGroups puts the points into one line per combination of the other varying settings (all
// non-numeric by now; unset reads "default"), in the order each combination first appears.
func sweepGroups(ps []point, vals []map[string]string, varying []string, key string) []sweepGroup {
	var groups []sweepGroup
	byName := map[string]int{}
	for i, p := range ps {
		var parts []string
		for _, k := range varying {
			if k == key {
				continue
			}
			name, _ := displaySetting(k)
			v, ok := vals[i][k]
			if !ok {
				v = "default"
			}
			parts = append(parts, name+"="+v)
		}
		g := strings.Join(parts, " ")
		gi, ok := byName[g]
		if !ok {
			gi = len(groups)
			byName[g] = gi
			groups = append(groups, sweepGroup{name: g})
		}
		groups[gi].points = append(groups[gi].points, p)
	}
	return groups
}

// spansDecades says whether positive values from lo to hi are better read on a log axis.
func spansDecades(lo, hi float64) bool {
	return lo > 0 && hi/lo >= 30
}

// minMaxPositive returns the smallest and largest positive values of vs (0, 0 when none).
func minMaxPositive(vs []float64) (lo, hi float64) {
	lo = math.Inf(1)
	for _, v := range vs {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo = math.Min(lo, v)
			hi = math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 0
	}
	return lo, hi
}
