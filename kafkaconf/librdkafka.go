package kafkaconf

// The translation of Java client properties to librdkafka's names. A second client (franz-go)
// gets its own translation of the same Java names beside this one; parsing, validation of the
// source, redaction and recording stay shared.

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

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
