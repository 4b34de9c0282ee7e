package kafkaconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/driver/librdkafka"
)

// testPKI writes a self-signed CA certificate, a client certificate and its key as PEM files,
// and (when openssl is installed) the client's PKCS#12 key store with password "storepw".
func testPKI(t *testing.T) (ca, cert, key, p12 string) {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kbench test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cliKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cliTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kbench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	cliDER, err := x509.CreateCertificate(rand.Reader, cliTmpl, caTmpl, &cliKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(cliKey)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca, cert, key = write("ca.pem", "CERTIFICATE", caDER), write("client.pem", "CERTIFICATE", cliDER), write("client.key", "PRIVATE KEY", keyDER)
	if _, err := exec.LookPath("openssl"); err == nil {
		p12 = filepath.Join(dir, "client.p12")
		out, err := exec.Command("openssl", "pkcs12", "-export", "-in", cert, "-inkey", key, "-out", p12, "-passout", "pass:storepw").CombinedOutput()
		if err != nil {
			t.Logf("openssl pkcs12: %v: %s", err, out)
			p12 = ""
		}
	}
	return ca, cert, key, p12
}

func writeProps(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "client.properties")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadClientConfigTranslation is the translation table: Java client properties in, the
// librdkafka properties every client gets out (or the error a user sees).
func TestLoadClientConfigTranslation(t *testing.T) {
	ca, cert, key, p12 := testPKI(t)
	tests := []struct {
		name      string
		file      string
		overrides []string
		want      map[string]string // exact Props
		wantNote  string
		wantErr   string // substring; "" = no error
		needP12   bool
	}{
		{
			name: "scram jaas", file: `bootstrap.servers=127.0.0.1:9092
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="pa ss=w;rd";
`,
			want: map[string]string{"bootstrap.servers": "127.0.0.1:9092", "security.protocol": "SASL_PLAINTEXT",
				"sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "alice", "sasl.password": "pa ss=w;rd"},
			wantNote: "sasl.jaas.config (ScramLoginModule) translated to sasl.username and sasl.password",
		},
		{
			name: "plain over ssl with a PEM trust store and no hostname check", file: `security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
    username="bob" \
    password="pw1";
ssl.truststore.type=PEM
ssl.truststore.location=` + ca + `
ssl.endpoint.identification.algorithm=
`,
			want: map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.username": "bob",
				"sasl.password": "pw1", "ssl.ca.location": ca, "ssl.endpoint.identification.algorithm": "none"},
			wantNote: "ssl.truststore.location (PEM) translated to ssl.ca.location",
		},
		{
			name: "ssl with client certificate and key files", file: "security.protocol=SSL\nssl.ca.location=" + ca +
				"\nssl.certificate.location=" + cert + "\nssl.key.location=" + key + "\n",
			want: map[string]string{"security.protocol": "SSL", "ssl.ca.location": ca, "ssl.certificate.location": cert, "ssl.key.location": key},
		},
		{
			name: "pkcs12 key store kept", needP12: true, file: "security.protocol=SSL\nssl.ca.location=" + ca +
				"\nssl.keystore.type=PKCS12\nssl.keystore.location=" + p12 + "\nssl.keystore.password=storepw\n",
			want:     map[string]string{"security.protocol": "SSL", "ssl.ca.location": ca, "ssl.keystore.location": p12, "ssl.keystore.password": "storepw"},
			wantNote: "ssl.keystore.location (PKCS12) kept",
		},
		{
			name: "pkcs12 key store with a wrong password", needP12: true, file: "security.protocol=SSL\nssl.ca.location=" + ca +
				"\nssl.keystore.location=" + p12 + "\nssl.keystore.password=wrongpw\n",
			wantErr: "ssl.keystore.location",
		},
		{
			name: "jks trust store refused", file: "security.protocol=SSL\nssl.truststore.location=/etc/kafka/truststore.jks\nssl.truststore.password=changeit\n",
			wantErr: "client.properties:2: ssl.truststore.location: a JKS trust store cannot be read by librdkafka: export the CA certificates as PEM (keytool -exportcert -rfc",
		},
		{
			name: "jks key store refused", file: "security.protocol=SSL\nssl.keystore.location=/etc/kafka/ks.jks\nssl.keystore.password=changeit\n",
			wantErr: "convert it to PKCS#12",
		},
		{
			name: "serializers and interceptors ignored with a note", file: "key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer\ninterceptor.classes=com.example.Spy\n",
			want: map[string]string{}, wantNote: "interceptor.classes ignored: Java interceptors cannot run in librdkafka",
		},
		{
			name: "callback handler refused", file: "sasl.login.callback.handler.class=com.example.Login\n",
			wantErr: "sasl.login.callback.handler.class: not supported by librdkafka",
		},
		{
			name: "oauth module refused with the librdkafka names", file: "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"x\" clientSecret=\"topsecret\";\n",
			wantErr: "sasl.oauthbearer.method=oidc",
		},
		{
			name: "module does not serve the mechanism", file: "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"hunter22\";\n",
			wantErr: "ScramLoginModule does not serve sasl.mechanism=PLAIN",
		},
		{
			name: "typo reported with file, line and key", file: "# comment\nsecurity.protocol=PLAINTEXT\nsocket.timeout.mz=1000\n",
			wantErr: "client.properties:3: socket.timeout.mz: No such configuration property",
		},
		{
			name: "java buffer names renamed", file: "receive.buffer.bytes=65536\nsend.buffer.bytes: 131072\n",
			want:     map[string]string{"socket.receive.buffer.bytes": "65536", "socket.send.buffer.bytes": "131072"},
			wantNote: "receive.buffer.bytes translated to socket.receive.buffer.bytes",
		},
		{
			name: "-X overrides the file", file: "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=u\nsasl.password=old\n",
			overrides: []string{"sasl.password=new", "client.dns.lookup=use_all_dns_ips"},
			want: map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN", "sasl.username": "u",
				"sasl.password": "new", "client.dns.lookup": "use_all_dns_ips"},
		},
		{
			name: "-X password over the file's jaas line", file: "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"old\";\n",
			overrides: []string{"sasl.password=new"},
			want:      map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "u", "sasl.password": "new"},
		},
		{
			name: "-X typo names -X", overrides: []string{"acks=banana"},
			wantErr: "-X: acks: Invalid value",
		},
		{
			name: "-X without =", overrides: []string{"sasl.password"},
			wantErr: "want key=value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needP12 && p12 == "" {
				t.Skip("no openssl to make a PKCS#12 key store")
			}
			file := ""
			if tt.file != "" {
				file = writeProps(t, tt.file)
			}
			cc, err := LoadClientConfig(file, tt.overrides, librdkafka.Check)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrClientConfig) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				for _, secret := range []string{"changeit", "topsecret", "hunter22", "wrongpw"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q shows the secret %q", err, secret)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cc.Props, tt.want) {
				t.Errorf("props\n got %v\nwant %v", cc.Props, tt.want)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(cc.Notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q, want one containing %q", cc.Notes, tt.wantNote)
			}
		})
	}
}

// TestClientConfigNeverPrintsSecrets: what the plan and the progress output show of a client
// config has every secret redacted.
func TestClientConfigNeverPrintsSecrets(t *testing.T) {
	file := writeProps(t, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"+
		"sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"S3cr3t-pw\";\n")
	cc, err := LoadClientConfig(file, []string{"ssl.key.password=keypw-123"}, librdkafka.Check)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(cc.FormatNotes(), "\n")
	for _, secret := range []string{"S3cr3t-pw", "keypw-123"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "sasl.username=u") || !strings.Contains(out, "sasl.password=[redacted]") {
		t.Errorf("output does not say what is used:\n%s", out)
	}
}

func TestReadProperties(t *testing.T) {
	file := writeProps(t, "! bang comment\n  # indented comment\nkey1 = value one\nkey2:v2\nkey3 v3\nlong=a\\\n   b\\\n  c\nesc=tab\\there\\u0041\nkey1=again\n\nempty=\n")
	kv, lines, err := readProperties(file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"key1": "again", "key2": "v2", "key3": "v3", "long": "abc", "esc": "tab\thereA", "empty": ""}
	if !reflect.DeepEqual(kv, want) {
		t.Errorf("got %q, want %q", kv, want)
	}
	if lines["long"] != 6 || lines["key1"] != 10 {
		t.Errorf("lines %v: long should start on 6, the last key1 on 10", lines)
	}
}
