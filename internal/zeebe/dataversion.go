package zeebe

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// PartitionDirs lists the partition folders below a data folder: <data>/<group>/partitions/<P>
// for the group names of every release (raft-partition, default).
func PartitionDirs(data string) (map[int]string, string, error) {
	for _, group := range []string{"raft-partition", "default"} {
		base := filepath.Join(data, group, "partitions")
		entries, err := os.ReadDir(base)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		out := map[int]string{}
		for _, e := range entries {
			if p, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() && p > 0 {
				out[p] = filepath.Join(base, e.Name())
			}
		}
		return out, group, nil
	}
	return nil, "", nil
}

// CompareVersions orders Zeebe versions: by major, minor and patch, then a pre-release before
// the release, pre-releases by their suffix.
func CompareVersions(a, b Version) int {
	return cmp.Or(cmp.Compare(a.Major, b.Major), cmp.Compare(a.Minor, b.Minor), cmp.Compare(a.Patch, b.Patch),
		comparePre(a.Pre, b.Pre))
}

func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return cmp.Compare(a, b)
}

// DataVersion is the Zeebe version of a data folder (verifier fact 10): the higher of the
// records' highest brokerVersion and the state's migrated-by-version (8.5+). An upgrade that
// has written no record yet shows only in migrated-by-version, and Zeebe refuses any downgrade
// of it, a patch downgrade too (§8). migratedBy "" means absent; found is false when neither
// is known.
func DataVersion(records Version, recordsFound bool, migratedBy string) (v Version, found bool, err error) {
	v, found = records, recordsFound
	if migratedBy == "" {
		return v, found, nil
	}
	m, err := ParseVersion(migratedBy)
	if err != nil {
		return v, found, fmt.Errorf("migrated-by-version: %w", err)
	}
	if !found || CompareVersions(m, v) > 0 {
		v, found = m, true
	}
	return v, found, nil
}
