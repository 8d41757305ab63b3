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
