package safety

// Dynamic broker settings a point changes, and putting them back: what was there is read first,
// handed to the restore file, and restored after the point (or by `kbench restore`).

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
)

// SavedSetting is how to put one dynamic broker setting of one broker back.
type SavedSetting struct {
	Broker string
	Key    string
	Value  string
	Had    bool // the broker had a per-broker dynamic value; false: delete it to restore
}

// BrokerRestore undoes ApplyBrokerDynamic. It is safe to call more than once.
type BrokerRestore struct {
	a     Admin
	saved []SavedSetting
	done  bool
	// OnRestored runs after every setting was put back (removes the restore file); nil: nothing.
	OnRestored func()
	Hint       string // added to a restore error: how else to restore (the restore file)
}

// ApplyBrokerDynamic sets cfg as a dynamic per-broker value on every broker (brokers are ids),
// after reading each broker's current per-broker dynamic values. Kafka's cluster-wide default
// (the empty-named broker resource) would be the natural place, but librdkafka refuses an empty
// resource name; the cluster-wide flush settings may also be set per broker, and setting them on
// every broker has the same effect for the point. The returned restore puts the previous values
// back; it is returned even when setting failed part-way, so the caller's deferred restore undoes
// whatever was applied. With an empty cfg it does nothing and needs no cluster. beforeChange, if
// not nil, receives what the restore will put back before anything changes (the restore file); if
// it fails, nothing is changed.
func ApplyBrokerDynamic(ctx context.Context, a Admin, brokers []string, cfg map[string]string, beforeChange func([]SavedSetting) error) (*BrokerRestore, error) {
	r := &BrokerRestore{a: a}
	if len(cfg) == 0 {
		r.done = true
		return r, nil
	}
	cctx, cancel := context.WithTimeout(ctx, AdminTimeout)
	defer cancel()
	for _, b := range brokers {
		res, err := a.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: b}})
		if err != nil {
			return r, fmt.Errorf("read broker %s configs before changing them: %w", b, err)
		}
		current := map[string]driver.ConfigEntryResult{}
		for _, rr := range res {
			if rr.Error.Code() != driver.ErrNoError {
				return r, fmt.Errorf("read broker %s configs before changing them: %w", b, rr.Error)
			}
			for k, e := range rr.Config {
				current[k] = e
			}
		}
		for _, k := range slices.Sorted(maps.Keys(cfg)) {
			e, ok := current[k]
			had := ok && e.Source == driver.ConfigSourceDynamicBroker
			s := SavedSetting{Broker: b, Key: k, Had: had}
			if had {
				s.Value = e.Value
			}
			r.saved = append(r.saved, s)
		}
	}
	if beforeChange != nil {
		if err := beforeChange(r.saved); err != nil {
			r.done = true
			return r, err
		}
	}
	for _, b := range brokers {
		entries := make([]driver.ConfigEntry, 0, len(cfg))
		for _, k := range slices.Sorted(maps.Keys(cfg)) {
			entries = append(entries, driver.ConfigEntry{Name: k, Value: cfg[k], Op: driver.AlterSet})
		}
		if err := alterBroker(cctx, a, b, entries); err != nil {
			return r, fmt.Errorf("set broker %s configs %s: %w", b, kafkaconf.FormatConfig(cfg), err)
		}
	}
	return r, nil
}

// Restore puts back the settings saved by ApplyBrokerDynamic, with its own bounded context so it
// runs after Ctrl-C and after errors. It tries every broker even when one fails.
func (r *BrokerRestore) Restore() error {
	if r == nil || r.done {
		return nil
	}
	r.done = true
	ctx, cancel := context.WithTimeout(context.Background(), CleanupTimeout)
	defer cancel()
	byBroker := map[string][]driver.ConfigEntry{}
	var order []string
	for _, s := range r.saved {
		if _, ok := byBroker[s.Broker]; !ok {
			order = append(order, s.Broker)
		}
		if s.Had {
			byBroker[s.Broker] = append(byBroker[s.Broker], driver.ConfigEntry{Name: s.Key, Value: s.Value, Op: driver.AlterSet})
		} else {
			byBroker[s.Broker] = append(byBroker[s.Broker], driver.ConfigEntry{Name: s.Key, Op: driver.AlterDelete})
		}
	}
	var errs []error
	for _, b := range order {
		if err := alterBroker(ctx, r.a, b, byBroker[b]); err != nil {
			errs = append(errs, fmt.Errorf("restore broker %s configs (%s): %w; restore them by hand with kafka-configs.sh --alter --entity-type brokers --entity-name %s", b, describeEntries(byBroker[b]), err, b))
		}
	}
	if len(errs) == 0 && r.OnRestored != nil {
		r.OnRestored()
	}
	if len(errs) > 0 && r.Hint != "" {
		errs = append(errs, errors.New(r.Hint))
	}
	return errors.Join(errs...)
}

// describeEntries renders entries as "k=v, k=(delete)" for the restore error.
func describeEntries(es []driver.ConfigEntry) string {
	m := map[string]string{}
	for _, e := range es {
		if e.Op == driver.AlterDelete {
			m[e.Name] = "(delete)"
		} else {
			m[e.Name] = e.Value
		}
	}
	return kafkaconf.FormatConfig(m)
}

// alterBroker changes one broker's entries and returns the first error of its result.
func alterBroker(ctx context.Context, a Admin, broker string, entries []driver.ConfigEntry) error {
	res, err := a.IncrementalAlterConfigs(ctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: broker, Config: entries}}, driver.AdminOptions{})
	if err != nil {
		return err
	}
	for _, rr := range res {
		if rr.Error.Code() != driver.ErrNoError {
			return rr.Error
		}
	}
	return nil
}

// DescribeBrokers reads keys back from every broker (broker id -> key -> value), so the result
// file says what each broker actually ran with.
func DescribeBrokers(ctx context.Context, a Admin, brokers []driver.BrokerMetadata, keys []string) (map[string]map[string]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cctx, cancel := context.WithTimeout(ctx, AdminTimeout)
	defer cancel()
	m := map[string]map[string]string{}
	for _, b := range brokers {
		// One broker resource per request: librdkafka allows no more.
		name := strconv.Itoa(int(b.ID))
		out, err := a.DescribeConfigs(cctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: name}})
		if err != nil {
			return nil, fmt.Errorf("describe broker %s configs: %w", name, err)
		}
		for _, r := range out {
			if r.Error.Code() != driver.ErrNoError {
				return nil, fmt.Errorf("describe broker %s configs: %w", r.Name, r.Error)
			}
			bm := map[string]string{}
			for _, k := range keys {
				if e, ok := r.Config[k]; ok {
					bm[k] = e.Value
				}
			}
			m[name] = bm
		}
	}
	return m, nil
}
