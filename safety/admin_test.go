package safety

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
)

// fakeAdmin keeps per-broker dynamic configs in maps and records every alteration, so the
// apply/restore logic can be checked without a cluster.
type fakeAdmin struct {
	dynamic  map[string]map[string]string // broker id -> per-broker dynamic values
	failOn   string                       // broker whose next alteration fails after applying its first entry
	alterErr error
	alters   int
}

func (f *fakeAdmin) CreateTopics(context.Context, []driver.TopicSpec, driver.AdminOptions) ([]driver.TopicResult, error) {
	return nil, errors.New("not faked")
}
func (f *fakeAdmin) DeleteTopics(context.Context, []string, driver.AdminOptions) ([]driver.TopicResult, error) {
	return nil, errors.New("not faked")
}
func (f *fakeAdmin) Metadata(*string, bool, time.Duration) (*driver.Metadata, error) {
	return nil, errors.New("not faked")
}

func (f *fakeAdmin) DescribeConfigs(_ context.Context, rs []driver.ConfigResource) ([]driver.ConfigResourceResult, error) {
	out := []driver.ConfigResourceResult{}
	for _, r := range rs {
		cfg := map[string]driver.ConfigEntryResult{
			// A static default: not a dynamic value, so restoring means deleting.
			"log.flush.interval.ms": {Name: "log.flush.interval.ms", Value: "9223372036854775807", Source: driver.ConfigSourceDefault, IsDefault: true},
		}
		for k, v := range f.dynamic[r.Name] {
			cfg[k] = driver.ConfigEntryResult{Name: k, Value: v, Source: driver.ConfigSourceDynamicBroker}
		}
		out = append(out, driver.ConfigResourceResult{Type: r.Type, Name: r.Name, Config: cfg})
	}
	return out, nil
}

func (f *fakeAdmin) IncrementalAlterConfigs(_ context.Context, rs []driver.ConfigResource, _ driver.AdminOptions) ([]driver.ConfigResourceResult, error) {
	f.alters++
	for _, r := range rs {
		if r.Type != driver.ResourceBroker || r.Name == "" {
			return nil, errors.New("Invalid arguments for resource Resource(BROKER, )")
		}
		m := f.dynamic[r.Name]
		if m == nil {
			m = map[string]string{}
			f.dynamic[r.Name] = m
		}
		for i, e := range r.Config {
			if r.Name == f.failOn && f.alterErr != nil && i == 1 {
				err := f.alterErr
				f.alterErr = nil
				return nil, err
			}
			switch e.Op {
			case driver.AlterSet:
				m[e.Name] = e.Value
			case driver.AlterDelete:
				delete(m, e.Name)
			}
		}
		if len(m) == 0 {
			delete(f.dynamic, r.Name)
		}
	}
	return nil, nil
}

func TestBrokerDynamicRestore(t *testing.T) {
	brokers := []string{"1", "2", "3"}
	tests := []struct {
		name    string
		before  map[string]map[string]string
		set     map[string]string
		failOn  string
		wantErr bool
	}{
		{"new keys are deleted again", map[string]map[string]string{}, map[string]string{"log.flush.interval.messages": "1000", "log.flush.interval.ms": "50"}, "", false},
		{"previous dynamic values come back", map[string]map[string]string{"2": {"log.flush.interval.messages": "5", "other": "x"}}, map[string]string{"log.flush.interval.messages": "1"}, "", false},
		{"restored after a partly failed set", map[string]map[string]string{"1": {"log.flush.interval.ms": "7"}}, map[string]string{"log.flush.interval.messages": "1", "log.flush.interval.ms": "1"}, "2", true},
		{"nothing to do", map[string]map[string]string{"1": {"a": "b"}}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAdmin{dynamic: cloneAll(tt.before), failOn: tt.failOn}
			if tt.failOn != "" {
				f.alterErr = errors.New("refused")
			}
			r, err := ApplyBrokerDynamic(context.Background(), f, brokers, tt.set, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("apply err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				for _, b := range brokers {
					for k, v := range tt.set {
						if f.dynamic[b][k] != v {
							t.Errorf("while applied: broker %s %s = %q, want %q", b, k, f.dynamic[b][k], v)
						}
					}
				}
			}
			if err := r.Restore(); err != nil {
				t.Fatalf("restore: %v", err)
			}
			if err := r.Restore(); err != nil { // deferred restore after an explicit one: no-op
				t.Fatalf("second restore: %v", err)
			}
			if !reflect.DeepEqual(f.dynamic, tt.before) {
				t.Errorf("after restore %v, want %v", f.dynamic, tt.before)
			}
			if len(tt.set) == 0 && f.alters != 0 {
				t.Errorf("%d alterations for an empty setting list", f.alters)
			}
		})
	}
}

func cloneAll(m map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for b, kv := range m {
		out[b] = map[string]string{}
		for k, v := range kv {
			out[b][k] = v
		}
	}
	return out
}

// slowAdmin never answers CreateTopics within the context; its metadata lists brokers 1 and 2.
type slowAdmin struct{ *fakeAdmin }

func (slowAdmin) CreateTopics(ctx context.Context, _ []driver.TopicSpec, _ driver.AdminOptions) ([]driver.TopicResult, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (slowAdmin) Metadata(*string, bool, time.Duration) (*driver.Metadata, error) {
	return &driver.Metadata{Brokers: []driver.BrokerMetadata{{ID: 1}, {ID: 2}}}, nil
}

// TestCreateTopicTimeoutSaysWhat: a create that times out says what it waited for and which
// brokers are listed, not a bare "context deadline exceeded".
func TestCreateTopicTimeoutSaysWhat(t *testing.T) {
	// AdminTimeout (30 s) bounds the create; a caller's shorter deadline stands in for it here.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := CreateTopic(ctx, slowAdmin{&fakeAdmin{}}, "t", 3, 3, nil)
	if !errors.Is(err, ErrTopicTimeout) || !strings.Contains(err.Error(), "replication factor 3") ||
		!strings.Contains(err.Error(), "lists brokers 1,2") {
		t.Errorf("got %v", err)
	}
}
