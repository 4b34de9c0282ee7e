package main

import "github.com/urfave/cli/v2"

func clusterCommand() *cli.Command {
	return &cli.Command{Name: "cluster", Usage: "start, inspect, break and stop a local Apache Kafka cluster"}
}
