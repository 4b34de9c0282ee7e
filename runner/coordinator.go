package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// transactionCoordinator asks the cluster which broker is the transaction coordinator of txnID,
// with a FindCoordinator request (key type transaction), as a client does before its first
// transactional request. librdkafka does not expose the request, so it goes through franz-go's
// protocol client, on a plaintext connection only (the local cluster's); a cluster that needs
// TLS or SASL gets a clear refusal instead.
func transactionCoordinator(ctx context.Context, conn connection, txnID string) (int, error) {
	if sp := strings.ToLower(conn.props["security.protocol"]); sp != "" && sp != "plaintext" {
		return -1, fmt.Errorf("find the transaction coordinator of %s: security.protocol %s is not supported for this lookup (plaintext only)", txnID, sp)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(conn.bootstrap, ",")...), kgo.RequestRetries(3))
	if err != nil {
		return -1, fmt.Errorf("find the transaction coordinator of %s: %w", txnID, err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorType = 1 // transaction
	req.CoordinatorKey = txnID
	req.CoordinatorKeys = []string{txnID}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return -1, fmt.Errorf("FindCoordinator for %s: %w", txnID, err)
	}
	if len(resp.Coordinators) > 0 { // v4 and later: one answer per key
		c := resp.Coordinators[0]
		if c.ErrorCode != 0 {
			return -1, fmt.Errorf("FindCoordinator for %s: error code %d %s", txnID, c.ErrorCode, strOr(c.ErrorMessage))
		}
		return int(c.NodeID), nil
	}
	if resp.ErrorCode != 0 {
		return -1, fmt.Errorf("FindCoordinator for %s: error code %d %s", txnID, resp.ErrorCode, strOr(resp.ErrorMessage))
	}
	return int(resp.NodeID), nil
}

func strOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
