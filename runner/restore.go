package runner

// The runner's side of the restore file (safety.RestoreRecord): before a point changes a broker
// setting, what it will put back is written to the results folder, so that `kbench restore FILE`
// can undo the change after kbench itself crashed or was killed with SIGKILL.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// newRestoreRecord prepares the run's restore file: in the results folder, else (a run without
// one on the local cluster) in the local cluster's folder.
func (s *session) newRestoreRecord() *safety.RestoreRecord {
	r := &safety.RestoreRecord{File: safety.RestoreFile{FormatVersion: safety.RestoreFormatVersion, RunID: s.runID, Bootstrap: s.conn.bootstrap, PID: os.Getpid(), Host: safety.HostName()}}
	switch {
	case s.opts.OutDir != "":
		r.Path = filepath.Join(s.opts.OutDir, safety.RestoreFileName(s.runID))
	case s.ctl().Local():
		r.Path = filepath.Join(s.ctl().Dir(), safety.RestoreFileName(s.runID))
	}
	if r.Path != "" {
		if abs, err := filepath.Abs(r.Path); err == nil {
			r.Path = abs
		}
	}
	if s.opts.Client != nil && s.opts.Client.File != "" {
		if abs, err := filepath.Abs(s.opts.Client.File); err == nil {
			r.File.ClientConfigFile = abs
		}
	}
	return r
}

// saveRestore returns the beforeChange hook that records point p's dynamic settings in the run's
// restore file, and the onRestored hook that drops them again once they are back.
func (s *session) saveRestore(p profiles.Point) (before func([]safety.SavedSetting) error, after func()) {
	rec := s.rec
	if rec.Path == "" {
		return nil, nil
	}
	before = func(saved []safety.SavedSetting) error {
		rec.File.PointID, rec.File.Settings = p.ID, nil
		for _, v := range saved {
			rec.File.Settings = append(rec.File.Settings, safety.RestoreSetting{Broker: v.Broker, Key: v.Key, HadDynamicValue: v.Had, Value: v.Value})
		}
		if err := rec.Save(); err != nil {
			rec.File.Settings = nil
			return fmt.Errorf("before changing broker settings (nothing changed): %w", err)
		}
		return nil
	}
	after = func() {
		rec.File.Settings = nil
		if err := rec.Save(); err != nil {
			s.warn("%v", err)
		}
	}
	return before, after
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
func (s *session) applyBrokerDynamic(ctx context.Context, p profiles.Point) (*safety.BrokerRestore, error) {
	before, after := s.saveRestore(p)
	r, err := safety.ApplyBrokerDynamic(ctx, s.admin, s.brokerIDs(), p.BrokerDynamicConfig(), before)
	r.OnRestored = after
	if s.rec.Path != "" {
		r.Hint = "or run: kbench restore " + s.rec.Path
	}
	return r, err
}
