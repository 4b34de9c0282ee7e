package franzgo

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kbench/kbench/driver"
)

var _ driver.TransactionInspector = (*Admin)(nil)

// OpenTransactions asks each partition's leader for its producers (kadm's DescribeProducers)
// and keeps those with a transaction open (a current transaction start offset of 0 or more).
func (a *Admin) OpenTransactions(ctx context.Context, topic string, partitions []int32) ([]driver.OpenTransaction, error) {
	set := kadm.TopicsSet{}
	set.Add(topic, partitions...)
	res, err := a.adm.DescribeProducers(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("describe producers of %s: %w", topic, wrap(err))
	}
	t, ok := res[topic]
	var out []driver.OpenTransaction
	for _, p := range partitions {
		dp, found := t.Partitions[p]
		if !ok || !found {
			return nil, fmt.Errorf("describe producers of %s/%d: not in the answer", topic, p)
		}
		if dp.Err != nil {
			return nil, fmt.Errorf("describe producers of %s/%d: %w", topic, p, toError(dp.Err))
		}
		for _, d := range dp.ActiveProducers {
			if d.CurrentTxnStartOffset < 0 {
				continue
			}
			o := driver.OpenTransaction{Partition: p, Leader: d.Leader, ProducerID: d.ProducerID, ProducerEpoch: d.ProducerEpoch, StartOffset: d.CurrentTxnStartOffset}
			if d.LastTimestamp > 0 {
				o.LastWrite = time.UnixMilli(d.LastTimestamp)
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Partition < out[j].Partition || out[i].Partition == out[j].Partition && out[i].ProducerID < out[j].ProducerID
	})
	return out, nil
}

// CoordinatorTransactions lists the transactional.ids that hold producerIDs now (kadm's
// ListTransactions with a producer id filter; none when producerIDs is empty) and describes
// them with txnIDs (DescribeTransactions); an id a coordinator does not know is left out.
func (a *Admin) CoordinatorTransactions(ctx context.Context, producerIDs []int64, txnIDs []string) ([]driver.CoordinatorTransaction, error) {
	ids := map[string]bool{}
	for _, id := range txnIDs {
		ids[id] = true
	}
	if len(producerIDs) > 0 {
		listed, err := a.adm.ListTransactions(ctx, producerIDs, nil)
		if err != nil {
			return nil, fmt.Errorf("list transactions of producer ids %v: %w", producerIDs, wrap(err))
		}
		for id, l := range listed {
			if slices.Contains(producerIDs, l.ProducerID) { // a broker before ListTransactions v1 may not filter
				ids[id] = true
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	all := make([]string, 0, len(ids))
	for id := range ids {
		all = append(all, id)
	}
	sort.Strings(all)
	described, err := a.adm.DescribeTransactions(ctx, all...)
	if err != nil {
		return nil, fmt.Errorf("describe transactions %v: %w", all, wrap(err))
	}
	var out []driver.CoordinatorTransaction
	for _, d := range described.Sorted() {
		if d.Err != nil { // TRANSACTIONAL_ID_NOT_FOUND: the coordinator does not know it
			continue
		}
		ct := driver.CoordinatorTransaction{TransactionalID: d.TxnID, Coordinator: d.Coordinator, ProducerID: d.ProducerID, ProducerEpoch: d.ProducerEpoch, State: d.State}
		for _, tl := range d.Topics.Sorted() {
			for _, p := range tl.Partitions {
				ct.Partitions = append(ct.Partitions, driver.TopicPartition{Topic: tl.Topic, Partition: p})
			}
		}
		out = append(out, ct)
	}
	return out, nil
}
