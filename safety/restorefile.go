package safety

// The restore file: before a point changes a broker setting, what it will put back is written to
// the results folder, so that `kbench restore FILE` can undo the change after kbench itself
// crashed or was killed with SIGKILL (when its deferred restore never ran).

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/kbench/kbench/inputfile"
)

// RestoreFormatVersion is the version of the restore file format. Version 2 added the static
// settings of the local cluster (Static), the run's process (PID, Host) and its lease; version 1
// files (dynamic settings only) are still read.
const RestoreFormatVersion = 2

// RestoreFile says how to put back the broker settings one run changed. It holds no secret: the
// client config is named by its file path only. It is written before the first change and
// rewritten before each later one, so it always covers what is changed; it is removed once
// everything is back.
type RestoreFile struct {
	FormatVersion    int              `json:"format_version"`
	RunID            string           `json:"run_id"`
	PointID          string           `json:"point_id"` // the point whose dynamic Settings are changed
	Bootstrap        string           `json:"bootstrap"`
	ClientConfigFile string           `json:"client_config_file,omitempty"` // path only; give --client-config to override
	Written          time.Time        `json:"written"`
	Settings         []RestoreSetting `json:"settings"`
	// Version 2.
	PID        int            `json:"pid,omitempty"`
	Host       string         `json:"host,omitempty"`
	LeaseTopic string         `json:"lease_topic,omitempty"` // where the run's broker-settings lease is (released by restore)
	Static     *RestoreStatic `json:"static,omitempty"`
}

// RestoreSetting is one dynamic broker setting of one broker as it was before kbench changed it.
type RestoreSetting struct {
	Broker string `json:"broker"`
	Key    string `json:"key"`
	// HadDynamicValue: the broker had its own dynamic value, Value, to set back; false: kbench's
	// value is deleted, so the static or cluster default applies again.
	HadDynamicValue bool   `json:"had_dynamic_value"`
	Value           string `json:"value,omitempty"`
}

// RestoreStatic is the local cluster whose static broker settings the run changes (by rolling
// restart) and those settings as they were before: restore restarts the brokers with them.
type RestoreStatic struct {
	ClusterDir string          `json:"cluster_dir"`
	ClusterID  string          `json:"cluster_id"`
	Original   []StaticSetting `json:"original"`
}

// StaticSetting is one static broker setting as the local cluster had it before the run.
type StaticSetting struct {
	Key      string `json:"key"`
	HadValue bool   `json:"had_value"` // false: the key was not set (Kafka's default applies)
	Value    string `json:"value,omitempty"`
}

// RestoreFileName is the restore file of a run inside its results folder.
func RestoreFileName(runID string) string { return "restore-" + runID + ".json" }

// Pending says whether the file still names something to put back.
func (rf *RestoreFile) Pending() bool {
	return len(rf.Settings) > 0 || (rf.Static != nil && len(rf.Static.Original) > 0)
}

// RestoreRecord is a run's restore file as it stands. Every change of a broker setting is
// preceded by Save with the change's undo in it; once a part is back it is dropped and saved
// again; with nothing left the file is removed.
type RestoreRecord struct {
	Path string // "": nowhere to write (no results folder and no local cluster)
	File RestoreFile
}

// Save writes the file while something is pending and removes it when nothing is.
func (r *RestoreRecord) Save() error {
	if r.Path == "" {
		return nil
	}
	if !r.File.Pending() {
		if err := os.Remove(r.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove restore file %s: %w", r.Path, err)
		}
		return nil
	}
	r.File.Written = time.Now().UTC()
	if err := WriteRestoreFile(r.Path, &r.File); err != nil {
		return fmt.Errorf("write restore file %s: %w", r.Path, err)
	}
	return nil
}

// HostName names this machine in restore files and leases ("" when unknown).
func HostName() string {
	h, _ := os.Hostname()
	return h
}

// WriteRestoreFile writes rf atomically: a temporary file in the same folder, synced, then
// renamed over path, and the folder synced, so a crash leaves the old file or the new one.
func WriteRestoreFile(path string, rf *RestoreFile) error {
	data, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".restore-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(append(data, '\n'))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return werr
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadRestoreFile reads a restore file and checks it is one.
func ReadRestoreFile(path string) (*RestoreFile, error) {
	data, err := inputfile.Read(path, "restore file", inputfile.Limit)
	if err != nil {
		return nil, err
	}
	return parseRestoreFile(path, data)
}

// parseRestoreFile decodes a restore file of any version kbench wrote (1 or 2).
func parseRestoreFile(path string, data []byte) (*RestoreFile, error) {
	var rf RestoreFile
	if err := json.Unmarshal(data, &rf); err != nil {
		return nil, fmt.Errorf("%s is not a kbench restore file: %w", path, err)
	}
	switch {
	case rf.FormatVersion == 1 && len(rf.Settings) > 0 && rf.Static == nil:
	case rf.FormatVersion == 2 && rf.Pending():
		if rf.Static != nil && rf.Static.ClusterDir == "" {
			return nil, fmt.Errorf("%s: static settings without cluster_dir: not a restore file kbench wrote", path)
		}
	case rf.FormatVersion > RestoreFormatVersion:
		return nil, fmt.Errorf("%s has format_version %d, newer than this kbench reads (%d): use a newer kbench", path, rf.FormatVersion, RestoreFormatVersion)
	default:
		return nil, fmt.Errorf("%s is not a kbench restore file (format_version %d, %d settings)", path, rf.FormatVersion, len(rf.Settings))
	}
	for i, st := range rf.Settings {
		if st.Broker == "" || st.Key == "" {
			return nil, fmt.Errorf("%s: settings[%d]: broker and key are required", path, i)
		}
	}
	return &rf, nil
}

// OriginalStatic is the cluster's broker config with the keys a run changed put back as they
// were before it.
func OriginalStatic(current map[string]string, original []StaticSetting) map[string]string {
	want := maps.Clone(current)
	if want == nil {
		want = map[string]string{}
	}
	for _, s := range original {
		if s.HadValue {
			want[s.Key] = s.Value
		} else {
			delete(want, s.Key)
		}
	}
	return want
}
