package local_test

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// The local backend's own rules: an absolute path, or file:// with an absolute path and
// nothing else.
func TestParse(t *testing.T) {
	for loc, want := range map[string]string{
		"/var/backups//zeebe/":               "/var/backups/zeebe",
		"file:///var/backups/zeebe":          "/var/backups/zeebe",
		"file://localhost/var/backups/zeebe": "/var/backups/zeebe",
		"file:///var/backups/with%20space":   "/var/backups/with space",
	} {
		l, err := local.Parse(loc)
		if err != nil || l.Config != want {
			t.Errorf("Parse(%q) = %+v, %v; want folder %s", loc, l, err, want)
		}
	}
	for loc, want := range map[string]string{
		"backups":                  `"backups" is a relative path; write an absolute path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe)`,
		"file:backups":             `"file:backups" does not start with file:/// (three slashes); write file:///absolute/path`,
		"file://var/backups/zeebe": `"file://var/backups/zeebe" names the host "var"; a file:// repository is a folder on this machine: write file:///absolute/path (three slashes)`,
		"file://":                  `"file://" names no folder; write file:///absolute/path`,
		"file:///var/b?x=1":        `"file:///var/b?x=1" has more than a path; write file:///absolute/path`,
		"file:///var/b#x":          `"file:///var/b#x" has more than a path`,
		"file://zeebe@/var/b":      `"file://zeebe@/var/b" has more than a path`,
		"file://%zz/x":             `"file://%zz/x" is not a valid URL; write file:///absolute/path`,
	} {
		if _, err := local.Parse(loc); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q): %v; want %s", loc, err, want)
		}
	}
}
