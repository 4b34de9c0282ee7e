package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/inputfile"
	"github.com/kbench/kbench/profiles"
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
	// or an override gave one. They may hold secrets: never print them without profiles.Redact.
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
	return profiles.Redact(c.Props)
}

// LoadClientConfig reads a Java-style client .properties file (file may be "") and applies the
// -X key=value overrides in order, translates Java-only names (see javaTranslations), and checks
// the result with librdkafka. Every error wraps ErrClientConfig and names the file, line and key.
func LoadClientConfig(file string, overrides []string) (*ClientConfig, error) {
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
			return nil, fmt.Errorf("%w: -X %q: want key=value", ErrClientConfig, profiles.Redact(map[string]string{k: o})[k])
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
	if err := c.validate(); err != nil {
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
func (c *ClientConfig) where(key string) string {
	if o, ok := c.origin[key]; ok {
		return o
	}
	if c.File != "" {
		return c.File
	}
	return "client config"
}

// readProperties parses Java's .properties syntax: # and ! comments, key=value, key:value or
// key value, backslash line continuation and the usual escapes. It returns each key's value and
// the line it started on (the last occurrence wins, as in Java).
func readProperties(file string) (map[string]string, map[string]int, error) {
	data, err := inputfile.Read(file, "properties file", inputfile.Limit)
	if err != nil {
		return nil, nil, err
	}
	kv, lines := map[string]string{}, map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), inputfile.Limit+1)
	n := 0
	for sc.Scan() {
		n++
		start := n
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continued(line) && sc.Scan() {
			n++
			line = line[:len(line)-1] + strings.TrimLeft(sc.Text(), " \t\f")
		}
		k, v, err := splitProperty(line)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", file, start, err)
		}
		kv[k], lines[k] = v, start
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	return kv, lines, nil
}

// continued says whether a line ends in an odd number of backslashes (continues on the next).
func continued(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits one logical line into its unescaped key and value.
func splitProperty(line string) (string, string, error) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	key, rest := line[:i], line[i:]
	rest = strings.TrimLeft(rest, " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	k, err := unescapeProperty(key)
	if err != nil {
		return "", "", err
	}
	v, err := unescapeProperty(rest)
	if err != nil {
		return "", "", fmt.Errorf("value of %s: %w", k, err)
	}
	return k, v, nil
}

func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, "\\") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("incomplete \\u escape")
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", fmt.Errorf("bad \\u escape %q", s[i-1:i+5])
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// javaIgnored are Java client properties with no librdkafka meaning that are harmless to drop:
// a file shared with Kafka's console tools carries them. Each is dropped with a note.
var javaIgnored = map[string]string{
	"key.serializer":                    "kbench writes its own bytes",
	"value.serializer":                  "kbench writes its own bytes",
	"key.deserializer":                  "kbench reads its own bytes",
	"value.deserializer":                "kbench reads its own bytes",
	"interceptor.classes":               "Java interceptors cannot run in librdkafka",
	"metric.reporters":                  "Java metric reporters cannot run in librdkafka",
	"auto.include.jmx.reporter":         "no JMX in librdkafka",
	"partitioner.class":                 "kbench chooses partitions itself",
	"default.api.timeout.ms":            "kbench bounds every admin request itself",
	"max.block.ms":                      "kbench bounds its own waits",
	"ssl.protocol":                      "librdkafka negotiates the TLS version (TLS 1.2 or later)",
	"ssl.enabled.protocols":             "librdkafka negotiates the TLS version (TLS 1.2 or later)",
	"ssl.keymanager.algorithm":          "a Java-only setting",
	"ssl.trustmanager.algorithm":        "a Java-only setting",
	"ssl.secure.random.implementation":  "a Java-only setting",
	"ssl.provider":                      "a Java-only setting",
	"security.providers":                "a Java-only setting",
	"ssl.truststore.type":               "used to translate ssl.truststore.location",
	"ssl.keystore.type":                 "used to translate ssl.keystore.location",
	"sasl.login.refresh.buffer.seconds": "a Java-only setting",
}

// javaRejected are Java properties that change how a client authenticates or behaves in a way
// librdkafka cannot copy: dropping them silently would connect differently from the user's other
// tools, so they are refused with what to use instead.
var javaRejected = map[string]string{
	"sasl.login.callback.handler.class":  "Java login callbacks cannot run in librdkafka; for OAuth use sasl.oauthbearer.method=oidc with sasl.oauthbearer.client.id, sasl.oauthbearer.client.secret and sasl.oauthbearer.token.endpoint.url",
	"sasl.client.callback.handler.class": "Java callbacks cannot run in librdkafka",
	"ssl.engine.factory.class":           "Java SSL engines cannot run in librdkafka; give ssl.ca.location, ssl.certificate.location and ssl.key.location (PEM files)",
	"buffer.memory":                      "librdkafka's producer queue is queue.buffering.max.kbytes (set it in the profile's producer properties)",
}

// javaRenamed are Java properties librdkafka knows under another name.
var javaRenamed = map[string]string{
	"receive.buffer.bytes":           "socket.receive.buffer.bytes",
	"send.buffer.bytes":              "socket.send.buffer.bytes",
	"ssl.truststore.certificates":    "ssl.ca.pem",
	"ssl.keystore.certificate.chain": "ssl.certificate.pem",
	"ssl.keystore.key":               "ssl.key.pem",
	"sasl.mechanism":                 "sasl.mechanisms",
}

// translate turns the Java-style properties of one source (the file or -X) into librdkafka's,
// filling c.Props and c.Notes; all holds both sources, for the settings one key's translation
// depends on (sasl.mechanism, the store types and passwords).
func (c *ClientConfig) translate(raw, all map[string]string) error {
	var errs []error
	fail := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", c.where(key), key, fmt.Sprintf(format, args...)))
	}
	note := func(format string, args ...any) { c.Notes = append(c.Notes, fmt.Sprintf(format, args...)) }
	for _, k := range sortedKeys(raw) {
		v := raw[k]
		switch {
		case javaIgnored[k] != "":
			if k != "ssl.truststore.type" && k != "ssl.keystore.type" {
				note("%s ignored: %s", k, javaIgnored[k])
			}
		case javaRejected[k] != "":
			fail(k, "not supported by librdkafka: %s", javaRejected[k])
		case javaRenamed[k] != "":
			to := javaRenamed[k]
			if _, both := raw[to]; both {
				fail(k, "given together with %s, its librdkafka name: keep one", to)
				continue
			}
			c.Props[to] = v
			c.origin[to] = c.where(k)
			if k != "sasl.mechanism" {
				note("%s translated to %s", k, to)
			}
		case k == "sasl.jaas.config":
			if err := c.translateJAAS(v, raw, all); err != nil {
				fail(k, "%v", err)
			}
		case k == "ssl.truststore.location":
			c.translateTruststore(raw, all, fail, note)
		case k == "ssl.truststore.password":
			if _, ok := all["ssl.truststore.location"]; !ok {
				fail(k, "given without ssl.truststore.location")
			}
		case k == "ssl.keystore.location":
			c.translateKeystore(raw, all, fail, note)
		case k == "ssl.keystore.password":
			if _, ok := all["ssl.keystore.location"]; !ok {
				c.Props[k] = v // librdkafka's own spelling with ssl.keystore.location from -X
			}
		case k == "ssl.endpoint.identification.algorithm":
			switch strings.ToLower(v) {
			case "":
				c.Props[k] = "none"
				note("ssl.endpoint.identification.algorithm= (empty, Java's \"no hostname check\") translated to none")
			default:
				c.Props[k] = strings.ToLower(v)
			}
		default:
			c.Props[k] = v
		}
	}
	return errors.Join(errs...)
}

// jaasModules maps the Java login modules kbench understands to the SASL mechanisms they serve.
var jaasModules = map[string][]string{
	"org.apache.kafka.common.security.plain.PlainLoginModule": {"PLAIN"},
	"org.apache.kafka.common.security.scram.ScramLoginModule": {"SCRAM-SHA-256", "SCRAM-SHA-512"},
}

var jaasOption = regexp.MustCompile(`([A-Za-z0-9_.]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)`)

// translateJAAS reads username and password out of a PlainLoginModule or ScramLoginModule JAAS
// line into sasl.username and sasl.password. Error texts never quote the line (it holds the
// password).
func (c *ClientConfig) translateJAAS(v string, raw, all map[string]string) error {
	fields := strings.Fields(strings.TrimSpace(v))
	if len(fields) < 2 {
		return errors.New("want \"<LoginModule class> required username=\\\"...\\\" password=\\\"...\\\";\"")
	}
	module := fields[0]
	mechs, ok := jaasModules[module]
	if !ok {
		switch {
		case strings.Contains(module, "OAuthBearer"):
			return fmt.Errorf("login module %s is not supported: use sasl.mechanism=OAUTHBEARER with sasl.oauthbearer.method=oidc, sasl.oauthbearer.client.id, sasl.oauthbearer.client.secret and sasl.oauthbearer.token.endpoint.url", module)
		case strings.Contains(module, "Krb5"):
			return fmt.Errorf("login module %s is not supported: use sasl.mechanism=GSSAPI with sasl.kerberos.service.name, sasl.kerberos.principal and sasl.kerberos.keytab", module)
		}
		return fmt.Errorf("login module %s is not supported: kbench understands PlainLoginModule and ScramLoginModule (sasl.username, sasl.password)", module)
	}
	opts := map[string]string{}
	for _, m := range jaasOption.FindAllStringSubmatch(v, -1) {
		val := m[2]
		if strings.HasPrefix(val, `"`) {
			val = strings.ReplaceAll(strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`), `\\`, `\`)
		}
		opts[m[1]] = val
	}
	if opts["username"] == "" || opts["password"] == "" {
		return fmt.Errorf("%s needs username=\"...\" and password=\"...\"", module)
	}
	mech := all["sasl.mechanism"]
	if mech == "" {
		mech = all["sasl.mechanisms"]
	}
	if mech == "" {
		mech = "GSSAPI" // Java's default, and librdkafka's
	}
	match := false
	for _, m := range mechs {
		match = match || strings.EqualFold(m, mech)
	}
	if !match {
		return fmt.Errorf("%s does not serve sasl.mechanism=%s (want %s)", module[strings.LastIndex(module, ".")+1:], mech, strings.Join(mechs, " or "))
	}
	for _, k := range []string{"sasl.username", "sasl.password"} {
		if _, both := raw[k]; both {
			return fmt.Errorf("given together with %s: keep one", k)
		}
	}
	for _, k := range []string{"username", "password"} {
		if _, overridden := all["sasl."+k]; !overridden {
			c.Props["sasl."+k] = opts[k]
			c.origin["sasl."+k] = c.where("sasl.jaas.config")
		}
	}
	c.Notes = append(c.Notes, "sasl.jaas.config ("+module[strings.LastIndex(module, ".")+1:]+") translated to sasl.username and sasl.password")
	return nil
}

// storeType is a Java key or trust store's type: the *.type property if given, else guessed from
// the file name (.pem, .p12/.pfx, .jks), else JKS (Java's default).
func storeType(typ, location string) string {
	if typ != "" {
		return strings.ToUpper(typ)
	}
	switch strings.ToLower(filepath.Ext(location)) {
	case ".pem", ".crt", ".cer":
		return "PEM"
	case ".p12", ".pfx":
		return "PKCS12"
	}
	return "JKS"
}

func (c *ClientConfig) translateTruststore(raw, all map[string]string, fail func(string, string, ...any), note func(string, ...any)) {
	const k = "ssl.truststore.location"
	loc := raw[k]
	switch typ := storeType(all["ssl.truststore.type"], loc); typ {
	case "PEM":
		if _, both := raw["ssl.ca.location"]; both {
			fail(k, "given together with ssl.ca.location, its librdkafka name: keep one")
			return
		}
		c.Props["ssl.ca.location"] = loc
		c.origin["ssl.ca.location"] = c.where(k)
		note("ssl.truststore.location (PEM) translated to ssl.ca.location")
	default:
		fail(k, "a %s trust store cannot be read by librdkafka: export the CA certificates as PEM (keytool -exportcert -rfc -keystore %s -alias <ca> -file ca.pem) and set ssl.ca.location=ca.pem", typ, loc)
	}
}

func (c *ClientConfig) translateKeystore(raw, all map[string]string, fail func(string, string, ...any), note func(string, ...any)) {
	const k = "ssl.keystore.location"
	loc := raw[k]
	switch typ := storeType(all["ssl.keystore.type"], loc); typ {
	case "PKCS12":
		c.Props[k] = loc
		if pw, ok := all["ssl.keystore.password"]; ok {
			c.Props["ssl.keystore.password"] = pw
			c.origin["ssl.keystore.password"] = c.where("ssl.keystore.password")
		}
		note("ssl.keystore.location (PKCS12) kept: librdkafka reads PKCS#12 with ssl.keystore.password")
	case "PEM":
		// Java's PEM key store is one file with the private key and the certificate chain;
		// OpenSSL reads each from the same file.
		c.Props["ssl.certificate.location"], c.Props["ssl.key.location"] = loc, loc
		c.origin["ssl.certificate.location"], c.origin["ssl.key.location"] = c.where(k), c.where(k)
		if pw, ok := all["ssl.keystore.password"]; ok {
			if _, both := all["ssl.key.password"]; !both {
				c.Props["ssl.key.password"] = pw
			}
		}
		note("ssl.keystore.location (PEM) translated to ssl.certificate.location and ssl.key.location")
	default:
		fail(k, "a %s key store cannot be read by librdkafka: convert it to PKCS#12 (keytool -importkeystore -srckeystore %s -destkeystore client.p12 -deststoretype PKCS12) and set ssl.keystore.location=client.p12 with ssl.keystore.password, or give PEM files as ssl.certificate.location and ssl.key.location", typ, loc)
	}
}

// validate builds a librdkafka client from the properties (without bootstrap servers, so nothing
// connects): an unknown or mistyped property, a bad value or an unreadable certificate fails here
// with the file and key, before anything touches the cluster.
func (c *ClientConfig) validate() error {
	m := kafka.ConfigMap{"log_level": "0"}
	for k, v := range c.Props {
		if k != "bootstrap.servers" {
			m[k] = v
		}
	}
	a, err := kafka.NewAdminClient(&m)
	if err == nil {
		a.Close()
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
		without := kafka.ConfigMap{"log_level": "0"}
		for k2, v := range c.Props {
			if k2 != k && k2 != "bootstrap.servers" {
				without[k2] = v
			}
		}
		if a, err := kafka.NewAdminClient(&without); err == nil {
			a.Close()
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
	red := profiles.Redact(c.Props)
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
	lines := []string{fmt.Sprintf("client config (%s): %s", src, formatConfig(c.Redacted()))}
	for _, n := range c.Notes {
		lines = append(lines, "client config: "+n)
	}
	return lines
}
