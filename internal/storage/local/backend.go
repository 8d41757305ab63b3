package local

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Backend is the local backend for a storage.Registry: an absolute path, or a file:// URL of
// one (file:///var/backups/zeebe, or file://localhost/var/backups/zeebe).
func Backend() storage.Backend {
	return storage.Backend{
		Scheme: storage.FileScheme,
		Form:   "a path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe)",
		Parse:  Parse,
		Open: func(_ context.Context, l storage.Location) (storage.Store, error) {
			dir, ok := l.Config.(string)
			if !ok {
				return nil, fmt.Errorf("location %s was not parsed by the local backend", l.Text)
			}
			return New(dir)
		},
	}
}

// Parse checks a local location: a path, which must be absolute (a relative path given on the
// command line is made absolute before, see storage.FlagLocation), or a file:// URL with an
// absolute path and nothing else. The Location's Text is the path cleaned, or the URL as
// written; its Config the folder, cleaned.
func Parse(loc string) (storage.Location, error) {
	if !strings.HasPrefix(strings.ToLower(loc), storage.FileScheme+":") {
		if !filepath.IsAbs(loc) {
			return storage.Location{}, fmt.Errorf("%q is a relative path; write an absolute path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe)", redact.Text(loc))
		}
		dir := filepath.Clean(loc)
		return storage.Location{Text: dir, Config: dir}, nil
	}
	shown := redact.Text(loc)
	u, err := url.Parse(loc)
	switch {
	case err != nil:
		return storage.Location{}, fmt.Errorf("%q is not a valid URL; write file:///absolute/path", shown)
	case u.Opaque != "":
		return storage.Location{}, fmt.Errorf("%q does not start with file:/// (three slashes); write file:///absolute/path", shown)
	case u.Host != "" && u.Host != "localhost":
		return storage.Location{}, fmt.Errorf("%q names the host %q; a file:// repository is a folder on this machine: write file:///absolute/path (three slashes)", shown, u.Host)
	case u.Path == "" || !filepath.IsAbs(u.Path):
		return storage.Location{}, fmt.Errorf("%q names no folder; write file:///absolute/path", shown)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return storage.Location{}, fmt.Errorf("%q has more than a path; write file:///absolute/path", shown)
	}
	return storage.Location{Text: loc, Config: filepath.Clean(u.Path)}, nil
}
