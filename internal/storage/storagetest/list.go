package storagetest

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

func testList(t *testing.T, s storage.Store) {
	keys := []string{"z", "b/2", "a/sub/deep", "a/10", "a-x", "ab/c", "a/1", "b/1", "a.b/c", "a/1x/y"}
	for i, key := range keys {
		put(t, s, key, randomBytes(i, uint64(i)))
	}
	// Sorted by key bytes: '-' < '.' < '/' < '1' < 'b'.
	wantKeys(t, s, "", "a-x", "a.b/c", "a/1", "a/10", "a/1x/y", "a/sub/deep", "ab/c", "b/1", "b/2", "z")
	cases := []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/1", "a/10", "a/1x/y", "a/sub/deep"}},
		{"a", []string{"a-x", "a.b/c", "a/1", "a/10", "a/1x/y", "a/sub/deep", "ab/c"}},
		{"a/1", []string{"a/1", "a/10", "a/1x/y"}}, // ends inside a segment
		{"a/1x", []string{"a/1x/y"}},               // names a folder, no slash
		{"a/s", []string{"a/sub/deep"}},            // partial folder name
		{"a/sub/deep", []string{"a/sub/deep"}},     // a whole key
		{"a/sub/deep/", nil},                       // below a blob
		{"a/sub/dee", []string{"a/sub/deep"}},      // partial last segment, deeper
		{"b", []string{"b/1", "b/2"}},              //
		{"b/", []string{"b/1", "b/2"}},             //
		{"c", nil},                                 // nothing
		{"no/such/folder/", nil},                   //
		{"z", []string{"z"}},                       //
		{"z/", nil},                                // below a blob
		{"a.", []string{"a.b/c"}},                  //
		{"a/.", nil},                               // a dot prefix is allowed
		{"a/sub/deep/and/more", nil},               //
	}
	for _, c := range cases {
		wantKeys(t, s, c.prefix, c.want...)
	}
	infos, err := s.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		for i, key := range keys {
			if key == info.Key && info.Size != int64(i) {
				t.Errorf("List: %s has %d bytes, want %d", key, info.Size, i)
			}
		}
	}
}

func testListEmpty(t *testing.T, s storage.Store) {
	for _, prefix := range []string{"", "a", "a/", "a/b"} {
		infos, err := s.List(t.Context(), prefix)
		if err != nil || len(infos) != 0 {
			t.Fatalf("List(%q) on an empty store = %+v, %v; want nothing, nil", prefix, infos, err)
		}
	}
}
