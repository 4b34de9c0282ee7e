package stats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ombSchema reads testdata/omb-testresult-schema.txt: every field of OMB's TestResult with its
// Java type, taken from OMB's source (the file names the commit).
func ombSchema(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "omb-testresult-schema.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fields := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("schema line %q: want <field> <type>", line)
		}
		fields[name] = typ
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(fields) < 60 {
		t.Fatalf("schema has %d fields; OMB's TestResult has 62", len(fields))
	}
	return fields
}

// jsonIs says whether the raw JSON value v has the JSON form of Java type typ as Jackson writes
// it: String a string, int/long an integer, double any number, List<T> an array of T, Map<Double,T>
// an object with numeric keys and T values.
func jsonIs(v json.RawMessage, typ string) bool {
	v = bytes.TrimSpace(v)
	switch {
	case typ == "String":
		var s string
		return json.Unmarshal(v, &s) == nil
	case typ == "int" || typ == "long" || typ == "Long":
		_, err := strconv.ParseInt(string(v), 10, 64)
		return err == nil
	case typ == "double" || typ == "Double":
		_, err := strconv.ParseFloat(string(v), 64)
		return err == nil && len(v) > 0 && v[0] != '"'
	case strings.HasPrefix(typ, "List<"):
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil || items == nil {
			return false
		}
		elem := strings.TrimSuffix(strings.TrimPrefix(typ, "List<"), ">")
		for _, it := range items {
			if !jsonIs(it, elem) {
				return false
			}
		}
		return true
	case strings.HasPrefix(typ, "Map<Double,"):
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil || m == nil {
			return false
		}
		elem := strings.TrimSuffix(strings.TrimPrefix(typ, "Map<Double,"), ">")
		for k, it := range m {
			if _, err := strconv.ParseFloat(k, 64); err != nil || !jsonIs(it, elem) {
				return false
			}
		}
		return true
	}
	return false
}

// TestExportOMBMatchesOMBSchema: every file `kbench export --format omb` writes has every field of
// OMB's TestResult with its type (Jackson fails on a field it does not know, so nothing more),
// the publish delay filled (create_charts.py reads publishDelayLatency99pct and the delay
// quantiles), and one entry per 10 s in every per-interval array.
func TestExportOMBMatchesOMBSchema(t *testing.T) {
	schema := ombSchema(t)
	run, err := ReadRun(filepath.Join("testdata", "run-ok"))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := ExportOMBFiles(run, t.TempDir())
	if err != nil || len(paths) != 3 {
		t.Fatalf("export: %v files, err %v", len(paths), err)
	}
	for i, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		seconds := len(run.Points[i].Result.Series)
		windows := (seconds + 9) / 10
		for field, typ := range schema {
			v, ok := doc[field]
			switch {
			case !ok:
				t.Errorf("%s: no %q (%s)", filepath.Base(path), field, typ)
				continue
			case !jsonIs(v, typ):
				t.Errorf("%s: %q = %.80s is not a %s", filepath.Base(path), field, v, typ)
				continue
			}
			if strings.HasPrefix(typ, "List<") {
				var items []json.RawMessage
				_ = json.Unmarshal(v, &items)
				if len(items) != windows {
					t.Errorf("%s: %q has %d entries, want %d (one per 10 s of %d s measured)", filepath.Base(path), field, len(items), windows, seconds)
				}
			}
		}
		for field := range doc {
			if _, ok := schema[field]; !ok {
				t.Errorf("%s: %q is not a field of OMB's TestResult", filepath.Base(path), field)
			}
		}
		var o OMBTestResult
		if err := json.Unmarshal(data, &o); err != nil {
			t.Fatal(err)
		}
		if o.AggregatedPublishDelayLatency99pct == nil || *o.AggregatedPublishDelayLatency99pct <= 0 ||
			len(o.AggregatedPublishDelayLatencyQuantiles) < 10 || o.PublishDelayLatency99pct[0] <= 0 {
			t.Errorf("%s: publish delay not filled: p99 %v, %d quantiles, per-interval p99 %v", filepath.Base(path),
				o.AggregatedPublishDelayLatency99pct, len(o.AggregatedPublishDelayLatencyQuantiles), o.PublishDelayLatency99pct)
		}
	}
}
