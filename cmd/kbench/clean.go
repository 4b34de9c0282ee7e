package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver/librdkafka"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/runner"
	"github.com/kbench/kbench/safety"
)

// connectFlags say how kbench's clients connect, the way Kafka's own tools are told: a Java-style
// client .properties file and -X overrides (used by run, sweep, clean and restore).
func connectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "client-config", Usage: "Java-style client .properties `FILE` (as Kafka's tools take with --command-config / --producer.config): bootstrap.servers, security.protocol, SASL and SSL settings for every client", EnvVars: []string{"KBENCH_CLIENT_CONFIG"}},
		&cli.StringSliceFlag{Name: "X", Usage: "librdkafka or Java client property `KEY=VALUE` for every client, over --client-config (repeatable)"},
	}
}

// guardFlags are the shared-cluster guards of run and sweep.
func guardFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "topic-prefix", Value: safety.DefaultTopicPrefix, Usage: "`PREFIX` of every topic and consumer group kbench creates (the run id follows)"},
		&cli.StringFlag{Name: "existing-topic", Usage: "measure on this existing topic `NAME` instead of creating topics (no create permission needed): kbench writes and audits only its own records there, sweeps no topic settings and never deletes it"},
		&cli.BoolFlag{Name: "allow-broker-config", Usage: "allow points to change dynamic broker settings on a cluster kbench did not start (restored after each point; a restore file is written first)"},
	}
}

// loadClientConfig reads --client-config and -X; nil when neither is given.
func loadClientConfig(c *cli.Context) (*kafkaconf.ClientConfig, error) {
	if c.String("client-config") == "" && len(c.StringSlice("X")) == 0 {
		return nil, nil
	}
	cc, err := kafkaconf.LoadClientConfig(c.String("client-config"), c.StringSlice("X"), librdkafka.Check)
	if err != nil {
		return nil, withCode(exitBadInput, err)
	}
	return cc, nil
}

// applyGuardFlags fills the connection and guard options of run and sweep.
func applyGuardFlags(c *cli.Context, opts *runner.Options) error {
	cc, err := loadClientConfig(c)
	if err != nil {
		return err
	}
	opts.Client = cc
	opts.TopicPrefix = c.String("topic-prefix")
	opts.ExistingTopic = c.String("existing-topic")
	opts.AllowBrokerConfig = c.Bool("allow-broker-config")
	return nil
}

// localClientConfig connects to a local cluster started with --auth scram as its super user
// (the client config file `kbench cluster up` wrote), unless a client config was given.
func localClientConfig(cl *cluster.Cluster, opts *runner.Options) error {
	if opts.Client != nil || cl.Auth == cluster.AuthNone || len(cl.Users) == 0 {
		return nil
	}
	cc, err := kafkaconf.LoadClientConfig(cl.Users[0].ConfigFile, nil, librdkafka.Check)
	if err != nil {
		return withCode(exitCluster, fmt.Errorf("local cluster's admin client config: %w", err))
	}
	opts.Client = cc
	return nil
}

// printClientConfig prints the client config, secrets redacted, for --plan.
func printClientConfig(c *cli.Context) error {
	cc, err := loadClientConfig(c)
	if err != nil {
		return err
	}
	for _, line := range cc.FormatNotes() {
		fmt.Fprintln(os.Stdout, line)
	}
	return nil
}

// bootstrapFlag returns --bootstrap (or KBENCH_BOOTSTRAP), "" when neither is set. A value set
// but empty is refused rather than read as not given (it silently measured the local cluster
// instead of the one meant), and the syntax is checked before anything connects, so that a typo
// is not reported as a cluster that refused the connection. unset says what applies without it.
func bootstrapFlag(c *cli.Context, unset string) (string, error) {
	if !c.IsSet("bootstrap") {
		return "", nil
	}
	b := c.String("bootstrap")
	if strings.TrimSpace(b) == "" {
		return "", withCode(exitBadInput, fmt.Errorf("--bootstrap is empty (an empty --bootstrap '' or KBENCH_BOOTSTRAP=): give HOST:PORT[,HOST:PORT...], or leave both unset to use %s", unset))
	}
	if err := safety.ValidateBootstrap(b, "--bootstrap"); err != nil {
		return "", withCode(exitBadInput, err)
	}
	return b, nil
}

// guardExit maps the guards' errors to exit codes: what the user gave is wrong (bad input), or
// the cluster refused (cluster).
func guardExit(err error) error {
	switch {
	case errors.Is(err, kafkaconf.ErrClientConfig), errors.Is(err, safety.ErrBrokerConfigNotAllowed), errors.Is(err, safety.ErrBadInput):
		return withCode(exitBadInput, err)
	case errors.Is(err, safety.ErrAuthFailed), errors.Is(err, safety.ErrNotPermitted), errors.Is(err, safety.ErrNotOurTopic):
		return withCode(exitCluster, err)
	}
	return err
}

func cleanCommand() *cli.Command {
	return &cli.Command{
		Name:      "clean",
		Usage:     "delete the topics of one run (left behind by a crashed or killed kbench); prints each topic it deletes",
		ArgsUsage: " ",
		Flags: append(connectFlags(),
			&cli.StringFlag{Name: "run", Usage: "run `ID` (index.json's run_id; it is in every topic name)", Required: true},
			&cli.StringFlag{Name: "bootstrap", Usage: "bootstrap servers `HOST:PORT,...` (default: the client config's)", EnvVars: []string{"KBENCH_BOOTSTRAP"}},
			&cli.StringFlag{Name: "topic-prefix", Value: safety.DefaultTopicPrefix, Usage: "`PREFIX` the run's topics start with"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list the topics, delete nothing"},
		),
		Action: func(c *cli.Context) error {
			bootstrap, err := bootstrapFlag(c, "the client config's bootstrap.servers")
			if err != nil {
				return err
			}
			cc, err := loadClientConfig(c)
			if err != nil {
				return err
			}
			if bootstrap == "" && cc.Bootstrap() == "" {
				return withCode(exitBadInput, errors.New("clean: no cluster named: give --bootstrap HOST:PORT (or KBENCH_BOOTSTRAP) or a --client-config with bootstrap.servers"))
			}
			_, err = safety.Clean(c.Context, safety.CleanOptions{
				Bootstrap: bootstrap, Client: cc, RunID: c.String("run"),
				TopicPrefix: c.String("topic-prefix"), DryRun: c.Bool("dry-run"), Out: os.Stdout,
				Driver: librdkafka.New(),
			})
			return cleanExit(err)
		},
	}
}

// cleanExit maps the errors of clean and restore to exit codes.
func cleanExit(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, safety.ErrBadPoints), errors.Is(err, safety.ErrBadInput):
		return withCode(exitBadInput, err)
	case errors.Is(err, safety.ErrUnreachable):
		return withCode(exitCluster, err)
	}
	if g := guardExit(err); g != err {
		return g
	}
	return withCode(exitCluster, err)
}
