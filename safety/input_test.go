package safety

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateBootstrap: a bootstrap list that cannot be parsed is bad input named as such, not
// a cluster that "refused" the connection (what `--bootstrap localhost:notaport` used to say).
func TestValidateBootstrap(t *testing.T) {
	for _, ok := range []string{"localhost:9092", "127.0.0.1:9092,127.0.0.1:9093", "broker", "SASL_SSL://b1.example.com:9093", "[::1]:9092", "[::1]", " h1:1 , h2:65535 "} {
		if err := ValidateBootstrap(ok, "--bootstrap"); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, tc := range []struct{ list, want string }{
		{"", "--bootstrap is empty"},
		{"  ", "--bootstrap is empty"},
		{"localhost:notaport", `port "notaport" is not a number from 1 to 65535`},
		{"host:99999", `port "99999" is not a number from 1 to 65535`},
		{"host:0", `port "0"`},
		{"host:", "no port after the colon"},
		{":9092", "no host"},
		{"a:1,,b:2", `entry "": no host`},
		{"a:1,b:x", `entry "b:x": port "x"`},
		{"PLAINTEXT://", "no host"},
		{"my host:9092", `host "my host"`},
	} {
		err := ValidateBootstrap(tc.list, "--bootstrap")
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want ErrBadInput saying %q", tc.list, err, tc.want)
		}
	}
}
