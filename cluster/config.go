package cluster

import (
	"fmt"
	"sort"
	"strings"
)

// Node ids: brokers count from 1, controllers from controllerIDBase, so an id alone says the role.
const controllerIDBase = 100

// quorumVoters renders controller.quorum.voters for the controller nodes.
func quorumVoters(nodes []*Node) string {
	var parts []string
	for _, n := range nodes {
		if n.Role == RoleController {
			parts = append(parts, fmt.Sprintf("%d@127.0.0.1:%d", n.ID, n.Port))
		}
	}
	return strings.Join(parts, ",")
}

// nodeProperties renders server.properties for one node. Static quorum: every node lists the
// voters; controllers only speak CONTROLLER; brokers have a client listener (CLIENT: PLAINTEXT, or SASL_PLAINTEXT with --auth scram) and an
// inter-broker one (INTERNAL), both on 127.0.0.1 with explicit advertised hosts.
func (c *Cluster) nodeProperties(n *Node) string {
	nodes, brokers, extra := c.Nodes, len(c.Brokers()), c.BrokerConfig
	clientProtocol := "PLAINTEXT"
	if c.Auth == AuthSCRAM {
		clientProtocol = "SASL_PLAINTEXT"
	}
	p := map[string]string{
		"node.id":                   fmt.Sprint(n.ID),
		"controller.quorum.voters":  quorumVoters(nodes),
		"controller.listener.names": "CONTROLLER",
		"log.dirs":                  n.DataDir,
	}
	if n.Role == RoleController {
		p["process.roles"] = "controller"
		p["listeners"] = fmt.Sprintf("CONTROLLER://127.0.0.1:%d", n.Port)
		p["listener.security.protocol.map"] = "CONTROLLER:PLAINTEXT"
	} else {
		p["process.roles"] = "broker"
		p["listeners"] = fmt.Sprintf("CLIENT://127.0.0.1:%d,INTERNAL://127.0.0.1:%d", n.Port, n.InterPort)
		p["advertised.listeners"] = p["listeners"]
		p["inter.broker.listener.name"] = "INTERNAL"
		p["listener.security.protocol.map"] = "CLIENT:" + clientProtocol + ",INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"
		// Internal topics: replicated like a production cluster, but never more than we have.
		p["offsets.topic.replication.factor"] = fmt.Sprint(min(3, brokers))
		p["offsets.topic.num.partitions"] = "10"
		p["transaction.state.log.replication.factor"] = fmt.Sprint(min(3, brokers))
		p["transaction.state.log.min.isr"] = fmt.Sprint(min(2, brokers))
		p["transaction.state.log.num.partitions"] = "10"
		p["group.initial.rebalance.delay.ms"] = "0"
		p["num.partitions"] = "1"
		p["auto.create.topics.enable"] = "false"
		// Two cores shared by every JVM: fewer threads than Kafka's defaults.
		p["num.network.threads"] = "2"
		p["num.io.threads"] = "4"
		p["num.replica.fetchers"] = "1"
		p["background.threads"] = "4"
		for k, v := range extra {
			p[k] = v
		}
	}
	c.authProperties(p, n.Role)
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Written by kbench; regenerated on every start.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, p[k])
	}
	return b.String()
}

// log4j2Properties sends each node's log to its own server.log in kafka.logs.dir.
const log4j2Properties = `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.zk.name = org.apache.kafka.clients
logger.zk.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`

// jvmArgs are the options Kafka's scripts add, with a heap sized for several JVMs on a small box.
func jvmArgs(n *Node, libs, log4jFile string) []string {
	heap := "-Xmx1g"
	xms := "-Xms512m"
	if n.Role == RoleController {
		heap, xms = "-Xmx384m", "-Xms128m"
	}
	return []string{
		heap, xms,
		"-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
		"-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
		"-Dkafka.logs.dir=" + n.LogDir,
		"-Dlog4j2.configurationFile=" + log4jFile,
		"-cp", libs + "/*",
	}
}
