package runner

// The restore file: before a point changes a broker setting, what it will put back is written to
// the results folder, so that `kbench restore FILE` can undo the change after kbench itself
// crashed or was killed with SIGKILL (when its deferred restore never ran).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/inputfile"
	"github.com/kbench/kbench/profiles"
)

// RestoreFormatVersion is the version of the restore file format.
const RestoreFormatVersion = 1

// RestoreFile says how to put the broker settings of one point back. It holds no secret: the
// client config is named by its file path only.
type RestoreFile struct {
	FormatVersion    int              `json:"format_version"`
	RunID            string           `json:"run_id"`
	PointID          string           `json:"point_id"`
	Bootstrap        string           `json:"bootstrap"`
	ClientConfigFile string           `json:"client_config_file,omitempty"` // path only; give --client-config to override
	Written          time.Time        `json:"written"`
	Settings         []RestoreSetting `json:"settings"`
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

// RestoreFileName is the restore file of a run inside its results folder.
func RestoreFileName(runID string) string { return "restore-" + runID + ".json" }

// saveRestore returns the beforeChange hook that writes the restore file of point p, and the
// onRestored hook that removes it once the settings are back.
func (s *session) saveRestore(p profiles.Point) (before func([]savedSetting) error, after func()) {
	if s.opts.OutDir == "" {
		return nil, nil
	}
	path := filepath.Join(s.opts.OutDir, RestoreFileName(s.runID))
	before = func(saved []savedSetting) error {
		rf := RestoreFile{
			FormatVersion: RestoreFormatVersion, RunID: s.runID, PointID: p.ID,
			Bootstrap: s.conn.bootstrap, Written: time.Now().UTC(),
		}
		if s.opts.Client != nil {
			if abs, err := filepath.Abs(s.opts.Client.File); err == nil && s.opts.Client.File != "" {
				rf.ClientConfigFile = abs
			}
		}
		for _, v := range saved {
			rf.Settings = append(rf.Settings, RestoreSetting{Broker: v.Broker, Key: v.Key, HadDynamicValue: v.Had, Value: v.Value})
		}
		if err := writeRestoreFile(path, &rf); err != nil {
			return fmt.Errorf("write the restore file before changing broker settings (nothing changed): %w", err)
		}
		return nil
	}
	after = func() { _ = os.Remove(path) }
	return before, after
}

// writeRestoreFile writes rf atomically: a temporary file in the same folder, synced, then
// renamed over path, and the folder synced, so a crash leaves the old file or the new one.
func writeRestoreFile(path string, rf *RestoreFile) error {
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
	var rf RestoreFile
	if err := json.Unmarshal(data, &rf); err != nil {
		return nil, fmt.Errorf("%s is not a kbench restore file: %w", path, err)
	}
	if rf.FormatVersion != RestoreFormatVersion || len(rf.Settings) == 0 {
		return nil, fmt.Errorf("%s is not a kbench restore file (format_version %d, %d settings)", path, rf.FormatVersion, len(rf.Settings))
	}
	return &rf, nil
}

// RestoreOptions say how `kbench restore` connects: Bootstrap and Client override what the file
// names (its bootstrap and client config file).
type RestoreOptions struct {
	Bootstrap string
	Client    *ClientConfig
	Out       io.Writer // one line per broker setting put back (nil: none)
}

// Restore puts back the broker settings a restore file names, prints each, and removes the file
// when every one is back. It is safe to run twice: each setting is set to (or deleted back to) its
// saved state.
func Restore(ctx context.Context, path string, o RestoreOptions) error {
	rf, err := ReadRestoreFile(path)
	if err != nil {
		return badInput(err)
	}
	cc := o.Client
	if cc == nil && rf.ClientConfigFile != "" {
		if cc, err = LoadClientConfig(rf.ClientConfigFile, nil); err != nil {
			return fmt.Errorf("the client config the run used: %w (give --client-config)", err)
		}
	}
	bootstrap := o.Bootstrap
	if bootstrap == "" {
		bootstrap = rf.Bootstrap
	}
	conn, err := resolveConnection(bootstrap, cc)
	if err != nil {
		return err
	}
	if _, err := probe(conn); err != nil {
		return err
	}
	a, err := kafka.NewAdminClient(toConfigMap(adminConfig(conn)))
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	r := &brokerRestore{a: a}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	for _, st := range rf.Settings {
		r.saved = append(r.saved, savedSetting{Broker: st.Broker, Key: st.Key, Value: st.Value, Had: st.HadDynamicValue})
		what := "delete kbench's value (back to the broker's default)"
		if st.HadDynamicValue {
			what = "set back to " + st.Value
		}
		fmt.Fprintf(out, "broker %s: %s: %s\n", st.Broker, st.Key, what)
	}
	if err := r.Restore(); err != nil {
		if isAuthz(err) {
			return fmt.Errorf("%w: %w", ErrNotPermitted, err)
		}
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("settings restored, but %s not removed: %w", path, err)
	}
	fmt.Fprintf(out, "restored run %s point %s on %s; removed %s\n", rf.RunID, rf.PointID, conn.bootstrap, path)
	return nil
}

// redactYAML replaces the value of every "key: value" line of a profile whose key names a secret
// (see profiles.Redact), so the profile text recorded in index.json carries no password.
func redactYAML(text string) string {
	if text == "" {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		trim := strings.TrimLeft(line, " \t-")
		k, v, ok := strings.Cut(trim, ":")
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		if profiles.Redact(map[string]string{k: "x"})[k] != "x" {
			lines[i] = line[:len(line)-len(trim)] + trim[:len(trim)-len(v)] + " [redacted]"
		}
	}
	return strings.Join(lines, "\n")
}

// applyBrokerDynamic applies point p's dynamic broker settings on every broker, writing the
// restore file first and removing it once the settings are back.
func (s *session) applyBrokerDynamic(ctx context.Context, p profiles.Point) (*brokerRestore, error) {
	before, after := s.saveRestore(p)
	r, err := applyBrokerDynamic(ctx, s.admin, s.brokerIDs(), p.BrokerDynamicConfig(), before)
	r.onRestored = after
	if s.opts.OutDir != "" {
		r.hint = "or run: kbench restore " + filepath.Join(s.opts.OutDir, RestoreFileName(s.runID))
	}
	return r, err
}
