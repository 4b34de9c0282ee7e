package kafkaconf

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ValidateBootstrap checks the syntax of a bootstrap.servers list before anything connects, so a
// typo is named as one instead of being reported as a cluster that refused the connection:
// comma-separated [PROTOCOL://]HOST[:PORT] entries (librdkafka's form; a missing port means 9092),
// with a numeric port from 1 to 65535. from names where the list came from ("--bootstrap").
// The error says what is wrong and where; callers mark it as bad input.
func ValidateBootstrap(list, from string) error {
	if strings.TrimSpace(list) == "" {
		return fmt.Errorf("%s is empty: give HOST:PORT[,HOST:PORT...]", from)
	}
	for _, entry := range strings.Split(list, ",") {
		if err := validateBroker(strings.TrimSpace(entry)); err != nil {
			where := fmt.Sprintf("%s %q", from, list)
			if entry != list {
				where += fmt.Sprintf(", entry %q", entry)
			}
			return fmt.Errorf("%s: %v (want HOST:PORT[,HOST:PORT...], e.g. localhost:9092)", where, err)
		}
	}
	return nil
}

// validateBroker checks one [PROTOCOL://]HOST[:PORT] entry.
func validateBroker(entry string) error {
	if _, rest, ok := strings.Cut(entry, "://"); ok {
		entry = rest
	}
	if entry == "" {
		return errors.New("no host")
	}
	host, port := entry, ""
	if strings.HasPrefix(entry, "[") || strings.Count(entry, ":") == 1 {
		h, p, err := net.SplitHostPort(entry)
		if err != nil {
			if strings.HasPrefix(entry, "[") && strings.HasSuffix(entry, "]") {
				h, p = strings.Trim(entry, "[]"), "" // [::1] without a port
			} else {
				return errors.New("not HOST:PORT")
			}
		}
		host, port = h, p
	}
	switch {
	case host == "":
		return errors.New("no host")
	case strings.ContainsAny(host, " \t/"):
		return fmt.Errorf("host %q is not a host name or address", host)
	case port == "" && strings.HasSuffix(entry, ":"):
		return errors.New("no port after the colon")
	case port == "":
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}
