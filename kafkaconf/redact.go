package kafkaconf

import "strings"

// redactedValue replaces a secret in anything kbench prints or writes.
const redactedValue = "[redacted]"

// secretKeyParts mark a property whose value is a secret: the brief's password, secret and
// token, plus the properties that embed credentials under other names (sasl.jaas.config,
// sasl.oauthbearer.config, ssl.key.pem).
var secretKeyParts = []string{"password", "secret", "token", "jaas", "oauthbearer.config", "key.pem"}

// Redact returns a copy of m with the value of every key that names a secret (its name contains
// password, secret, token, jaas, oauthbearer.config or key.pem, in any case) replaced by
// "[redacted]". Plans, logs and result files go through it, so a profile's SASL password never
// leaves the process. A nil map stays nil.
func Redact(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
		lk := strings.ToLower(k)
		for _, part := range secretKeyParts {
			if strings.Contains(lk, part) {
				out[k] = redactedValue
				break
			}
		}
	}
	return out
}
