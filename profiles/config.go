package profiles

// The methods below say where each of a point's settings goes. They are the only place that
// knows Kafka's property names for kbench's knobs. (Stubs: the profiles work fills them in.)

// ProducerConfig returns the librdkafka producer properties for this point (no bootstrap or
// security settings: the runner adds those).
func (p Point) ProducerConfig() map[string]string { return map[string]string{} }

// ConsumerConfig returns the librdkafka consumer properties for this point (no bootstrap,
// group.id or security settings: the runner adds those).
func (p Point) ConsumerConfig() map[string]string { return map[string]string{} }

// TopicConfig returns the topic-level configs for this point's fresh topic.
func (p Point) TopicConfig() map[string]string { return map[string]string{} }

// TopicReplicationFactor is the replication factor of this point's fresh topic.
func (p Point) TopicReplicationFactor() int { return p.Workload.ReplicationFactor }

// BrokerDynamicConfig returns cluster-wide dynamic broker configs this point changes (restored after).
func (p Point) BrokerDynamicConfig() map[string]string { return map[string]string{} }

// BrokerStaticConfig returns read-only broker configs this point needs (a rolling restart).
func (p Point) BrokerStaticConfig() map[string]string { return map[string]string{} }
