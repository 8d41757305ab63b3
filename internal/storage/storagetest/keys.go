package storagetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// InvalidKeys are keys every store refuses.
var InvalidKeys = []string{
	"", "/", "/abs", "a/", "a//b", ".", "..", "./a", "a/.", "a/./b", "../a", "a/..", "a/../b",
	`a\b`, "a\x00b", "\xff\xfe", ".tmp-x", "a/.tmp-1234/b", "a/.tmp-",
	strings.Repeat("k", storage.MaxSegmentLen+1),
	strings.Repeat("a/", storage.MaxKeyLen/2) + "a",
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, key := range InvalidKeys {
		if err := storage.ValidKey(key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want an error wrapping storage.ErrInvalidKey", key, err)
		}
		for name, putFn := range puts(s) {
			if _, err := putFn(ctx, key, bytes.NewReader([]byte("x"))); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("%s(%q) error = %v, want one wrapping storage.ErrInvalidKey", name, key, err)
			}
		}
		if rc, err := s.Get(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Get(%q) error = %v, want one wrapping storage.ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want one wrapping storage.ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want one wrapping storage.ErrInvalidKey", key, err)
		}
	}
	wantKeys(t, s, "")
}

// InvalidPrefixes are List prefixes every store refuses.
var InvalidPrefixes = []string{"/", "/a", "a//", "a//b", "../", "a/../", "./", `a\`, "a\x00", "\xff", ".tmp-", "a/.tmp-x"}

func testInvalidPrefixes(t *testing.T, s storage.Store) {
	put(t, s, "a/b", []byte("x"))
	for _, prefix := range InvalidPrefixes {
		if err := storage.ValidPrefix(prefix); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidPrefix(%q) = %v, want an error wrapping storage.ErrInvalidKey", prefix, err)
		}
		if infos, err := s.List(t.Context(), prefix); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("List(%q) = %+v, %v; want an error wrapping storage.ErrInvalidKey", prefix, infos, err)
		}
	}
}

func testValidKeys(t *testing.T, s storage.Store) {
	long := strings.Repeat("s", storage.MaxSegmentLen)
	longest := strings.Repeat(strings.Repeat("s", 254)+"/", 4) + "tttt" // 1024 bytes
	keys := []string{
		"..a", "a..", ".hidden", ".tmp", "x/.tmpfoo", "tmp-x", "x/y.tmp-", "with space", "ünï/кл",
		"a:b@c+d=e,f;g~h", "%2F", long, longest,
	}
	for i, key := range keys {
		if err := storage.ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", key, err)
			continue
		}
		put(t, s, key, []byte{byte(i)})
	}
	for i, key := range keys {
		wantContent(t, s, key, []byte{byte(i)})
	}
	if got := listKeys(t, s, ""); len(got) != len(keys) {
		t.Errorf("List = %q, want the %d keys stored", got, len(keys))
	}
	for _, prefix := range []string{"x/.tmp", ".", "..", "x/.", "a:", "s/"} {
		if err := storage.ValidPrefix(prefix); err != nil {
			t.Errorf("ValidPrefix(%q) = %v, want nil", prefix, err)
		}
	}
	wantKeys(t, s, "x/.tmp", "x/.tmpfoo")
	wantKeys(t, s, "..", "..a")
	wantKeys(t, s, ".", "..a", ".hidden", ".tmp")
}

// testFileFolderConflict stores a key that is also the folder of another. Backends may
// refuse the second Put; whatever they do, both blobs stay whole and List tells the truth.
func testFileFolderConflict(t *testing.T, s storage.Store) {
	put(t, s, "a", []byte("file a"))
	_, errBelow := s.Put(t.Context(), "a/b", bytes.NewReader([]byte("below a")))
	put(t, s, "c/d", []byte("below c"))
	_, errAbove := s.Put(t.Context(), "c", bytes.NewReader([]byte("file c")))

	wantContent(t, s, "a", []byte("file a"))
	wantContent(t, s, "c/d", []byte("below c"))
	want := []string{"a"}
	if errBelow == nil {
		wantContent(t, s, "a/b", []byte("below a"))
		want = append(want, "a/b")
	} else {
		wantAbsent(t, s, "a/b")
	}
	if errAbove == nil {
		wantContent(t, s, "c", []byte("file c"))
		want = append(want, "c")
	} else {
		wantAbsent(t, s, "c")
	}
	wantKeys(t, s, "", append(want, "c/d")...)
}
