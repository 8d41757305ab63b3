package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// ClusterLockFormat is the format of the lock file beside each data folder that this build
// writes (docs/repository-format.md, "Cluster lock"). Format 1: an object with formatVersion,
// holder, repository and operation; a lock file without formatVersion (written before the
// field existed, with the same fields otherwise) is format 1. A newer format is refused with a
// *repo.FormatError: the broker then counts as locked, by a run this build cannot describe.
// The version changes by the rule of repo's formats (repo/format.go).
const ClusterLockFormat = 1

// clusterLockFile is the cluster lock as stored: its own type of basic fields, so that a change
// to ClusterLock or repo.Holder does not change what is on disk (testdata holds the golden
// file of the current format and a file of every earlier shape).
type clusterLockFile struct {
	FormatVersion int               `json:"formatVersion"`
	Holder        clusterLockHolder `json:"holder"`
	Repository    string            `json:"repository"`
	Operation     string            `json:"operation"` // "backup 20261124T103000Z"
}

type clusterLockHolder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	User    string    `json:"user"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// encodeClusterLock is the content of a lock file: indented JSON with a final newline.
func encodeClusterLock(l ClusterLock) ([]byte, error) {
	h := l.Holder
	b, err := json.MarshalIndent(clusterLockFile{
		FormatVersion: ClusterLockFormat,
		Holder:        clusterLockHolder{Host: h.Host, PID: h.PID, User: h.User, Command: h.Command, Since: h.Since},
		Repository:    l.Repository,
		Operation:     l.Operation,
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// parseClusterLock reads the content of the lock file at path (named in errors) within the
// limits of package limits: its format version first, so that a newer format is refused as
// such before its fields are decoded, then the fields of its version.
func parseClusterLock(path string, raw []byte) (*ClusterLock, error) {
	var probe struct {
		FormatVersion int `json:"formatVersion"`
	}
	err := limits.DecodeJSON(raw, limits.MaxLockBytes, "cluster lock", &probe)
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ) && typ.Field == "":
		return nil, fmt.Errorf("%s: the cluster lock is a JSON %s, not an object: zeebe-backup did not write it", path, typ.Value)
	case errors.As(err, &typ):
		return nil, fmt.Errorf("%s: its formatVersion is a JSON %s, not a whole number: zeebe-backup did not write this cluster lock", path, typ.Value)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	case probe.FormatVersion > ClusterLockFormat:
		return nil, &repo.FormatError{File: path, What: "cluster lock", Version: probe.FormatVersion, Newest: ClusterLockFormat}
	case probe.FormatVersion < 0:
		return nil, fmt.Errorf("%s has formatVersion %d, which no zeebe-backup wrote: zeebe-backup did not write this cluster lock", path, probe.FormatVersion)
	}
	// Format 1, with or without formatVersion: the same fields.
	var f clusterLockFile
	if err := limits.DecodeJSON(raw, limits.MaxLockBytes, "cluster lock", &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := f.Holder
	return &ClusterLock{
		Holder:     repo.Holder{Host: h.Host, PID: h.PID, User: h.User, Command: h.Command, Since: h.Since},
		Repository: f.Repository,
		Operation:  f.Operation,
	}, nil
}
