package analysis

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/kbench/kbench/profiles"
)

// workloadNames gives each workload field the name a profile uses for it and its unit, for the
// lines that say how two runs' workloads differ. A field missing here is named by its Go name,
// so a field added to profiles.Workload is compared (and named) without a change here.
var workloadNames = map[string]struct{ name, unit string }{
	"MessageSizeMin":    {"message.size (smallest)", "B"},
	"MessageSizeMax":    {"message.size (largest)", "B"},
	"KeyDistribution":   {"key.distribution", ""},
	"Partitions":        {"partitions", ""},
	"ReplicationFactor": {"replication.factor", ""},
	"Producers":         {"producers", ""},
	"Consumers":         {"consumers", ""},
	"Rate":              {"rate", "msgs/s"},
	"MaxInFlight":       {"max.in.flight", ""},
	"Duration":          {"duration", ""},
	"Warmup":            {"warmup", ""},
	"Compression":       {"compression", ""},
	"BatchSize":         {"batch.size", "B"},
	"RequestTimeout":    {"request.timeout", ""},
	"DeliveryTimeout":   {"delivery.timeout", ""},
	"Retries":           {"retries", ""},
	"RetryBackoff":      {"retry.backoff", ""},
	"Search":            {"rate search", ""},
	"ConsumeMode":       {"consume.mode", ""},
	"ProducerProps":     {"producer properties", ""},
	"ConsumerProps":     {"consumer properties", ""},
	"TopicProps":        {"topic properties", ""},
}

// workloadDiff says how the workloads of two points differ, one "name A-value vs B-value" per
// field; nil when they are the same. Everything in profiles.Workload is workload (what is sent,
// how, for how long); the swept reliability settings live in profiles.Settings and are not
// compared here. The replication factor is left out when both points set their own (a swept
// replication.factor), since the workload's default then applies to neither.
func workloadDiff(a, b profiles.Point) []string {
	va, vb := reflect.ValueOf(a.Workload), reflect.ValueOf(b.Workload)
	t := va.Type()
	var out []string
	fixedA := a.Workload.MessageSizeMin == a.Workload.MessageSizeMax
	fixedB := b.Workload.MessageSizeMin == b.Workload.MessageSizeMax
	for i := range t.NumField() {
		f := t.Field(i).Name
		x, y := va.Field(i), vb.Field(i)
		if sameValue(x, y) {
			continue
		}
		switch {
		case f == "ReplicationFactor" && a.Settings.ReplicationFactor != nil && b.Settings.ReplicationFactor != nil:
			continue
		case f == "MessageSizeMin" && fixedA && fixedB:
			out = append(out, fmt.Sprintf("message.size %d B vs %d B", a.Workload.MessageSizeMin, b.Workload.MessageSizeMin))
			continue
		case f == "MessageSizeMax" && fixedA && fixedB:
			continue // said with MessageSizeMin
		}
		name, unit := f, ""
		if n, ok := workloadNames[f]; ok {
			name, unit = n.name, n.unit
		}
		out = append(out, fmt.Sprintf("%s %s vs %s", name, showValue(f, x, unit), showValue(f, y, unit)))
	}
	return out
}

// sameValue compares two workload field values; empty and nil maps are the same.
func sameValue(x, y reflect.Value) bool {
	if x.Kind() == reflect.Map && x.Len() == 0 && y.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(x.Interface(), y.Interface())
}

// showValue formats one workload field value for a difference line.
func showValue(field string, v reflect.Value, unit string) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "default"
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Duration:
		if x == 0 {
			return "default"
		}
		return x.String()
	case int:
		if field == "Rate" && x == 0 {
			return "max"
		}
		if unit != "" {
			return fmt.Sprintf("%d %s", x, unit)
		}
		return fmt.Sprint(x)
	case string:
		if x == "" {
			return "default"
		}
		return x
	}
	if v.Kind() == reflect.Map && v.Len() == 0 {
		return "none"
	}
	return strings.TrimPrefix(fmt.Sprintf("%+v", v.Interface()), "&")
}
