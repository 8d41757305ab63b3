package restore

import (
	"fmt"
	"maps"
	"slices"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// backupVersion is the version the restore gate holds the target against: the highest of the
// cluster's version recorded in the manifest (gateway, cluster file), the data's version
// recorded there (manifests from before DataVersion: each broker's records' version and
// migrated-by-version), and the data's version the verification just read. The data's version
// is the higher of the records' brokerVersion and the state's migrated-by-version, and Zeebe
// refuses any downgrade of the latter (§8, verifier fact 10). found is false when nothing says.
func backupVersion(m *repo.Manifest, reports map[int]*check.Report) (v zeebe.Version, source string, found bool, err error) {
	consider := func(s, from string) error {
		if s == "" {
			return nil
		}
		x, err := zeebe.ParseVersion(s)
		if err != nil {
			return fmt.Errorf("backup version %q (from %s): %w", s, from, err)
		}
		if !found || zeebe.CompareVersions(x, v) > 0 {
			v, source, found = x, from, true
		}
		return nil
	}
	if err := consider(m.ZeebeVersion, "the manifest"); err != nil {
		return v, "", false, err
	}
	if err := consider(m.DataVersion, "the manifest's data version"); err != nil {
		return v, "", false, err
	}
	for _, b := range m.Brokers {
		if err := consider(b.DataVersion, fmt.Sprintf("broker %d's records, as recorded", b.NodeID)); err != nil {
			return v, "", false, err
		}
		if err := consider(b.MigratedBy, fmt.Sprintf("broker %d's state (migrated-by-version), as recorded", b.NodeID)); err != nil {
			return v, "", false, err
		}
	}
	for _, n := range slices.Sorted(maps.Keys(reports)) {
		if x, ok := reports[n].DataVersion(); ok && (!found || zeebe.CompareVersions(x, v) > 0) {
			v, source, found = x, fmt.Sprintf("broker %d's backed-up records and state", n), true
		}
	}
	return v, source, found, nil
}
