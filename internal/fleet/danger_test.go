package fleet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
)

func fleetOf(dirs ...string) *Fleet {
	f := &Fleet{}
	for i, d := range dirs {
		f.Members = append(f.Members, &Member{Broker: cluster.Broker{NodeID: i, Host: cluster.Local, DataDir: d}, Host: broker.Local{}, DataDir: d})
	}
	return f
}

// Validate refuses a data folder that is a system folder, and one inside another broker's,
// links resolved; CheckRepository refuses a repository inside a data folder or holding one.
func TestDangerousDataFolders(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a, b, c := filepath.Join(root, "a"), filepath.Join(root, "a", "b"), filepath.Join(root, "c")
	for _, d := range []string{b, c} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dirs []string
		want string // "" = accepted
	}{
		{"separate", []string{a + "x", c}, ""},
		{"system folder", []string{"/etc", c}, "broker 0 (local): its data folder /etc is the system folder /etc"},
		{"root", []string{c, "/"}, "broker 1 (local): its data folder / is the system folder /"},
		{"inside another", []string{a, b}, "broker 1 (local): its data folder " + b + " is inside the data folder " + a + " of broker 0 (local)"},
		{"holding another", []string{b, a}, "broker 0 (local): its data folder " + b + " is inside the data folder " + a + " of broker 1 (local)"},
		{"inside through a link", []string{a, link}, "broker 1 (local): its data folder " + link + " (which resolves to " + b + ") is inside the data folder " + a},
		{"prefix is not inside", []string{a, a + "b"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fleetOf(tc.dirs...).Validate(ctx, false)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate(%v): %v", tc.dirs, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "give ")):
				t.Fatalf("Validate(%v): %v\nwant %q and the fix", tc.dirs, err, tc.want)
			}
		})
	}

	for _, tc := range []struct{ repo, want string }{
		{filepath.Join(root, "repo"), ""},
		{filepath.Join(a, "repo"), "the repository " + filepath.Join(a, "repo") + " is inside its data folder " + a},
		{a, "the repository " + a + " is inside its data folder " + a},
		{root, "its data folder " + a + " is inside the repository " + root},
		{filepath.Join(link, "repo"), "(which resolves to " + filepath.Join(b, "repo") + ") is inside its data folder " + a},
	} {
		f := fleetOf(a, c)
		if err := f.Validate(ctx, false); err != nil {
			t.Fatal(err)
		}
		err := f.CheckRepository(ctx, tc.repo)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckRepository(%s): %v", tc.repo, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "put the repository")):
			t.Errorf("CheckRepository(%s): %v\nwant %q and the fix", tc.repo, err, tc.want)
		}
	}
}
