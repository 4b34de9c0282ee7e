package runner

import (
	"context"
	"errors"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// fakeAdmin keeps cluster-wide dynamic broker configs in a map and records every alteration, so
// the apply/restore logic can be checked without a cluster.
type fakeAdmin struct {
	dynamic  map[string]string // cluster-wide dynamic values
	alterErr error             // returned by the next IncrementalAlterConfigs, then cleared
	alters   int
}

func (f *fakeAdmin) CreateTopics(context.Context, []kafka.TopicSpecification, ...kafka.CreateTopicsAdminOption) ([]kafka.TopicResult, error) {
	return nil, errors.New("not faked")
}
func (f *fakeAdmin) DeleteTopics(context.Context, []string, ...kafka.DeleteTopicsAdminOption) ([]kafka.TopicResult, error) {
	return nil, errors.New("not faked")
}
func (f *fakeAdmin) GetMetadata(*string, bool, int) (*kafka.Metadata, error) {
	return nil, errors.New("not faked")
}

func (f *fakeAdmin) DescribeConfigs(_ context.Context, rs []kafka.ConfigResource, _ ...kafka.DescribeConfigsAdminOption) ([]kafka.ConfigResourceResult, error) {
	out := []kafka.ConfigResourceResult{}
	for _, r := range rs {
		cfg := map[string]kafka.ConfigEntryResult{
			// A static default the cluster-wide resource also lists: not a dynamic value.
			"log.flush.interval.ms": {Name: "log.flush.interval.ms", Value: "9223372036854775807", Source: kafka.ConfigSourceDefault, IsDefault: true},
		}
		for k, v := range f.dynamic {
			cfg[k] = kafka.ConfigEntryResult{Name: k, Value: v, Source: kafka.ConfigSourceDynamicDefaultBroker}
		}
		out = append(out, kafka.ConfigResourceResult{Type: r.Type, Name: r.Name, Config: cfg})
	}
	return out, nil
}

func (f *fakeAdmin) IncrementalAlterConfigs(_ context.Context, rs []kafka.ConfigResource, _ ...kafka.AlterConfigsAdminOption) ([]kafka.ConfigResourceResult, error) {
	f.alters++
	if err := f.alterErr; err != nil {
		f.alterErr = nil
		// Like a broker that applied the first entry and refused the rest.
		if len(rs[0].Config) > 0 && rs[0].Config[0].IncrementalOperation == kafka.AlterConfigOpTypeSet {
			f.dynamic[rs[0].Config[0].Name] = rs[0].Config[0].Value
		}
		return nil, err
	}
	for _, r := range rs {
		if r.Type != kafka.ResourceBroker || r.Name != "" {
			return nil, errors.New("not the cluster-wide broker resource")
		}
		for _, e := range r.Config {
			switch e.IncrementalOperation {
			case kafka.AlterConfigOpTypeSet:
				f.dynamic[e.Name] = e.Value
			case kafka.AlterConfigOpTypeDelete:
				delete(f.dynamic, e.Name)
			}
		}
	}
	return nil, nil
}

func TestBrokerDynamicRestore(t *testing.T) {
	tests := []struct {
		name     string
		before   map[string]string
		set      map[string]string
		alterErr error
		wantErr  bool
	}{
		{"new keys are deleted again", map[string]string{}, map[string]string{"log.flush.interval.messages": "1000", "log.flush.interval.ms": "50"}, nil, false},
		{"previous dynamic value comes back", map[string]string{"log.flush.interval.messages": "5", "other": "x"}, map[string]string{"log.flush.interval.messages": "1"}, nil, false},
		{"restored after a partly failed set", map[string]string{"log.flush.interval.ms": "7"}, map[string]string{"log.flush.interval.messages": "1", "log.flush.interval.ms": "1"}, errors.New("refused"), true},
		{"nothing to do", map[string]string{"a": "b"}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAdmin{dynamic: clone(tt.before), alterErr: tt.alterErr}
			r, err := applyBrokerDynamic(context.Background(), f, tt.set)
			if (err != nil) != tt.wantErr {
				t.Fatalf("apply err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				for k, v := range tt.set {
					if f.dynamic[k] != v {
						t.Errorf("while applied: %s = %q, want %q", k, f.dynamic[k], v)
					}
				}
			}
			if err := r.Restore(); err != nil {
				t.Fatalf("restore: %v", err)
			}
			if err := r.Restore(); err != nil { // deferred restore after an explicit one: no-op
				t.Fatalf("second restore: %v", err)
			}
			if !equal(f.dynamic, tt.before) {
				t.Errorf("after restore %v, want %v", f.dynamic, tt.before)
			}
			if len(tt.set) == 0 && f.alters != 0 {
				t.Errorf("%d alterations for an empty setting list", f.alters)
			}
		})
	}
}

func clone(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
