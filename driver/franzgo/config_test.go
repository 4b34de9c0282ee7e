package franzgo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/kafkaconf"
)

// pki writes a CA and a server/client certificate for 127.0.0.1 and localhost (PEM files).
func pki(t *testing.T) (ca, cert, key string, server tls.Certificate) {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kbench test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(leafKey)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca, cert, key = write("ca.pem", "CERTIFICATE", caDER), write("client.pem", "CERTIFICATE", leafDER), write("client.key", "PRIVATE KEY", keyDER)
	server, err = tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return ca, cert, key, server
}

// sample is a valid configuration exercising property name (a valid value plus what it needs).
func sample(t *testing.T, name string, ca, cert, key string) map[string]string {
	e, _ := kafkaconf.FranzGoLookup(name)
	cfg := map[string]string{"bootstrap.servers": "127.0.0.1:1"}
	switch e.Kind {
	case kafkaconf.FranzGoInt, kafkaconf.FranzGoMs:
		cfg[name] = "3"
	case kafkaconf.FranzGoBool:
		cfg[name] = "false"
	case kafkaconf.FranzGoEnum:
		cfg[name] = e.Values[len(e.Values)-1]
	default:
		cfg[name] = "x"
	}
	switch name {
	case "bootstrap.servers", "metadata.broker.list":
		cfg[name] = "127.0.0.1:1"
	case "acks", "request.required.acks":
		cfg[name] = "all"
	case "partition.assignment.strategy":
		cfg[name] = "cooperative-sticky"
	case "security.protocol":
		cfg[name] = "sasl_ssl"
		cfg["sasl.mechanisms"], cfg["sasl.username"], cfg["sasl.password"] = "PLAIN", "u", "p"
	case "sasl.mechanisms", "sasl.mechanism", "sasl.username", "sasl.password":
		cfg["security.protocol"], cfg["sasl.mechanisms"], cfg["sasl.username"], cfg["sasl.password"] = "sasl_plaintext", "SCRAM-SHA-512", "u", "p"
		if name == "sasl.mechanism" {
			delete(cfg, "sasl.mechanisms")
			cfg[name] = "SCRAM-SHA-256"
		}
	case "ssl.ca.location", "ssl.certificate.location", "ssl.key.location", "ssl.endpoint.identification.algorithm", "enable.ssl.certificate.verification":
		cfg["security.protocol"], cfg["ssl.ca.location"], cfg["ssl.certificate.location"], cfg["ssl.key.location"] = "ssl", ca, cert, key
	}
	return cfg
}

// TestConfigTable: every property of the table is either applied (a client is made for every
// role, and the table names what it maps to) or refused with its name and the reason; a name
// not in the table is refused too.
func TestConfigTable(t *testing.T) {
	ca, cert, key, _ := pki(t)
	names := kafkaconf.FranzGoProperties()
	if len(names) < 60 {
		t.Fatalf("table has %d properties", len(names))
	}
	for _, name := range append(names, "no.such.property") {
		reason, ok := kafkaconf.FranzGoProperty(name)
		if reason == "" {
			t.Errorf("%s: no reason", name)
		}
		cfg := sample(t, name, ca, cert, key)
		for _, kind := range []string{"producer", "consumer", "admin"} {
			eff, err := Effective(cfg, kind)
			if ok && err != nil {
				t.Errorf("%s accepted by the table (%s) but the %s refuses %v: %v", name, reason, kind, cfg, err)
			}
			if !ok && (err == nil || !strings.Contains(err.Error(), name)) {
				t.Errorf("%s refused by the table (%s) but the %s says %v (effective %v)", name, reason, kind, err, eff)
			}
		}
	}
}

// TestConfigBadValues: a bad value is refused naming the property.
func TestConfigBadValues(t *testing.T) {
	for prop, v := range map[string]string{"linger.ms": "-1", "acks": "2", "enable.idempotence": "yes please",
		"compression.type": "brotli", "sasl.mechanisms": "GSSAPI", "auto.offset.reset": "error", "group.protocol": "consumer"} {
		if _, err := Effective(map[string]string{"bootstrap.servers": "127.0.0.1:1", prop: v}, "producer"); err == nil || !strings.Contains(err.Error(), prop) {
			t.Errorf("%s=%s: %v, want an error naming it", prop, v, err)
		}
	}
	if _, err := Effective(map[string]string{"bootstrap.servers": "x:1", "security.protocol": "ssl", "ssl.ca.location": "/no/such/ca.pem"}, "admin"); err == nil || !strings.Contains(err.Error(), "ssl.ca.location") {
		t.Errorf("missing CA file: %v", err)
	}
	if _, err := Effective(map[string]string{"bootstrap.servers": "x:1", "ssl.ca.location": "/x"}, "admin"); err == nil {
		t.Error("ssl.ca.location without security.protocol=ssl: no error")
	}
}

// TestConfigEffective: the effective configuration names the kgo options applied, with
// librdkafka's defaults where franz-go's differ (so an unset property means the same for both
// clients) and the given values where set.
func TestConfigEffective(t *testing.T) {
	eff, err := Effective(map[string]string{"bootstrap.servers": "h:9092"}, "producer")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kgo.SeedBrokers=h:9092", "kgo.ProducerLinger=5ms", "kgo.ProducerBatchCompression=none",
		"kgo.DisableIdempotentWrite=yes", "kgo.RequiredAcks=all", "kgo.RecordDeliveryTimeout=5m0s", "kgo.ProduceRequestTimeout=30s",
		"kgo.MaxProduceRequestsInflightPerBroker=5", "kgo.RecordPartitioner=manual (kbench chooses partitions)"} {
		if !slices.Contains(eff, want) {
			t.Errorf("default producer: no %q in %v", want, eff)
		}
	}
	eff, err = Effective(map[string]string{"bootstrap.servers": "h:9092", "acks": "all", "enable.idempotence": "true", "linger.ms": "20",
		"batch.size": "16384", "compression.type": "zstd", "delivery.timeout.ms": "120000", "retries": "7"}, "producer")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kgo.ProducerLinger=20ms", "kgo.ProducerBatchMaxBytes=16384", "kgo.ProducerBatchCompression=zstd",
		"kgo.RecordDeliveryTimeout=2m0s", "kgo.RecordRetries=7"} {
		if !slices.Contains(eff, want) {
			t.Errorf("set producer: no %q in %v", want, eff)
		}
	}
	if slices.ContainsFunc(eff, func(s string) bool { return strings.HasPrefix(s, "kgo.MaxProduceRequestsInflightPerBroker") }) {
		t.Errorf("idempotent producer has a max in flight option: %v", eff)
	}
	eff, _ = Effective(map[string]string{"bootstrap.servers": "h:9092", "group.id": "g", "enable.auto.commit": "false", "fetch.wait.max.ms": "50"}, "consumer")
	for _, want := range []string{"kgo.ConsumerGroup=g", "kgo.DisableAutoCommit=yes", "kgo.FetchMaxWait=50ms", "kgo.ConsumeResetOffset=end"} {
		if !slices.Contains(eff, want) {
			t.Errorf("consumer: no %q in %v", want, eff)
		}
	}
}

// TestSASLAndTLS: SCRAM over TLS reaches a kfake broker that requires both; a CA
// that did not sign the broker's certificate is reported as _SSL.
func TestSASLAndTLS(t *testing.T) {
	ca, cert, key, server := pki(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "admin", "secret"), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{server}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := map[string]string{"bootstrap.servers": c.ListenAddrs()[0], "security.protocol": "sasl_ssl",
		"sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "admin", "sasl.password": "secret",
		"ssl.ca.location": ca, "ssl.certificate.location": cert, "ssl.key.location": key}
	a, err := NewAdmin(base)
	if err != nil {
		t.Fatal(err)
	}
	md, err := a.Metadata(nil, false, 5*time.Second)
	a.Close()
	if err != nil || len(md.Brokers) != 1 {
		t.Fatalf("metadata over SCRAM and TLS: %v %v", md, err)
	}

	// A wrong password is not checked here: kfake drops the connection instead of answering
	// SASL_AUTHENTICATION_FAILED as Kafka does (TestErrorClasses covers that mapping).
	otherCA, _, _, _ := pki(t)
	if e := firstClientError(t, with(base, "ssl.ca.location", otherCA)); e.Code() != driver.ErrSsl {
		t.Errorf("foreign CA: %v (%s), want _SSL", e, e.Name())
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// firstClientError is the first client error a producer with cfg reports while asking for
// metadata.
func firstClientError(t *testing.T, cfg map[string]string) driver.Error {
	t.Helper()
	h := newCollector(-1)
	p := startProducer(t, cfg, h)
	if _, err := p.Metadata(nil, false, 2*time.Second); err == nil {
		t.Fatal("metadata: no error")
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		if len(h.errs) > 0 {
			e := h.errs[0]
			h.mu.Unlock()
			return e
		}
		h.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no client error within 5s")
	return driver.Error{}
}
