package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// TestRetryableRead: errors a restart causes for a moment (the issue saw "Local: Unknown
// partition") are retried; errors no retry can fix are not.
func TestRetryableRead(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{kerr(driver.ErrUnknownPartition, "Local: Unknown partition", false), true},
		{fmt.Errorf("high watermark of t/3: %w", kerr(driver.ErrUnknownPartition, "Local: Unknown partition", false)), true},
		{kerr(driver.ErrLeaderNotAvailable, "", false), true},
		{kerr(driver.ErrNotLeaderForPartition, "", false), true},
		{kerr(driver.ErrTransport, "", false), true},
		{kerr(driver.ErrDestroyBroker, "Local: Broker handle destroyed without termination", false), true},
		{kerr(driver.ErrTimedOutQueue, "Local: Timed out in queue", false), true},
		{kerr(driver.ErrSaslAuthenticationFailed, "", false), false},
		{kerr(driver.ErrUnknownTopicOrPart, "", true), false}, // fatal: the client is done
		{kerr(driver.ErrTimedOut, "", false), true},
		{fmt.Errorf("partition t/0: %w", errNoLeader), true},
		{kerr(driver.ErrTopicAuthorizationFailed, "", false), false},
		{kerr(driver.ErrInvalidArg, "", false), false},
		{errors.New("verification consumer: bad config"), false},
	} {
		if got := retryableRead(c.err); got != c.want {
			t.Errorf("retryableRead(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// kfakeWithTopic starts kfake with one topic of n partitions holding records records of
// producer 1 (sequences 0..records-1), spread over the partitions.
func kfakeWithTopic(t *testing.T, topic string, partitions int32, records int) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	bootstrap := strings.Join(c.ListenAddrs(), ",")
	p, err := clientDriver.NewProducer(producerConfig(plainConnection(bootstrap), testPoint("seed", 0, time.Second, 0), "kbench-test-seed"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	reports := reportChan(make(chan error, records))
	go p.Deliveries(reports)
	for s := range uint64(records) {
		value := make([]byte, record.HeaderLen)
		record.EncodeHeader(value, record.Header{Producer: 1, Seq: s, SendNs: 1})
		if err := p.Produce(&driver.Record{Topic: topic, Partition: int32(s) % partitions, Value: value}); err != nil {
			t.Fatal(err)
		}
	}
	for range records {
		select {
		case err := <-reports:
			if err != nil {
				t.Fatalf("seeding kfake: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("seeding kfake: no delivery report within 10 s")
		}
	}
	return c, bootstrap
}

// Kafka error codes kfake is made to answer with.
const (
	codeLeaderNotAvailable       = 5  // for a moment after a restart: retryable
	codeTopicAuthorizationFailed = 29 // no retry fixes it
)

// failTopicMetadata makes kfake answer the next n metadata requests that name topic with the
// topic-level error code.
func failTopicMetadata(t *testing.T, c *kfake.Cluster, topic string, code int16, n int32) *atomic.Int32 {
	t.Helper()
	host, portStr, err := net.SplitHostPort(c.ListenAddrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	node := c.LeaderFor(topic, 0)
	left := &atomic.Int32{}
	left.Store(n)
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mreq := req.(*kmsg.MetadataRequest)
		named := false
		for _, rt := range mreq.Topics {
			named = named || (rt.Topic != nil && *rt.Topic == topic)
		}
		if !named || left.Add(-1) < 0 {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID, b.Host, b.Port = node, host, int32(port)
		resp.Brokers = append(resp.Brokers, b)
		resp.ControllerID = node
		rt := kmsg.NewMetadataResponseTopic()
		rt.Topic = kmsg.StringPtr(topic)
		rt.ErrorCode = code
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
	return left
}

// TestVerifyReadRetriesRetryableErrors: a verification read whose set-up meets a retryable error
// (the topic's leader not available, as right after a broker restart) starts over with a fresh
// client within its bound and completes, reading every record.
func TestVerifyReadRetriesRetryableErrors(t *testing.T) {
	const topic, records = "verify-retry", 300
	c, bootstrap := kfakeWithTopic(t, topic, 3, records)
	// Ten failures, not one or two: librdkafka's own metadata requests for the topic (the
	// seeding producer's last refreshes, the new consumer's) take some of them before the read's
	// first explicit metadata call, which must still meet one (seen under load: five taken).
	left := failTopicMetadata(t, c, topic, codeLeaderNotAvailable, 10)
	v := audit.NewVerifier()
	read, timedOut, err := verifyRead(context.Background(), clientDriver, plainConnection(bootstrap), topic, 3, nil, nil, v, 30*time.Second)
	if err != nil || timedOut || !read.Complete {
		t.Fatalf("read %+v, timed out %v, err %v: want a complete read after retries", read, timedOut, err)
	}
	if left.Load() > 0 || read.Attempts < 2 {
		t.Errorf("%d attempts, %d injected errors left: the read did not meet the error it had to retry", read.Attempts, left.Load())
	}
	if v.Observed() != records || read.RecordsRead != records || read.OffsetsRead != records || read.OffsetsToRead != records {
		t.Errorf("observed %d, read %+v: want all %d records", v.Observed(), read, records)
	}
}

// TestVerifyReadGivesUpOnPermanentErrors: a non-retryable error fails the read at once, saying so.
func TestVerifyReadGivesUpOnPermanentErrors(t *testing.T) {
	const topic = "verify-denied"
	c, bootstrap := kfakeWithTopic(t, topic, 2, 10)
	failTopicMetadata(t, c, topic, codeTopicAuthorizationFailed, 1<<30)
	t0 := time.Now()
	read, _, err := verifyRead(context.Background(), clientDriver, plainConnection(bootstrap), topic, 2, nil, nil, audit.NewVerifier(), 30*time.Second)
	if err == nil || read.Complete || read.Attempts != 1 || !strings.Contains(read.Stopped, "failed") {
		t.Fatalf("read %+v, err %v: want one failed attempt", read, err)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("gave up after %s, want at once", d)
	}
}

// TestInterruptedVerificationReadKfake: Ctrl-C part-way through the verification read leaves
// the point incomplete with its loss unknown and how far the read got, never the unread
// acknowledged records counted as lost; the send-side counts stay, and the result file says
// "lost": null.
func TestInterruptedVerificationReadKfake(t *testing.T) {
	bootstrap := startKfake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const stopAt = 300
	testHookVerifyRecord = func(n int64) {
		if n == stopAt {
			cancel()
		}
	}
	defer func() { testHookVerifyRecord = nil }()
	out := t.TempDir()
	p := testPoint("read-interrupted", 1000, 2*time.Second, 0)
	// Fixed warmup, so no cluster warm-up: its own verification read would meet the hook first
	// (and the point's warmup is not under test).
	res, err := RunPoint(ctx, p, recordIn(out, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, FixedWarmup: true}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	checkInterruptedRead(t, res, stopAt)
	data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(stats.PointFile(p.ID))))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"lost": null`) {
		t.Errorf("result file does not say lost is unknown (null)")
	}
}

// checkInterruptedRead asserts what a point interrupted after stopAt records of its
// verification read must say.
func checkInterruptedRead(t *testing.T, res *stats.Result, stopAt int64) {
	t.Helper()
	if res == nil || res.Status != stats.StatusIncomplete {
		t.Fatalf("result %+v, want incomplete", res)
	}
	a := res.Audit
	if n, ok := a.LostCount(); ok {
		t.Errorf("lost %d: an interrupted read must leave lost unknown", n)
	}
	r := a.VerificationRead
	if r == nil || r.Complete || r.Stopped != "interrupted" || r.RecordsRead != stopAt {
		t.Fatalf("verification read %+v, want interrupted after %d records", r, stopAt)
	}
	if a.Sent == 0 || a.Acked != a.Sent || r.AckedNotReadBack != a.Acked-stopAt {
		t.Errorf("audit sent %d acked %d, %d not read back: want the ledgers' counts kept and %d not read back", a.Sent, a.Acked, r.AckedNotReadBack, a.Acked-stopAt)
	}
	if r.OffsetsToRead < a.Acked || r.OffsetsRead < stopAt || r.OffsetsRead >= r.OffsetsToRead || len(r.Partitions) != res.Effective.Partitions {
		t.Errorf("read progress %+v: want offsets read between %d and %d over %d partitions", r, stopAt, a.Acked, res.Effective.Partitions)
	}
	if notes := strings.Join(res.Notes, "\n"); !strings.Contains(notes, fmt.Sprintf("lost is unknown (at most %d acknowledged records were not read back)", a.Acked-stopAt)) {
		t.Errorf("notes %v do not say the loss is unknown", res.Notes)
	}
}

// TestFailedVerificationReadKeepsCounts: a point whose verification read finally fails is a
// failed point that still says what it sent, what was acknowledged and what failed (not zeros),
// with its loss unknown.
func TestFailedVerificationReadKeepsCounts(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	defer c.Close()
	testHookBeforeVerify = func(topic string) { failTopicMetadata(t, c, topic, codeTopicAuthorizationFailed, 1<<30) }
	defer func() { testHookBeforeVerify = nil }()
	p := testPoint("read-fails", 1000, time.Second, 0)
	res, err := RunPoint(context.Background(), p, Options{Bootstrap: strings.Join(c.ListenAddrs(), ","), DrainTimeout: 15 * time.Second, FixedWarmup: true})
	if err == nil || !strings.Contains(err.Error(), "verification read") {
		t.Fatalf("err = %v, want the verification read's failure", err)
	}
	a := res.Audit
	if res.Status != stats.StatusFailed || a.Sent == 0 || a.Acked != a.Sent || a.Sent < res.Metrics.Sent.Records {
		t.Errorf("status %s, audit sent %d acked %d (measured %d sent): want a failed point with the ledgers' counts", res.Status, a.Sent, a.Acked, res.Metrics.Sent.Records)
	}
	if _, ok := a.LostCount(); ok || a.VerificationRead == nil || !strings.Contains(a.VerificationRead.Stopped, "failed") {
		t.Errorf("audit lost %s, read %+v: want lost unknown and the failure said", a.LostText(), a.VerificationRead)
	}
}

// reportChan passes each delivery's error (nil: written) and each client error to a channel.
type reportChan chan error

func (r reportChan) Delivered(d *driver.Delivery) {
	if d.Err.Code() != driver.ErrNoError {
		r <- d.Err
		return
	}
	r <- nil
}

func (r reportChan) ClientError(e driver.Error) {}
