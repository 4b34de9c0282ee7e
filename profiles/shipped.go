package profiles

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/kbench/kbench/inputfile"
)

// shippedFS holds the profiles built into the binary, so `kbench sweep quick` works anywhere.
//
//go:embed shipped/*.yaml
var shippedFS embed.FS

// shippedDir is the shipped profiles' folder, in the embedded FS and in the repository; their
// File is reported as this path so errors point at the source file.
const shippedDir = "shipped"

// Summary is one line of `kbench profiles list`.
type Summary struct {
	Name        string
	Description string
	Points      int
	File        string
}

// Load reads a profile by the name of a shipped profile ("quick") or by file path. A name with
// a path separator or a .yaml/.yml suffix is always a path. Like Parse, it returns problems
// inside the file only through Validate and Points.
func Load(nameOrPath string) (*Profile, error) {
	isPath := strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml")
	if !isPath {
		data, err := shippedFS.ReadFile(path.Join(shippedDir, nameOrPath+".yaml"))
		if err == nil {
			return Parse("profiles/"+shippedDir+"/"+nameOrPath+".yaml", data)
		}
		if _, statErr := os.Stat(nameOrPath); statErr != nil {
			names, _ := shippedNames()
			return nil, fmt.Errorf("no shipped profile %q and no such file (shipped: %s)", nameOrPath, strings.Join(names, ", "))
		}
	}
	data, err := inputfile.Read(nameOrPath, "profile", inputfile.Limit)
	if err != nil {
		return nil, err
	}
	return Parse(nameOrPath, data)
}

// List summarises the shipped profiles, sorted by name.
func List() ([]Summary, error) {
	names, err := shippedNames()
	if err != nil {
		return nil, err
	}
	var out []Summary
	var errs []error
	for _, n := range names {
		p, err := Load(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pts, err := p.Points()
		if err != nil {
			errs = append(errs, fmt.Errorf("shipped profile %s: %w", n, err))
			continue
		}
		out = append(out, Summary{Name: p.Name, Description: p.Description, Points: len(pts), File: p.File})
	}
	return out, errors.Join(errs...)
}

func shippedNames() ([]string, error) {
	entries, err := fs.ReadDir(shippedFS, shippedDir)
	if err != nil {
		return nil, fmt.Errorf("read shipped profiles: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Source returns the YAML text of a profile named as Load takes it (a shipped name or a file
// path) and the file it reads as, so that it can be shipped elsewhere (a Kubernetes ConfigMap)
// exactly as Load would read it.
func Source(nameOrPath string) (file string, data []byte, err error) {
	isPath := strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml")
	if !isPath {
		if data, err := shippedFS.ReadFile(path.Join(shippedDir, nameOrPath+".yaml")); err == nil {
			return "profiles/" + shippedDir + "/" + nameOrPath + ".yaml", data, nil
		}
	}
	data, err = inputfile.Read(nameOrPath, "profile", inputfile.Limit)
	if err != nil {
		return "", nil, err
	}
	return nameOrPath, data, nil
}
