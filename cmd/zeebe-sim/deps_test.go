package main

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Dependencies are pinned to released versions. A pre-release (v1.79.0-dev) or a pseudo-version
// is allowed only for a module that has no release to pin: those are listed here with the
// reason.
var noRelease = map[string]string{
	"github.com/asaskevich/govalidator":         "no tagged release with a go.mod; required at this pseudo-version by ozzo-validation and the Zeebe Go client",
	"google.golang.org/genproto/googleapis/rpc": "published only as pseudo-versions",
	"github.com/pkg/browser":                    "no tagged release (go list -m -versions lists none); required at this pseudo-version by azidentity through MSAL's public-client package",
}

var (
	requireLine = regexp.MustCompile(`^\s*(?:require\s+)?([a-zA-Z0-9./_~-]+)\s+(v[0-9][^\s]*)`)
	pseudo      = regexp.MustCompile(`-(?:0\.)?[0-9]{14}-[0-9a-f]{12}$`)
)

func TestDependenciesAreReleases(t *testing.T) {
	f, err := os.Open("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inRequire, seen := false, 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "require ("):
			inRequire = true
			continue
		case inRequire && line == ")":
			inRequire = false
			continue
		case !inRequire && !strings.HasPrefix(line, "require "):
			continue
		}
		m := requireLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		seen++
		mod, version := m[1], strings.TrimSuffix(m[2], "+incompatible")
		_, pre, _ := strings.Cut(version, "-")
		if pre == "" {
			continue
		}
		if _, ok := noRelease[mod]; ok && pseudo.MatchString(version) {
			continue
		}
		t.Errorf("go.mod:%d: %s %s is not a release; pin a released version the module proxy serves (go list -m -versions %s)", n, mod, version, mod)
	}
	if seen < 5 {
		t.Fatalf("read only %d requirements from go.mod: the test no longer understands its format", seen)
	}
}
