package kafkaconf

// The table of the client properties kbench passes to franz-go. kbench's property maps use
// librdkafka's names (the runner builds them, Java names are translated to them above); the
// franz-go driver (driver/franzgo) maps each to a kgo option by this table, and profile
// validation calls FranzGoProperty and CheckFranzGo without importing franz-go. A property
// that is not here is refused with its name and the reason: never silently ignored.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FranzGoKind is how a property's value is read.
type FranzGoKind uint8

// Value kinds of the franz-go table.
const (
	FranzGoString  FranzGoKind = iota // any text
	FranzGoInt                        // a non-negative integer
	FranzGoMs                         // milliseconds, a non-negative integer
	FranzGoBool                       // true or false
	FranzGoEnum                       // one of the entry's Values (case-insensitive)
	FranzGoIgnored                    // accepted, no franz-go meaning (librdkafka-only, runner-owned)
	FranzGoRefused                    // has no franz-go meaning and changes behaviour: refused
)

// FranzGoEntry says how one librdkafka property maps to franz-go.
type FranzGoEntry struct {
	Kind   FranzGoKind
	Maps   string   // the kgo option (or kbench mechanism) it sets, or why it is ignored or refused
	Values []string // FranzGoEnum: the accepted values, lower case
}

// runnerOwned is the reason for librdkafka-only properties kbench itself sets for librdkafka
// that mean nothing to franz-go and change nothing a point measures.
const runnerOwned = "no franz-go meaning, runner-owned (a librdkafka-only setting kbench sets for librdkafka)"

// FranzGoDefaults are the values the franz-go driver applies when a property is not given,
// where franz-go's own default differs from librdkafka's: the property names are librdkafka's,
// so an unset property means librdkafka's default and a point compares clients at the same
// settings. The effective configuration records what was applied.
var FranzGoDefaults = map[string]string{
	"enable.idempotence":            "false",  // franz-go: true
	"linger.ms":                     "5",      // franz-go: 10
	"compression.type":              "none",   // franz-go: snappy
	"message.timeout.ms":            "300000", // franz-go: no limit
	"request.timeout.ms":            "30000",  // franz-go: 10000
	"queue.buffering.max.messages":  "100000", // franz-go: 50000
	"queue.buffering.max.kbytes":    "1048576",
	"max.in.flight":                 "5",      // librdkafka: 1000000 (franz-go: 1, Java: 5); without idempotence only
	"auto.offset.reset":             "latest", // franz-go: earliest
	"fetch.wait.max.ms":             "500",    // franz-go: 5000
	"partition.assignment.strategy": "range,roundrobin",
	"transaction.timeout.ms":        "60000",          // franz-go: 40000; applied with transactional.id only
	"isolation.level":               "read_committed", // franz-go: read_uncommitted
}

// franzGoTable is every property the franz-go driver accepts or explains; aliases point at the
// same meaning under librdkafka's other name.
var franzGoTable = map[string]FranzGoEntry{
	"bootstrap.servers":    {Kind: FranzGoString, Maps: "kgo.SeedBrokers"},
	"metadata.broker.list": {Kind: FranzGoString, Maps: "kgo.SeedBrokers"},
	"client.id":            {Kind: FranzGoString, Maps: "kgo.ClientID"},
	"client.rack":          {Kind: FranzGoString, Maps: "kgo.Rack"},

	// producer
	"acks":                                  {Kind: FranzGoEnum, Maps: "kgo.RequiredAcks", Values: []string{"0", "1", "-1", "all"}},
	"request.required.acks":                 {Kind: FranzGoEnum, Maps: "kgo.RequiredAcks", Values: []string{"0", "1", "-1", "all"}},
	"enable.idempotence":                    {Kind: FranzGoBool, Maps: "kgo.DisableIdempotentWrite when false"},
	"linger.ms":                             {Kind: FranzGoMs, Maps: "kgo.ProducerLinger"},
	"queue.buffering.max.ms":                {Kind: FranzGoMs, Maps: "kgo.ProducerLinger"},
	"batch.size":                            {Kind: FranzGoInt, Maps: "kgo.ProducerBatchMaxBytes"},
	"compression.type":                      {Kind: FranzGoEnum, Maps: "kgo.ProducerBatchCompression", Values: []string{"none", "gzip", "snappy", "lz4", "zstd"}},
	"compression.codec":                     {Kind: FranzGoEnum, Maps: "kgo.ProducerBatchCompression", Values: []string{"none", "gzip", "snappy", "lz4", "zstd"}},
	"retries":                               {Kind: FranzGoInt, Maps: "kgo.RecordRetries"},
	"message.send.max.retries":              {Kind: FranzGoInt, Maps: "kgo.RecordRetries"},
	"retry.backoff.ms":                      {Kind: FranzGoMs, Maps: "kgo.RetryBackoffFn (constant)"},
	"message.timeout.ms":                    {Kind: FranzGoMs, Maps: "kgo.RecordDeliveryTimeout (0: none)"},
	"delivery.timeout.ms":                   {Kind: FranzGoMs, Maps: "kgo.RecordDeliveryTimeout (0: none)"},
	"request.timeout.ms":                    {Kind: FranzGoMs, Maps: "kgo.ProduceRequestTimeout"},
	"max.in.flight":                         {Kind: FranzGoInt, Maps: "kgo.MaxProduceRequestsInflightPerBroker (idempotence: at most 5, franz-go's own)"},
	"max.in.flight.requests.per.connection": {Kind: FranzGoInt, Maps: "kgo.MaxProduceRequestsInflightPerBroker (idempotence: at most 5, franz-go's own)"},
	"queue.buffering.max.messages":          {Kind: FranzGoInt, Maps: "the driver's buffered-record bound (Produce returns queue full) and kgo.MaxBufferedRecords"},
	"queue.buffering.max.kbytes":            {Kind: FranzGoInt, Maps: "the driver's buffered-bytes bound (Produce returns queue full)"},
	"message.max.bytes":                     {Kind: FranzGoInt, Maps: "kgo.BrokerMaxWriteBytes (the largest request)"},
	"transactional.id":                      {Kind: FranzGoString, Maps: "kgo.TransactionalID (turns the idempotent producer on, as librdkafka does)"},
	"transaction.timeout.ms":                {Kind: FranzGoMs, Maps: "kgo.TransactionTimeout (with transactional.id; franz-go's own default 40000)"},

	// consumer
	"group.id":                      {Kind: FranzGoString, Maps: "kgo.ConsumerGroup (on Subscribe)"},
	"group.instance.id":             {Kind: FranzGoString, Maps: "kgo.InstanceID"},
	"group.protocol":                {Kind: FranzGoEnum, Maps: "classic only: kbench's franz-go driver joins groups with the classic protocol", Values: []string{"classic"}},
	"partition.assignment.strategy": {Kind: FranzGoString, Maps: "kgo.Balancers (range, roundrobin, cooperative-sticky)"},
	"auto.offset.reset":             {Kind: FranzGoEnum, Maps: "kgo.ConsumeResetOffset", Values: []string{"earliest", "smallest", "beginning", "latest", "largest", "end"}},
	"enable.auto.commit":            {Kind: FranzGoBool, Maps: "kgo.DisableAutoCommit when false"},
	"auto.commit.interval.ms":       {Kind: FranzGoMs, Maps: "kgo.AutoCommitInterval"},
	"enable.auto.offset.store":      {Kind: FranzGoBool, Maps: "kgo.AutoCommitMarks when false (StoreOffsets marks, Commit commits the marks)"},
	"isolation.level":               {Kind: FranzGoEnum, Maps: "kgo.FetchIsolationLevel", Values: []string{"read_committed", "read_uncommitted"}},
	"fetch.min.bytes":               {Kind: FranzGoInt, Maps: "kgo.FetchMinBytes"},
	"fetch.max.bytes":               {Kind: FranzGoInt, Maps: "kgo.FetchMaxBytes"},
	"fetch.wait.max.ms":             {Kind: FranzGoMs, Maps: "kgo.FetchMaxWait"},
	"fetch.max.wait.ms":             {Kind: FranzGoMs, Maps: "kgo.FetchMaxWait"},
	"max.partition.fetch.bytes":     {Kind: FranzGoInt, Maps: "kgo.FetchMaxPartitionBytes"},
	"fetch.message.max.bytes":       {Kind: FranzGoInt, Maps: "kgo.FetchMaxPartitionBytes"},
	"session.timeout.ms":            {Kind: FranzGoMs, Maps: "kgo.SessionTimeout"},
	"heartbeat.interval.ms":         {Kind: FranzGoMs, Maps: "kgo.HeartbeatInterval"},
	"max.poll.interval.ms":          {Kind: FranzGoMs, Maps: "kgo.RebalanceTimeout"},
	"allow.auto.create.topics":      {Kind: FranzGoBool, Maps: "kgo.AllowAutoTopicCreation"},

	// connection
	"socket.connection.setup.timeout.ms":    {Kind: FranzGoMs, Maps: "kgo.DialTimeout"},
	"socket.timeout.ms":                     {Kind: FranzGoMs, Maps: "kgo.RequestTimeoutOverhead"},
	"connections.max.idle.ms":               {Kind: FranzGoMs, Maps: "kgo.ConnIdleTimeout"},
	"topic.metadata.refresh.interval.ms":    {Kind: FranzGoMs, Maps: "kgo.MetadataMaxAge"},
	"metadata.max.age.ms":                   {Kind: FranzGoMs, Maps: "kgo.MetadataMaxAge"},
	"security.protocol":                     {Kind: FranzGoEnum, Maps: "kgo.DialTLSConfig (ssl, sasl_ssl) and kgo.SASL (sasl_*)", Values: []string{"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}},
	"sasl.mechanisms":                       {Kind: FranzGoEnum, Maps: "kgo.SASL (plain.Auth, scram.Auth)", Values: []string{"plain", "scram-sha-256", "scram-sha-512"}},
	"sasl.mechanism":                        {Kind: FranzGoEnum, Maps: "kgo.SASL (plain.Auth, scram.Auth)", Values: []string{"plain", "scram-sha-256", "scram-sha-512"}},
	"sasl.username":                         {Kind: FranzGoString, Maps: "kgo.SASL user"},
	"sasl.password":                         {Kind: FranzGoString, Maps: "kgo.SASL password"},
	"ssl.ca.location":                       {Kind: FranzGoString, Maps: "kgo.DialTLSConfig RootCAs (PEM file)"},
	"ssl.certificate.location":              {Kind: FranzGoString, Maps: "kgo.DialTLSConfig client certificate (PEM file)"},
	"ssl.key.location":                      {Kind: FranzGoString, Maps: "kgo.DialTLSConfig client key (unencrypted PEM file)"},
	"ssl.endpoint.identification.algorithm": {Kind: FranzGoEnum, Maps: "kgo.DialTLSConfig host name check (none: chain only)", Values: []string{"https", "none"}},
	"enable.ssl.certificate.verification":   {Kind: FranzGoBool, Maps: "kgo.DialTLSConfig InsecureSkipVerify when false"},

	// librdkafka-only settings kbench sets for librdkafka's sake.
	"go.delivery.report.fields":  {Kind: FranzGoIgnored, Maps: runnerOwned},
	"go.events.channel.size":     {Kind: FranzGoIgnored, Maps: runnerOwned},
	"go.produce.channel.size":    {Kind: FranzGoIgnored, Maps: runnerOwned},
	"log_level":                  {Kind: FranzGoIgnored, Maps: runnerOwned + "; franz-go logs nothing unless given a logger"},
	"enable.partition.eof":       {Kind: FranzGoIgnored, Maps: runnerOwned + "; franz-go has no end-of-partition events"},
	"fetch.queue.backoff.ms":     {Kind: FranzGoIgnored, Maps: runnerOwned + "; franz-go keeps fetching while records are buffered"},
	"queued.min.messages":        {Kind: FranzGoIgnored, Maps: runnerOwned + "; franz-go buffers one fetch per partition"},
	"queued.max.messages.kbytes": {Kind: FranzGoIgnored, Maps: runnerOwned + "; franz-go buffers one fetch per partition"},
	"statistics.interval.ms":     {Kind: FranzGoIgnored, Maps: runnerOwned + "; no statistics callback in franz-go"},
	"api.version.request":        {Kind: FranzGoIgnored, Maps: runnerOwned + "; franz-go always asks for API versions"},

	// librdkafka settings that change behaviour franz-go cannot reproduce.
	"batch.num.messages":          {Kind: FranzGoRefused, Maps: "franz-go bounds batches by bytes only: use batch.size"},
	"compression.level":           {Kind: FranzGoRefused, Maps: "franz-go compresses at each codec's default level"},
	"ssl.key.password":            {Kind: FranzGoRefused, Maps: "franz-go reads unencrypted PEM keys only: decrypt the key (openssl pkey -in key.pem -out plain.pem) or use librdkafka"},
	"ssl.keystore.location":       {Kind: FranzGoRefused, Maps: "franz-go reads PEM files only: give ssl.certificate.location and ssl.key.location, or use librdkafka"},
	"ssl.keystore.password":       {Kind: FranzGoRefused, Maps: "franz-go reads PEM files only: give ssl.certificate.location and ssl.key.location, or use librdkafka"},
	"ssl.ca.pem":                  {Kind: FranzGoRefused, Maps: "give the CA certificates as a file: ssl.ca.location"},
	"ssl.certificate.pem":         {Kind: FranzGoRefused, Maps: "give the certificate as a file: ssl.certificate.location"},
	"ssl.key.pem":                 {Kind: FranzGoRefused, Maps: "give the key as a file: ssl.key.location"},
	"sasl.oauthbearer.method":     {Kind: FranzGoRefused, Maps: "kbench's franz-go driver authenticates with PLAIN and SCRAM only: use librdkafka for OAUTHBEARER"},
	"sasl.kerberos.service.name":  {Kind: FranzGoRefused, Maps: "kbench's franz-go driver authenticates with PLAIN and SCRAM only: use librdkafka for GSSAPI"},
	"partitioner":                 {Kind: FranzGoRefused, Maps: "kbench chooses partitions itself (kgo.ManualPartitioner)"},
	"socket.send.buffer.bytes":    {Kind: FranzGoRefused, Maps: "franz-go leaves socket buffers to the operating system"},
	"socket.receive.buffer.bytes": {Kind: FranzGoRefused, Maps: "franz-go leaves socket buffers to the operating system"},
	"debug":                       {Kind: FranzGoRefused, Maps: "librdkafka's debug contexts: franz-go has no such switch"},
}

// FranzGoProperty says how the librdkafka property name maps to franz-go: ok with how it maps
// (or, for a librdkafka-only property kbench sets itself, why it has no effect), or not ok with
// the reason it is refused. The signature is stable: profile validation calls it.
func FranzGoProperty(name string) (reason string, ok bool) {
	e, found := franzGoTable[name]
	if !found {
		return "no franz-go meaning: not a property kbench's franz-go driver knows (choose client librdkafka for it)", false
	}
	return e.Maps, e.Kind != FranzGoRefused
}

// FranzGoLookup returns the table entry of name (found false: not in the table).
func FranzGoLookup(name string) (FranzGoEntry, bool) {
	e, ok := franzGoTable[name]
	return e, ok
}

// FranzGoProperties lists every property of the table, sorted.
func FranzGoProperties() []string { return sortedKeys(franzGoTable) }

// CheckFranzGoValue checks one property's value against its table entry.
func CheckFranzGoValue(name, value string) error {
	e, ok := franzGoTable[name]
	if !ok || e.Kind == FranzGoRefused {
		reason, _ := FranzGoProperty(name)
		return fmt.Errorf("%s: %s", name, reason)
	}
	switch e.Kind {
	case FranzGoInt, FranzGoMs:
		if n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err != nil || n < 0 {
			return fmt.Errorf("%s=%q: want a non-negative integer", name, value)
		}
	case FranzGoBool:
		if _, err := strconv.ParseBool(strings.TrimSpace(value)); err != nil {
			return fmt.Errorf("%s=%q: want true or false", name, value)
		}
	case FranzGoEnum:
		if !slices.Contains(e.Values, strings.ToLower(strings.TrimSpace(value))) {
			return fmt.Errorf("%s=%q: want one of %s", name, value, strings.Join(e.Values, ", "))
		}
	}
	return nil
}

// CheckFranzGo checks every property of props against the table: unknown and refused names and
// bad values, all of them, in name order.
func CheckFranzGo(props map[string]string) error {
	var errs []error
	for _, k := range sortedKeys(props) {
		if err := CheckFranzGoValue(k, props[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
