package archive_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// tool runs an external program and fails the test (never skips it) when the program is missing
// or fails: a skipped interop test would hide a broken install step.
func tool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (run 'make deps'): %v", name, err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	} else if len(out) > 0 {
		t.Logf("%s %v said:\n%s", name, args, out)
	}
}

func TestGNUTarAndBsdtarExtractOurArchives(t *testing.T) {
	for _, c := range archive.Compressions {
		t.Run(string(c), func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "data")
			want := buildDataTree(t, src)
			name, _ := writeArchive(t, src, c)

			gnu := filepath.Join(t.TempDir(), "gnu")
			os.Mkdir(gnu, 0o700)
			tool(t, gnu, "tar", "--numeric-owner", "-xaf", name)
			sameTree(t, want, gnu)

			bsd := filepath.Join(t.TempDir(), "bsd")
			os.Mkdir(bsd, 0o700)
			tool(t, bsd, "bsdtar", "--numeric-owner", "-xpf", name)
			// bsdtar leaves the times of the folder it extracts into ("./") alone.
			got, err := testtree.Take(bsd, testtree.Options{SkipRootTimes: true})
			if err != nil {
				t.Fatal(err)
			}
			wantBsd := maps.Clone(want)
			root := wantBsd["."]
			root.ModTime = 0
			wantBsd["."] = root
			if d := testtree.Diff(wantBsd, got, os.Geteuid() == 0); len(d) > 0 {
				t.Fatalf("bsdtar's extraction differs:\n%s", testtree.DiffString(d))
			}
		})
	}
}

// secondsOnly drops sub-second modification times, which GNU tar's default format cannot hold.
func secondsOnly(s testtree.Snapshot) testtree.Snapshot {
	out := make(testtree.Snapshot, len(s))
	for k, v := range s {
		v.ModTime -= v.ModTime % 1e9
		out[k] = v
	}
	return out
}

func TestWeExtractArchivesMadeByHand(t *testing.T) {
	type maker struct {
		name  string
		exact bool // keeps nanosecond times
		args  func(archive string, c archive.Compression) []string
	}
	// bsdtar's -a also chooses the format from the name, overriding --format: name the filter.
	bsdFilter := map[archive.Compression][]string{archive.Zstd: {"--zstd"}, archive.Gzip: {"-z"}, archive.None: nil}
	makers := []maker{
		{"gnu-tar-pax", true, func(a string, _ archive.Compression) []string {
			return []string{"tar", "--format=posix", "-caf", a, "."}
		}},
		{"gnu-tar-default", false, func(a string, _ archive.Compression) []string { return []string{"tar", "-caf", a, "."} }},
		{"bsdtar-pax", true, func(a string, c archive.Compression) []string {
			return append(append([]string{"bsdtar", "--format", "pax"}, bsdFilter[c]...), "-cf", a, ".")
		}},
		{"bsdtar-default", false, func(a string, _ archive.Compression) []string { return []string{"bsdtar", "-acf", a, "."} }},
	}
	for _, m := range makers {
		for _, c := range archive.Compressions {
			t.Run(m.name+"/"+string(c), func(t *testing.T) {
				src := filepath.Join(t.TempDir(), "data")
				want := buildDataTree(t, src)
				name := filepath.Join(t.TempDir(), "hand"+c.Ext())
				args := m.args(name, c)
				tool(t, src, args[0], args[1:]...)

				dst := filepath.Join(t.TempDir(), "restored")
				sum, err := extractFile(t, name, dst, archive.ExtractOptions{SourceRoot: src})
				if err != nil {
					t.Fatal(err)
				}
				if sum.Compression != c {
					t.Errorf("detected %s, want %s", sum.Compression, c)
				}
				got := snapshot(t, dst)
				if !m.exact {
					want, got = secondsOnly(want), secondsOnly(got)
				}
				if d := testtree.Diff(want, got, os.Geteuid() == 0); len(d) > 0 {
					t.Fatalf("differs:\n%s", testtree.DiffString(d))
				}
			})
		}
	}
}

// The documented hand procedure archives the folder itself: "tar caf backup.tar.gz data/".
func TestStripComponentsReadsTheDocumentedHandBackup(t *testing.T) {
	parent := t.TempDir()
	src := filepath.Join(parent, "data")
	want := buildDataTree(t, src)
	name := filepath.Join(t.TempDir(), "zeebe-broker-0-data.tar.gz")
	tool(t, parent, "tar", "--format=posix", "-caf", name, "data/")

	dst := filepath.Join(t.TempDir(), "restored")
	if _, err := extractFile(t, name, dst, archive.ExtractOptions{StripComponents: 1, SourceRoot: src}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, dst)
}

// A sparse file archived by GNU tar --sparse comes back fully allocated.
func TestSparseInputIsWrittenFullyAllocated(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	os.Mkdir(src, 0o755)
	f, err := os.Create(filepath.Join(src, "segment.log"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("head"), 0)
	f.WriteAt([]byte("tail"), 8<<20)
	f.Close()
	want := snapshot(t, src)
	name := filepath.Join(t.TempDir(), "sparse.tar")
	tool(t, src, "tar", "--sparse", "--format=posix", "-cf", name, ".")

	dst := filepath.Join(t.TempDir(), "restored")
	if _, err := extractFile(t, name, dst, archive.ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, dst)
	assertNotSparse(t, dst)
}
