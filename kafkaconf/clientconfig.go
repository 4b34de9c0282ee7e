// Package kafkaconf reads how kbench's clients connect: a Java-style client .properties file and
// -X key=value overrides, translated to a client's own property names (librdkafka's today),
// checked before anything connects, redacted for printing and recorded (the file's path, never
// its secrets). It knows no cluster and no engine, so the CLI, the runner and `kbench restore`
// share one reading of the same file.
package kafkaconf

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
)

// ErrClientConfig says the client configuration (--client-config FILE, -X key=value) cannot be
// used: a syntax error, a Java-only property librdkafka has no equivalent for, or a property
// librdkafka refuses. The message names the file, the line and the key.
var ErrClientConfig = errors.New("client config")

// ClientConfig is how every client kbench creates (producers, consumers, the admin client, the
// verification reader) connects to the cluster: bootstrap servers and the security settings of a
// Java-style client .properties file, translated to librdkafka's names, with -X overrides on top.
//
// It is loaded once, validated by building a librdkafka configuration from it, and then merged
// under each client's own settings: a point's settings and the settings the runner owns (client.id,
// group.id, ...) win over it.
type ClientConfig struct {
	// File is the .properties file it was read from ("" for -X only). Recorded (the path, never
	// the contents) so that `kbench restore` can connect the same way.
	File string
	// Props are librdkafka properties for every client, bootstrap.servers included when the file
	// or an override gave one. They may hold secrets: never print them without Redact.
	Props map[string]string
	// Notes say what was translated or ignored, one line each, without secret values.
	Notes []string

	origin map[string]string // key -> "FILE:LINE" or "-X", for messages
}

// Bootstrap is the bootstrap.servers the client config gives ("" if none).
func (c *ClientConfig) Bootstrap() string {
	if c == nil {
		return ""
	}
	return c.Props["bootstrap.servers"]
}

// Redacted is Props with every secret replaced, safe to print or record.
func (c *ClientConfig) Redacted() map[string]string {
	if c == nil {
		return nil
	}
	return Redact(c.Props)
}

// Checker builds a client from translated properties without connecting and returns what the
// client refuses (an unknown or mistyped property, a bad value, an unreadable certificate). The
// driver supplies it (librdkafka.Check).
type Checker func(props map[string]string) error

// LoadClientConfig reads a Java-style client .properties file (file may be "") and applies the
// -X key=value overrides in order, translates Java-only names (see javaTranslations), and checks
// the result with check (nil: not checked). Every error wraps ErrClientConfig and names the file,
// line and key.
func LoadClientConfig(file string, overrides []string, check Checker) (*ClientConfig, error) {
	fromFile, fromX := map[string]string{}, map[string]string{}
	origin := map[string]string{}
	if file != "" {
		kv, lines, err := readProperties(file)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrClientConfig, err)
		}
		for k, v := range kv {
			fromFile[k] = v
			origin[k] = fmt.Sprintf("%s:%d", file, lines[k])
		}
	}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: -X %q: want key=value", ErrClientConfig, Redact(map[string]string{k: o})[k])
		}
		fromX[k] = strings.TrimSpace(v)
	}
	all := maps.Clone(fromFile)
	for k, v := range fromX {
		all[k] = v
		origin[k] = "-X"
	}
	c := &ClientConfig{File: file, Props: map[string]string{}, origin: origin}
	// The file first, then -X over it: an override wins over what the file's Java settings
	// translate to (-X sasl.password=... over a sasl.jaas.config line).
	if err := errors.Join(c.translate(fromFile, all), c.translate(fromX, all)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrClientConfig, err)
	}
	if err := c.validate(check); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrClientConfig, err)
	}
	// A bootstrap.servers line that is there but empty or malformed is a mistake in the file, not
	// "use the local cluster" and not a cluster refusing the connection.
	if b, ok := c.Props["bootstrap.servers"]; ok {
		if err := ValidateBootstrap(b, c.where("bootstrap.servers")+": bootstrap.servers"); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrClientConfig, err)
		}
	}
	return c, nil
}

// where says where key came from ("client.properties:4" or "-X key").
// Where names where key came from ("FILE:LINE", "-X" or the file), for messages of other packages.
func (c *ClientConfig) Where(key string) string {
	if c == nil {
		return "client config"
	}
	return c.where(key)
}

func (c *ClientConfig) where(key string) string {
	if o, ok := c.origin[key]; ok {
		return o
	}
	if c.File != "" {
		return c.File
	}
	return "client config"
}

// validate checks the properties with check: a refused property fails here with the file and
// key, before anything touches the cluster.
func (c *ClientConfig) validate(check Checker) error {
	if check == nil {
		return nil
	}
	err := check(c.Props)
	if err == nil {
		return nil
	}
	msg := c.scrub(err.Error())
	// Name the key: the first property of ours the error mentions.
	keys := sortedKeys(c.Props)
	sort.SliceStable(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		if strings.Contains(msg, `"`+k+`"`) || strings.HasPrefix(msg, k+" ") || strings.Contains(msg, " "+k+" ") || strings.Contains(msg, k+":") {
			return fmt.Errorf("%s: %s: %s", c.where(k), k, msg)
		}
	}
	// The error names no key of ours (an alias such as acks -> request.required.acks): find the
	// key whose removal makes the config valid.
	for _, k := range keys {
		if k == "bootstrap.servers" {
			continue
		}
		without := maps.Clone(c.Props)
		delete(without, k)
		if check(without) == nil {
			return fmt.Errorf("%s: %s: %s", c.where(k), k, msg)
		}
	}
	if c.File != "" {
		return fmt.Errorf("%s: %s", c.File, msg)
	}
	return errors.New(msg)
}

// scrub replaces any secret value of the config that appears in s (librdkafka may quote a value
// in an error) by [redacted].
func (c *ClientConfig) scrub(s string) string {
	if c == nil {
		return s
	}
	red := Redact(c.Props)
	for k, v := range c.Props {
		if red[k] != v && len(v) >= 3 {
			s = strings.ReplaceAll(s, v, red[k])
		}
	}
	return s
}

// FormatNotes renders the notes and the redacted properties as lines for a plan or a log.
func (c *ClientConfig) FormatNotes() []string {
	if c == nil {
		return nil
	}
	src := c.File
	if src == "" {
		src = "-X"
	}
	lines := []string{fmt.Sprintf("client config (%s): %s", src, FormatConfig(c.Redacted()))}
	for _, n := range c.Notes {
		lines = append(lines, "client config: "+n)
	}
	return lines
}

// sortedKeys returns m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FormatConfig renders a config map as "k=v, k=v" in key order, for errors and notes.
func FormatConfig(m map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s", k, m[k])
	}
	return b.String()
}
