package storagetest

import (
	"bytes"
	"testing"
	"testing/iotest"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

func testRoundTrip(t *testing.T, s storage.Store) {
	blobs := []struct {
		key  string
		data []byte
	}{
		{"empty", []byte{}},
		{"one/byte", []byte{0x42}},
		{"zeebe-backup-20261124T103000Z/broker-0/partition-1.tar.zst", randomBytes(5<<20+17, 1)},
	}
	before := time.Now()
	for _, b := range blobs {
		put(t, s, b.key, b.data)
	}
	for _, b := range blobs {
		wantContent(t, s, b.key, b.data)
		info, err := s.Stat(t.Context(), b.key)
		if err != nil {
			t.Fatalf("Stat(%q): %v", b.key, err)
		}
		if info.Key != b.key || info.Size != int64(len(b.data)) {
			t.Errorf("Stat(%q) = %q, %d bytes; want %q, %d bytes", b.key, info.Key, info.Size, b.key, len(b.data))
		}
		// Clocks of remote stores may differ a little, and file systems round.
		if info.ModTime.Before(before.Add(-time.Hour)) || info.ModTime.After(time.Now().Add(time.Hour)) {
			t.Errorf("Stat(%q).ModTime = %v, want about %v", b.key, info.ModTime, before)
		}
	}
}

func testRoundTripOddReaders(t *testing.T, s storage.Store) {
	data := randomBytes(100_000, 2)
	n, err := s.Put(t.Context(), "one-byte-reads", iotest.OneByteReader(bytes.NewReader(data[:3000])))
	if err != nil || n != 3000 {
		t.Fatalf("Put(one-byte reads) = %d, %v; want 3000, nil", n, err)
	}
	wantContent(t, s, "one-byte-reads", data[:3000])
	n, err = s.Put(t.Context(), "data-with-eof", iotest.DataErrReader(bytes.NewReader(data)))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Put(data with io.EOF) = %d, %v; want %d, nil", n, err, len(data))
	}
	wantContent(t, s, "data-with-eof", data)
	n, err = s.PutIfAbsent(t.Context(), "half-reads", iotest.HalfReader(bytes.NewReader(data)))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("PutIfAbsent(half reads) = %d, %v; want %d, nil", n, err, len(data))
	}
	wantContent(t, s, "half-reads", data)
}

func testOverwrite(t *testing.T, s storage.Store) {
	long, short := randomBytes(100_000, 3), []byte("short")
	put(t, s, "k", long)
	put(t, s, "k", short)
	wantContent(t, s, "k", short) // no tail of the longer blob left
	infos, err := s.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Key != "k" || infos[0].Size != int64(len(short)) {
		t.Fatalf("List after overwrite = %+v, want one blob k of %d bytes", infos, len(short))
	}
	put(t, s, "k", long)
	wantContent(t, s, "k", long)
	put(t, s, "k", nil)
	wantContent(t, s, "k", []byte{})
}

func testStatSizes(t *testing.T, s storage.Store) {
	sizes := map[string]int{"s/0": 0, "s/1": 1, "s/4095": 4095, "s/4096": 4096, "s/65537": 65537, "s/1000000": 1_000_000}
	for key, size := range sizes {
		put(t, s, key, randomBytes(size, uint64(size)))
	}
	infos, err := s.List(t.Context(), "s/")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(sizes) {
		t.Fatalf("List(s/) = %+v, want %d blobs", infos, len(sizes))
	}
	for _, info := range infos {
		if want := int64(sizes[info.Key]); info.Size != want {
			t.Errorf("List: %s has %d bytes, want %d", info.Key, info.Size, want)
		}
		if info.ModTime.IsZero() {
			t.Errorf("List: %s has no modification time", info.Key)
		}
		st, err := s.Stat(t.Context(), info.Key)
		if err != nil {
			t.Fatal(err)
		}
		if st.Key != info.Key || st.Size != info.Size {
			t.Errorf("Stat(%q) = %+v, List said %+v", info.Key, st, info)
		}
	}
}

func testNotExist(t *testing.T, s storage.Store) {
	wantAbsent(t, s, "no/such/key")
	put(t, s, "folder/blob", []byte("x"))
	put(t, s, "file", []byte("y"))
	wantAbsent(t, s, "folder")       // a folder of blobs is not a blob
	wantAbsent(t, s, "file/below")   // nothing is below a blob
	wantAbsent(t, s, "folder/blo")   // a prefix is not a blob
	wantAbsent(t, s, "folder/blobs") // nor a longer name
	if err := s.Delete(t.Context(), "folder"); err != nil {
		t.Fatalf("Delete(folder) = %v, want nil", err)
	}
	if err := s.Delete(t.Context(), "file/below"); err != nil {
		t.Fatalf("Delete(file/below) = %v, want nil", err)
	}
	wantContent(t, s, "folder/blob", []byte("x"))
	wantContent(t, s, "file", []byte("y"))
}

func testDelete(t *testing.T, s storage.Store) {
	put(t, s, "a/b/c", []byte("c"))
	put(t, s, "a/x", []byte("x"))
	put(t, s, "a/b/c2", []byte("c2"))
	for range 2 { // idempotent
		if err := s.Delete(t.Context(), "a/b/c"); err != nil {
			t.Fatalf("Delete(a/b/c): %v", err)
		}
		wantAbsent(t, s, "a/b/c")
		wantKeys(t, s, "", "a/b/c2", "a/x")
	}
	if err := s.Delete(t.Context(), "never/stored"); err != nil {
		t.Fatalf("Delete(never/stored) = %v, want nil", err)
	}
	for _, key := range []string{"a/b/c2", "a/x"} {
		if err := s.Delete(t.Context(), key); err != nil {
			t.Fatalf("Delete(%q): %v", key, err)
		}
	}
	wantKeys(t, s, "")
	put(t, s, "a/b/c", []byte("again"))
	wantContent(t, s, "a/b/c", []byte("again"))
	if err := s.Delete(t.Context(), "a/b/c"); err != nil {
		t.Fatal(err)
	}
	// Once no key is below "a", "a" can be a blob: Delete leaves no folder behind.
	put(t, s, "a", []byte("a is a blob now"))
	wantContent(t, s, "a", []byte("a is a blob now"))
	wantKeys(t, s, "", "a")
}
