package archive

import (
	"archive/tar"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// OutsideLink is a symbolic link of an archive that points outside the folder it is restored
// into: restoring it needs AllowExternalSymlinks, and it only works where its target exists.
type OutsideLink struct {
	Path   string `json:"path"`   // the link, relative to the archived folder
	Target string `json:"target"` // what it points to, as stored
	Reason string `json:"reason"` // how it leaves the folder
}

// maxLinkHops bounds the symbolic links followed to resolve one path, as Linux does (ELOOP).
const maxLinkHops = 40

// OutsideLinks returns the symbolic links among entries that point outside root, the absolute
// path of the folder they are restored into ("" when unknown: then every absolute link points
// outside). It applies the checks Extract applies: an absolute target must be root or below
// it; a relative one must stay below the folder, also when it is resolved through the other
// links of the archive. Backup warns with it, verify and restore's pre-flight refuse with it,
// so that what Extract would refuse is known before anything is stopped.
func OutsideLinks(entries []Entry, root string) []OutsideLink {
	links := map[string]string{}
	for _, e := range entries {
		if e.Type == TypeSymlink {
			links[e.Path] = e.Link
		}
	}
	var out []OutsideLink
	for _, e := range entries {
		if e.Type != TypeSymlink {
			continue
		}
		if reason := linkOutside(e.Path, e.Link, root); reason != "" {
			out = append(out, OutsideLink{Path: e.Path, Target: e.Link, Reason: reason})
			continue
		}
		if reason := resolveOutside(links, e.Path, root); reason != "" {
			out = append(out, OutsideLink{Path: e.Path, Target: e.Link, Reason: reason})
		}
	}
	return out
}

// linkOutside tells, from the link's own target, how the link at name (relative to the folder)
// leaves the folder, or "" when it does not. roots are the absolute paths the folder has.
func linkOutside(name, target string, roots ...string) string {
	if filepath.IsAbs(target) {
		for _, r := range roots {
			if r != "" && within(r, target) {
				return ""
			}
		}
		return "an absolute link outside the data folder"
	}
	if joined := path.Join(path.Dir(name), target); joined != "." && !filepath.IsLocal(joined) {
		return "a relative link that climbs out of the data folder"
	}
	return ""
}

// resolveOutside resolves the link at name through the archive's other links, as the kernel
// would once they exist, and tells how it leaves the folder, or "" when it stays inside (a
// dangling link stays inside).
func resolveOutside(links map[string]string, name, root string) string {
	var done []string
	rest := strings.Split(name, "/")
	for hops := 0; len(rest) > 0; {
		p := rest[0]
		rest = rest[1:]
		switch p {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "it resolves outside the data folder through the archive's other links"
			}
			done = done[:len(done)-1]
			continue
		}
		done = append(done, p)
		target, ok := links[strings.Join(done, "/")]
		if !ok {
			continue
		}
		if hops++; hops > maxLinkHops {
			return "its chain of links does not end (a loop)"
		}
		done = done[:len(done)-1]
		if filepath.IsAbs(target) {
			if root == "" || !within(root, target) {
				return "it resolves outside the data folder, to " + target + ", through the archive's other links"
			}
			rel, _ := filepath.Rel(root, target)
			done = nil
			target = filepath.ToSlash(rel)
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return ""
}

func (x *extractor) symlink(name string, hdr *tar.Header) error {
	target := hdr.Linkname
	if target == "" || strings.ContainsRune(target, 0) {
		return unsafe(hdr.Name, "symbolic link with an empty or invalid target")
	}
	if !x.opts.AllowExternalSymlinks {
		if reason := linkOutside(name, target, x.target, x.opts.SourceRoot); reason != "" {
			return unsafe(hdr.Name, "symbolic link to %q points outside the target (%s)", target, reason)
		}
		if !filepath.IsAbs(target) {
			x.links = append(x.links, name)
		}
	}
	if err := x.root.Symlink(target, name); err != nil {
		return fmt.Errorf("create symbolic link %s: %w", name, err)
	}
	x.created(name, kindSymlink)
	if x.owner {
		if err := x.root.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("set owner of %s: %w", name, err)
		}
	}
	return x.linkTimes(name, accessTime(hdr), hdr.ModTime)
}

// within tells whether the absolute path p is base or below it.
func within(base, p string) bool {
	rel, err := filepath.Rel(base, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

func (x *extractor) hardLink(name string, hdr *tar.Header) (string, error) {
	old, err := x.localName(hdr.Linkname)
	if err != nil {
		return "", unsafe(hdr.Name, "hard link target: %v", err)
	}
	if x.nodes[old] != kindFile {
		return "", unsafe(hdr.Name, "hard link to %q, which is not a file extracted before it", hdr.Linkname)
	}
	if err := x.root.Link(old, name); err != nil {
		return "", fmt.Errorf("create hard link %s: %w", name, err)
	}
	if x.opts.Observe != nil {
		x.opts.Observe.Link(name, old)
	}
	x.created(name, kindFile)
	return old, nil
}
