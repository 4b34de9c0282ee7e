package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/profiles"
)

// TestRunFlagsBadInput: `kbench run` refuses bad flags with exit code 2 and a message naming the
// flag, before it touches any cluster (the bootstrap here would refuse every connection).
func TestRunFlagsBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--consume-mode", "catch-up"}, `--consume-mode "catch-up": want live or backlog`},
		{[]string{"--consume-mode", "backlog", "--consumers", "0"}, "--consume-mode backlog needs --consumers 1 or more"},
		{[]string{"--acks", "2"}, `--acks "2": want 0, 1 or all`},
		{[]string{"--size", "10"}, "--size 10: at least 20 bytes"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			args := append([]string{"kbench", "run", "--bootstrap", "127.0.0.1:1", "--out", t.TempDir()}, c.args...)
			err := newApp().Run(args)
			var ec *exitCoder
			if !errors.As(err, &ec) || ec.code != exitBadInput || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want exit code %d and %q", err, exitBadInput, c.want)
			}
		})
	}
}

// TestRunFlagsConsumeMode: --consume-mode reaches the point's workload.
func TestRunFlagsConsumeMode(t *testing.T) {
	for mode, want := range map[string]string{"live": "", "backlog": profiles.ConsumeBacklog} {
		var got profiles.Point
		app := newApp()
		for _, cmd := range app.Commands {
			if cmd.Name == "run" {
				cmd.Action = func(c *cli.Context) error {
					p, err := pointFromFlags(c)
					got = p
					return err
				}
			}
		}
		if err := app.Run([]string{"kbench", "run", "--consume-mode", mode}); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if got.Workload.ConsumeMode != want {
			t.Errorf("--consume-mode %s: workload consume mode %q, want %q", mode, got.Workload.ConsumeMode, want)
		}
	}
}
