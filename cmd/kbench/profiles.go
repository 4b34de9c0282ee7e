package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/profiles"
)

func profilesCommand() *cli.Command {
	return &cli.Command{
		Name:  "profiles",
		Usage: "list, show and validate sweep profiles",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the profiles built into kbench",
				Action: func(c *cli.Context) error {
					return listProfiles(c.App.Writer)
				},
			},
			{
				Name:      "show",
				Usage:     "show a profile's expanded points, in level order, and what each changes",
				ArgsUsage: "NAME|FILE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return withCode(exitBadInput, errors.New("profiles show: want one profile name or file"))
					}
					return showProfile(c.App.Writer, c.Args().First())
				},
			},
			{
				Name:      "validate",
				Usage:     "check profile files; exits non-zero if any has an error (warnings do not fail)",
				ArgsUsage: "FILE...",
				Action: func(c *cli.Context) error {
					if c.NArg() == 0 {
						return withCode(exitBadInput, errors.New("profiles validate: want at least one file"))
					}
					return validateProfiles(c.App.Writer, c.Args().Slice())
				},
			},
		},
	}
}

func listProfiles(w io.Writer) error {
	list, err := profiles.List()
	if err != nil {
		return fmt.Errorf("list profiles: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPOINTS\tDESCRIPTION")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Name, s.Points, s.Description)
	}
	return tw.Flush()
}

func showProfile(w io.Writer, nameOrPath string) error {
	p, err := profiles.Load(nameOrPath)
	if err != nil {
		return withCode(exitBadInput, err)
	}
	if err := p.Describe(w); err != nil {
		return withCode(exitBadInput, err)
	}
	return nil
}

// validateProfiles prints every error and warning of every file, then fails if any had an error.
func validateProfiles(w io.Writer, files []string) error {
	bad := 0
	for _, f := range files {
		p, err := profiles.Load(f)
		var warns []profiles.Problem
		if err == nil {
			warns, err = p.Validate()
		}
		if err != nil {
			bad++
			var ve *profiles.ValidationError
			if errors.As(err, &ve) {
				for _, pr := range ve.Problems {
					fmt.Fprintln(w, pr)
				}
			} else if strings.Contains(err.Error(), f) {
				fmt.Fprintln(w, err) // already names the file
			} else {
				fmt.Fprintf(w, "%s: %v\n", f, err)
			}
		}
		for _, wp := range warns {
			fmt.Fprintf(w, "warning: %s\n", wp)
		}
		if err == nil {
			pts, _ := p.Points()
			fmt.Fprintf(w, "%s: ok, %d points\n", p.File, len(pts))
		}
	}
	if bad > 0 {
		return withCode(exitBadInput, fmt.Errorf("profiles validate: %d of %d file(s) have errors", bad, len(files)))
	}
	return nil
}
