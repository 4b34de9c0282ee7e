// Package safety is what keeps kbench safe on a cluster it shares: the first contact that fails
// fast (probe), the checks before anything changes (preflight, broker census), run ids and the
// topic names that carry them, the broker-settings lease, the restore file and `kbench restore`,
// and `kbench clean`. It talks to Kafka only through the driver seam and never imports the
// runner: the runner, and cmd/kbench's clean and restore commands, call it.
package safety
