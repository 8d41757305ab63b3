package fleet

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
)

// SystemFolders are the folders no data folder may be: the operating system's own (the
// Filesystem Hierarchy Standard's top-level folders, and the usual ones below /usr and /var).
// A backup would archive them and a restore would move them aside and replace them. The
// list is documented in the README ("Dangerous data folders"); a data folder below one of
// them (/var/lib/zeebe, /usr/local/zeebe/data) is fine.
func SystemFolders() []string {
	return []string{
		"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
		"/lost+found", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/snap",
		"/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/include", "/usr/lib", "/usr/lib32",
		"/usr/lib64", "/usr/libexec", "/usr/local", "/usr/local/bin", "/usr/local/lib",
		"/usr/sbin", "/usr/share", "/usr/src", "/var", "/var/cache", "/var/lib", "/var/log",
		"/var/spool", "/var/tmp",
	}
}

// systemFolder tells whether the real folder dir is one of SystemFolders.
func systemFolder(dir string) bool {
	dir = filepath.Clean(dir)
	for _, s := range SystemFolders() {
		if dir == s {
			return true
		}
	}
	return false
}

// within tells whether path is dir or below it; both are clean and absolute.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// dangerous lists the members whose real data folder is a system folder, or overlaps another
// member's on the same host (one inside the other): a backup would archive one broker's data
// in another's, a restore would move one with the other. Validate applies it once every data
// folder is resolved.
func (f *Fleet) dangerous() []error {
	var errs []error
	for i, m := range f.Members {
		if systemFolder(m.DataDir) {
			errs = append(errs, fmt.Errorf("%s: its data folder %s is the system folder %s: a backup would archive it and a restore would replace it; give the broker a folder of its own (e.g. /var/lib/zeebe/broker-%d) in the cluster file and the broker's configuration",
				m.Broker.Name(), describePath(m.Broker.DataDir, m.DataDir), filepath.Clean(m.DataDir), m.Broker.NodeID))
		}
		for _, o := range f.Members[i+1:] {
			if o.Broker.Host != m.Broker.Host || o.DataDir == m.DataDir || systemFolder(m.DataDir) || systemFolder(o.DataDir) {
				continue // the same folder is Validate's own message, a system folder has its own
			}
			inner, outer := o, m
			if within(m.DataDir, o.DataDir) {
				inner, outer = m, o
			} else if !within(o.DataDir, m.DataDir) {
				continue
			}
			errs = append(errs, fmt.Errorf("%s: its data folder %s is inside the data folder %s of %s: a backup would archive its data twice and a restore of %s would replace it; give every broker a folder of its own, neither inside the other",
				inner.Broker.Name(), describePath(inner.Broker.DataDir, inner.DataDir), describePath(outer.Broker.DataDir, outer.DataDir), outer.Broker.Name(), outer.Broker.Name()))
		}
	}
	return errs
}

// CheckRepository refuses a local repository (location, an absolute path on this machine)
// that is inside a data folder of a broker on this machine, or holds one (or is one): a
// backup would archive the repository into itself, a restore would move it aside with the
// data. Backup and restore call it after Validate; a repository that is not a local path (a
// URL) has no place in a data folder.
func (f *Fleet) CheckRepository(ctx context.Context, location string) error {
	if !filepath.IsAbs(location) {
		return nil
	}
	var errs []error
	for _, m := range f.Members {
		if m.Broker.Host != cluster.Local {
			continue
		}
		real, err := realPath(ctx, m.Host, location)
		if err != nil {
			return fmt.Errorf("resolve the repository %s: %w", location, err)
		}
		switch {
		case within(real, m.DataDir):
			errs = append(errs, fmt.Errorf("%s: the repository %s is inside its data folder %s: a backup would archive the repository into itself and a restore would move it aside with the data; put the repository on another disk, outside every data folder",
				m.Broker.Name(), describePath(location, real), m.DataDir))
		case within(m.DataDir, real):
			errs = append(errs, fmt.Errorf("%s: its data folder %s is inside the repository %s: put the repository outside every data folder, on another disk",
				m.Broker.Name(), m.DataDir, describePath(location, real)))
		}
	}
	return errors.Join(errs...)
}
