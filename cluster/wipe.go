package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/kbench/kbench/cluster/powerfs"
	"github.com/kbench/kbench/inputfile"
)

// A cluster folder is kbench's only if kbench says so: `cluster up` writes markerFile into it
// before anything else, and a wipe deletes nothing in a folder that carries neither the marker nor
// a kbench state file (the state proves it too: older kbench versions wrote no marker). Even in a
// marked folder a wipe deletes only the names kbench makes there, so a folder that also holds a
// user's files (a home folder given as --dir by mistake) keeps them.
const (
	markerFile = ".kbench-cluster"
	markerText = "kbench cluster folder: made by `kbench cluster up`; `kbench cluster down --wipe` deletes only what kbench made here\n"
)

// ErrNotClusterDir says a folder is not one kbench made for a cluster: `cluster up` will not start
// a cluster in it (it holds other files) and `cluster down --wipe` will not delete anything in it.
var ErrNotClusterDir = errors.New("not a kbench cluster folder")

// ownFiles are the files kbench writes directly in a cluster folder (client configs: auth.go).
var ownFiles = []string{stateFile, stateFile + ".tmp", "log4j2.properties", "client-admin.properties", "client-restricted.properties"}

// nodeDirRE matches the node folders kbench makes under nodes/ (see newNode).
var nodeDirRE = regexp.MustCompile(`^(broker|controller)-[0-9]+$`)

// nodeFiles are what kbench makes in a node folder: Kafka's data and log folders and the config,
// and with a power-loss filesystem its real folder and control socket (powerloss.go).
var nodeFiles = []string{"data", "logs", "server.properties", fsSourceDir, fsSocket}

// notOurs is an ErrNotClusterDir with its own one-line message.
type notOurs struct{ msg string }

func (e *notOurs) Error() string        { return e.msg }
func (e *notOurs) Is(target error) bool { return target == ErrNotClusterDir }

// IsClusterDir reports whether dir carries kbench's marker or a kbench state file that names dir.
func IsClusterDir(dir string) bool {
	if b, err := inputfile.Read(filepath.Join(dir, markerFile), "marker", 4096); err == nil && string(b) == markerText {
		return true
	}
	b, err := inputfile.Read(filepath.Join(dir, stateFile), "cluster state", inputfile.Limit)
	if err != nil {
		return false
	}
	var c Cluster
	if json.Unmarshal(b, &c) != nil || c.ClusterID == "" || len(c.Nodes) == 0 {
		return false
	}
	return sameDir(c.Dir, dir)
}

// sameDir reports whether a and b name the same folder.
func sameDir(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// claimDir makes dir a kbench cluster folder before anything else is written there: it creates
// the folder if needed and writes the marker. A folder that already holds anything without
// being kbench's is refused, so that a later wipe can never take a user's files with it. A folder
// of an older kbench stopped without --wipe (no marker, no state, only what kbench makes: nodes/,
// log4j2.properties, client configs) is kbench's too.
func claimDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create cluster folder %s: %w", dir, err)
		}
	case err != nil:
		return &notOurs{fmt.Sprintf("cluster folder %s: %v", dir, err)}
	case len(entries) > 0 && !IsClusterDir(dir) && !olderKbenchDir(dir, entries):
		return &notOurs{fmt.Sprintf("%s holds files and is not a kbench cluster folder (no %s marker, no cluster state): give --dir a new or empty folder", dir, markerFile)}
	}
	if err := os.WriteFile(filepath.Join(dir, markerFile), []byte(markerText), 0o644); err != nil {
		return fmt.Errorf("mark cluster folder %s: %w", dir, err)
	}
	return nil
}

// Wipe deletes what kbench made in the cluster folder dir (node data, logs and configs, the state,
// the client configs, then the marker) and then the folder itself if nothing else is left in it.
// It refuses (ErrNotClusterDir) a folder that is not kbench's, deleting nothing. It does not stop
// processes: Down does that first. left names what it did not delete because kbench did not make
// it (the folder is then kept).
func Wipe(dir string) (left []string, err error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, &notOurs{fmt.Sprintf("not wiping %s: %v", dir, err)}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &notOurs{fmt.Sprintf("not wiping %s: it is a link; give the folder it points to", dir)}
	}
	if !fi.IsDir() {
		return nil, &notOurs{fmt.Sprintf("not wiping %s: not a folder", dir)}
	}
	if !IsClusterDir(dir) {
		if entries, err := os.ReadDir(dir); err == nil && olderKbenchDir(dir, entries) {
			return nil, &notOurs{fmt.Sprintf("not wiping %s: it has no %s marker (an older kbench's folder?): `kbench cluster up --dir %s` marks it, then wipe, or delete it yourself", dir, markerFile, dir)}
		}
		return nil, &notOurs{fmt.Sprintf("not wiping %s: it is not a kbench cluster folder (no %s marker, no cluster state), so kbench deletes nothing in it", dir, markerFile)}
	}
	if err := removeNodes(dir); err != nil {
		return nil, err
	}
	for _, name := range append(ownFiles, markerFile) { // the marker last: a failed wipe can be retried
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("wipe %s: %w", dir, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wipe %s: %w", dir, err)
	}
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if len(left) == 0 {
		if err := os.Remove(dir); err != nil {
			return nil, fmt.Errorf("wipe %s: %w", dir, err)
		}
	}
	return left, nil
}

// olderKbenchDir reports whether a folder without marker or state holds exactly what an older
// kbench left after `cluster down`: a nodes/ folder of node folders only, plus the log4j config
// and client configs. A folder with a file named like the state is not one (it would be
// overwritten).
func olderKbenchDir(dir string, entries []fs.DirEntry) bool {
	sawNodes := false
	for _, e := range entries {
		switch {
		case e.Name() == "nodes" && e.IsDir():
			sawNodes = true
		case e.Name() == stateFile || !slices.Contains(ownFiles, e.Name()):
			return false
		}
	}
	nodes, err := os.ReadDir(filepath.Join(dir, "nodes"))
	if err != nil || !sawNodes || len(nodes) == 0 {
		return false
	}
	for _, n := range nodes {
		if !n.IsDir() || !nodeDirRE.MatchString(n.Name()) {
			return false
		}
	}
	return true
}

// removeNodes deletes the node folders kbench made under dir/nodes (the names newNode gives, each
// a real folder, not a link) with what kbench put in them, and nodes/ itself once empty. Anything
// else there is left alone.
func removeNodes(dir string) error {
	nodes := filepath.Join(dir, "nodes")
	entries, err := os.ReadDir(nodes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("clear %s: %w", nodes, err)
	}
	for _, e := range entries {
		if !e.IsDir() || !nodeDirRE.MatchString(e.Name()) { // DirEntry.IsDir is false for a symlink
			continue
		}
		node := filepath.Join(nodes, e.Name())
		// A power-loss filesystem still mounted on the data folder (its daemon dead, or a state
		// lost) is detached first: nothing is ever deleted through a mount.
		if err := powerfs.ForceUnmount(filepath.Join(node, "data")); err != nil {
			return fmt.Errorf("clear %s: %w", node, err)
		}
		for _, name := range nodeFiles {
			// RemoveAll of a link deletes the link, not what it points to.
			if err := os.RemoveAll(filepath.Join(node, name)); err != nil {
				return fmt.Errorf("clear %s: %w", node, err)
			}
		}
		removeIfEmpty(node)
	}
	removeIfEmpty(nodes)
	return nil
}

// removeIfEmpty removes a folder only if it is empty: rmdir fails, and keeps the folder, when
// anything is left in it (what is left is named by Wipe's listing of the cluster folder).
func removeIfEmpty(dir string) { _ = os.Remove(dir) }
