package zeebe

import (
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
		if os.IsNotExist(err) {
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

// DataVersion is the highest broker version in the records of the newest segment of each
// partition below a data folder (§8, item 2: a lower bound of the version that wrote it).
// found is false when no record carries one.
func DataVersion(data string) (v Version, found bool, err error) {
	dirs, group, err := PartitionDirs(data)
	if err != nil {
		return v, false, err
	}
	for p, dir := range dirs {
		segs, err := ListSegments(dir, JournalName(group, p))
		if err != nil {
			return v, false, err
		}
		for i := len(segs) - 1; i >= 0; i-- {
			b, err := os.ReadFile(segs[i].Path)
			if err != nil {
				return v, false, err
			}
			d, err := ParseDescriptor(b)
			if err != nil {
				continue // prepared or damaged: look at the one before
			}
			entries, _ := ScanEntries(b, d, uint64(d.Index))
			seen := false
			for _, e := range entries {
				if e.Type == EntryApplication {
					seen = true
					if !found || e.BrokerVersion.AtLeast(v.Major, v.Minor, v.Patch) {
						v, found = e.BrokerVersion, true
					}
				}
			}
			if seen {
				break
			}
		}
	}
	return v, found, nil
}
