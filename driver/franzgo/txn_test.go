package franzgo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kbench/kbench/driver"
)

// TestTxnErrorClasses: franz-go's transactional errors land in the seam's classes as the
// librdkafka driver's do (driver.ClassifyTxn and driver.IsFenced read them), and a commit
// without a definite answer is fatal with an unknown outcome, never retried as a commit.
func TestTxnErrorClasses(t *testing.T) {
	for _, c := range []struct {
		err    error
		ending bool
		class  driver.TxnClass
		fenced bool
		name   string
	}{
		{kerr.ProducerFenced, false, driver.TxnFatal, true, "PRODUCER_FENCED"},
		{fmt.Errorf("producer ID has a fatal, unrecoverable error, err: %w", kerr.InvalidProducerEpoch), false, driver.TxnFatal, true, "INVALID_PRODUCER_EPOCH"},
		{kerr.TransactionCoordinatorFenced, true, driver.TxnFatal, true, "TRANSACTION_COORDINATOR_FENCED"},
		{kerr.InvalidTxnState, true, driver.TxnFatal, false, "INVALID_TXN_STATE"},
		{kerr.TransactionalIDAuthorizationFailed, false, driver.TxnFatal, false, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"},
		{kerr.TransactionAbortable, true, driver.TxnAbortable, false, "TRANSACTION_ABORTABLE"},
		{kerr.OperationNotAttempted, true, driver.TxnAbortable, false, "OPERATION_NOT_ATTEMPTED"},
		{kerr.UnknownProducerID, false, driver.TxnAbortable, false, "UNKNOWN_PRODUCER_ID"},
		{kerr.IllegalGeneration, false, driver.TxnAbortable, false, "ILLEGAL_GENERATION"},
		{kerr.UnknownMemberID, false, driver.TxnAbortable, false, "UNKNOWN_MEMBER_ID"},
		{kerr.ConcurrentTransactions, false, driver.TxnRetriable, false, "CONCURRENT_TRANSACTIONS"},
		{kerr.NotCoordinator, false, driver.TxnRetriable, false, "NOT_COORDINATOR"},
		{context.DeadlineExceeded, false, driver.TxnRetriable, false, "_TIMED_OUT"},
		// A commit's EndTxn without a definite answer: the outcome is unknown.
		{kerr.NotCoordinator, true, driver.TxnFatal, false, "_TXN_OUTCOME_UNKNOWN"},
		{kerr.UnknownServerError, true, driver.TxnFatal, false, "_TXN_OUTCOME_UNKNOWN"},
		{io.ErrUnexpectedEOF, true, driver.TxnFatal, false, "_TXN_OUTCOME_UNKNOWN"},
		{context.DeadlineExceeded, true, driver.TxnFatal, false, "_TXN_OUTCOME_UNKNOWN"},
		{errors.New("invalid attempt to begin a transaction while already in a transaction"), false, driver.TxnFatal, false, "UNKNOWN"},
	} {
		e := txnError(c.err, c.ending)
		if got := driver.ClassifyTxn(e); got != c.class || driver.IsFenced(e) != c.fenced || e.Name() != c.name {
			t.Errorf("%v (ending %v): %s %s fenced %v, want %s %s fenced %v", c.err, c.ending, e.Name(), got, driver.IsFenced(e), c.name, c.class, c.fenced)
		}
	}
}

// TestTxnStateRefusals: the transactional calls of a producer without a transactional.id, and
// offsets without a record in the transaction, are refused with _STATE (fatal), not sent.
func TestTxnStateRefusals(t *testing.T) {
	boot := fakeCluster(t, "t", 1)
	p := startProducer(t, map[string]string{"bootstrap.servers": boot}, &collector{counted: make(chan struct{}, 1)})
	if err := p.BeginTransaction(); driver.ClassifyTxn(err) != driver.TxnFatal {
		t.Errorf("begin without transactional.id: %v", err)
	}
	tp := startProducer(t, map[string]string{"bootstrap.servers": boot, "transactional.id": "x"}, &collector{counted: make(chan struct{}, 1)})
	ctx := context.Background()
	if err := tp.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tp.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	err := tp.SendOffsetsToTransaction(ctx, []driver.TopicPartition{{Topic: "t", Offset: 1}}, driver.GroupMetadata{Group: "g"})
	var de driver.Error
	if !errors.As(err, &de) || de.Code() != driver.ErrState {
		t.Errorf("offsets before any record: %v, want _STATE", err)
	}
	if _, err := NewProducer(map[string]string{"bootstrap.servers": boot, "transactional.id": "x", "enable.idempotence": "false"}); err == nil {
		t.Error("transactional.id with enable.idempotence=false was accepted")
	}
}

// TestIsolationDefault: a consumer without isolation.level reads read_committed, librdkafka's
// default (franz-go's own is read_uncommitted), so a transactional point's consumers see the
// same records under either client and the result's isolation label holds for both.
func TestIsolationDefault(t *testing.T) {
	for cfg, want := range map[string]string{"": "read_committed", "read_uncommitted": "read_uncommitted", "read_committed": "read_committed"} {
		props := map[string]string{"bootstrap.servers": "127.0.0.1:1"}
		if cfg != "" {
			props["isolation.level"] = cfg
		}
		s, err := readSettings(props, roleConsumer)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.effective["kgo.FetchIsolationLevel"]; got != want {
			t.Errorf("isolation.level %q: %s, want %s", cfg, got, want)
		}
	}
}
