package clustertest

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
)

// DescribeBrokerSetting reads one setting of one broker with Kafka's own tool
// (kafka.admin.ConfigCommand --describe --all), so tests check broker settings independently of
// kbench's own reading. It fails the test when the tool fails or does not list the key.
func DescribeBrokerSetting(t testing.TB, cl *cluster.Cluster, broker int, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{"-Xmx256m", "-cp", cl.KafkaLibs + "/*", "kafka.admin.ConfigCommand",
		"--bootstrap-server", cl.Bootstrap(), "--entity-type", "brokers", "--entity-name", strconv.Itoa(broker), "--describe", "--all"}
	if cl.Auth == cluster.AuthSCRAM && len(cl.Users) > 0 {
		args = append(args, "--command-config", cl.Users[0].ConfigFile)
	}
	out, err := exec.CommandContext(ctx, cl.Java, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("kafka.admin.ConfigCommand --describe broker %d: %v\n%s", broker, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+"="); ok {
			v, _, _ = strings.Cut(v, " sensitive=")
			return v
		}
	}
	t.Fatalf("kafka.admin.ConfigCommand does not list %s for broker %d:\n%s", key, broker, out)
	return ""
}
