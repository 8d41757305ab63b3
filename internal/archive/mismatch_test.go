package archive_test

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

func TestMismatch(t *testing.T) {
	base := []archive.Entry{
		{Path: ".", Type: archive.TypeDir, Mode: 0o750},
		{Path: "a", Type: archive.TypeFile, Size: 3, XXH64: "aaaa"},
		{Path: "l", Type: archive.TypeSymlink, Link: "a"},
	}
	with := func(i int, f func(*archive.Entry)) []archive.Entry {
		out := append([]archive.Entry(nil), base...)
		f(&out[i])
		return out
	}
	for _, tc := range []struct {
		name string
		got  []archive.Entry
		want string
	}{
		{"same", with(0, func(e *archive.Entry) { e.Mode, e.UID = 0o700, 7 }), ""}, // modes and owners are not compared
		{"digest", with(1, func(e *archive.Entry) { e.XXH64 = "bbbb" }),
			`entry "a": the index says file of 3 bytes (xxh64 aaaa), the archive holds "a", file of 3 bytes (xxh64 bbbb)`},
		{"size", with(1, func(e *archive.Entry) { e.Size = 4 }),
			`entry "a": the index says file of 3 bytes (xxh64 aaaa), the archive holds "a", file of 4 bytes (xxh64 aaaa)`},
		{"path", with(1, func(e *archive.Entry) { e.Path = "b" }),
			`entry "a": the index says file of 3 bytes (xxh64 aaaa), the archive holds "b", file of 3 bytes (xxh64 aaaa)`},
		{"link", with(2, func(e *archive.Entry) { e.Link = "/etc" }),
			`entry "l": the index says symlink of 0 bytes (xxh64 ), the archive holds "l", symlink of 0 bytes (xxh64 )`},
		{"type", with(2, func(e *archive.Entry) { e.Type = archive.TypeFile }),
			`entry "l": the index says symlink of 0 bytes (xxh64 ), the archive holds "l", file of 0 bytes (xxh64 )`},
		{"fewer", base[:2], "the index lists 3 entries, the archive holds 2"},
		{"more", append(append([]archive.Entry(nil), base...), archive.Entry{Path: "z", Type: archive.TypeFile}), "the index lists 3 entries, the archive holds 4"},
	} {
		if got := archive.Mismatch(base, tc.got, "the index", "the archive"); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
