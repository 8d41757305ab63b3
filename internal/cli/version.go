package cli

import "runtime/debug"

// Version is the tool's version when set at build time with
// -ldflags "-X github.com/zeebe-backup/zeebe-backup/internal/cli.Version=v1.2.3"; when empty,
// ToolVersion reads it from the build information Go records in the binary.
var Version string

// ToolVersion is the version of this binary: the -ldflags value, else the main module's
// version (a tagged release, or the pseudo-version Go derives from the VCS), else the VCS
// revision it was built from ("devel+<revision>", "+dirty" when the work tree had changes),
// else "devel".
func ToolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionFrom(Version, bi)
}

// versionFrom picks the version from the -ldflags value and the build information (nil when
// the binary has none).
func versionFrom(ldflags string, bi *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	if bi == nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	v := "devel+" + rev[:min(12, len(rev))]
	if dirty {
		v += "+dirty"
	}
	return v
}
