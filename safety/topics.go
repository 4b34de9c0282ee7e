package safety

// Topic ownership: every topic and consumer group kbench creates is named with a prefix and the
// run id, so that kbench deletes only what one run created and `kbench clean --run ID` finds it.

import "errors"

// DefaultTopicPrefix starts every topic and consumer group name unless --topic-prefix says otherwise.
const DefaultTopicPrefix = "kbench-"

// ErrNotOurTopic says kbench was about to use or delete a topic it did not create.
var ErrNotOurTopic = errors.New("topic not created by this run")

// TopicName names the topic of one point: prefix, run id, point id, restricted to the
// characters Kafka allows in topic names and to its 249-character limit.
func TopicName(prefix, runID, pointID string) string {
	b := []byte(prefix + runID + "-" + pointID)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 249 {
		b = b[:249]
	}
	return string(b)
}

// RunTopicPrefix is what every topic of run runID starts with ("kbench-<run>-").
func RunTopicPrefix(prefix, runID string) string { return TopicName(prefix, runID, "") }
