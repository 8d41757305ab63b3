package local_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSymlinkEscape plants symbolic links in the root that point outside it and checks that
// nothing is written, read or removed there through them.
func TestSymlinkEscape(t *testing.T) {
	outside := t.TempDir()
	root := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(root, outside)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"abs": outside, "rel": rel, "filelink": secret}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(t, root)
	ctx := t.Context()

	for _, link := range []string{"abs", "rel"} {
		for _, key := range []string{link + "/x", link + "/new/deep/x", link + "/secret"} {
			if _, err := s.Put(ctx, key, bytes.NewReader([]byte("in"))); err == nil {
				t.Errorf("Put(%q) through a link out of the root succeeded", key)
			}
			if _, err := s.PutIfAbsent(ctx, key+"-lock", bytes.NewReader([]byte("in"))); err == nil {
				t.Errorf("PutIfAbsent(%q) through a link out of the root succeeded", key)
			}
		}
		key := link + "/secret"
		if rc, err := s.Get(ctx, key); err == nil {
			data, _ := io.ReadAll(rc)
			rc.Close()
			t.Errorf("Get(%q) read %q from outside the root", key, data)
		}
		if info, err := s.Stat(ctx, key); err == nil {
			t.Errorf("Stat(%q) described %+v outside the root", key, info)
		}
		s.Delete(ctx, key) // may fail; must not remove anything outside
		if infos, err := s.List(ctx, link+"/"); err == nil && len(infos) > 0 {
			t.Errorf("List(%q) = %+v, listed outside the root", link+"/", infos)
		}
	}

	// A link to a file outside is no blob; Put replaces the link itself.
	if _, err := s.Get(ctx, "filelink"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get(filelink) error = %v, want fs.ErrNotExist", err)
	}
	if err := s.Delete(ctx, "filelink"); err != nil {
		t.Errorf("Delete(filelink): %v", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "filelink")); err != nil {
		t.Errorf("Delete removed a symbolic link it does not own: %v", err)
	}
	if _, err := s.PutIfAbsent(ctx, "filelink", bytes.NewReader([]byte("in"))); err == nil {
		t.Errorf("PutIfAbsent over a symbolic link succeeded")
	}
	if _, err := s.Put(ctx, "filelink", bytes.NewReader([]byte("in"))); err != nil {
		t.Errorf("Put(filelink): %v", err)
	}

	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, info := range infos {
		if info.Key != "filelink" {
			t.Errorf("List shows %q", info.Key)
		}
	}
	if got := tree(t, outside); strings.Join(got, ",") != "secret" {
		t.Errorf("outside the root: %q, want only the untouched secret", got)
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != "outside" {
		t.Errorf("secret outside the root = %q, %v; want it untouched", data, err)
	}
}

// TestSymlinkInsideRoot plants symbolic links inside the root that point to another folder
// inside it (zeebe-backup-evil -> zeebe-backup-sec1j, and one deeper) and checks that no
// operation follows them: nothing is written, read or removed through them, so one key can
// never be made another's by whoever can write to the repository.
func TestSymlinkInsideRoot(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	ctx := t.Context()
	for _, k := range []string{"zeebe-backup-sec1j/manifest.json", "zeebe-backup-other/sub/file"} {
		if _, err := s.Put(ctx, k, bytes.NewReader([]byte("original"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("zeebe-backup-sec1j", filepath.Join(root, "zeebe-backup-evil")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../zeebe-backup-sec1j", filepath.Join(root, "zeebe-backup-other", "alias")); err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)

	for _, key := range []string{"zeebe-backup-evil/manifest.json", "zeebe-backup-evil/new/deep", "zeebe-backup-other/alias/manifest.json"} {
		if _, err := s.Put(ctx, key, bytes.NewReader([]byte("forged"))); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("Put(%q) through a link inside the root: %v, want a refusal naming the link", key, err)
		}
		if _, err := s.PutIfAbsent(ctx, key+"-lock", bytes.NewReader([]byte("forged"))); err == nil {
			t.Errorf("PutIfAbsent(%q) through a link inside the root succeeded", key)
		}
		if rc, err := s.Get(ctx, key); !errors.Is(err, fs.ErrNotExist) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Get(%q) through a link: %v, want fs.ErrNotExist", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%q) through a link: %v, want fs.ErrNotExist", key, err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q): %v", key, err)
		}
	}
	if infos, err := s.List(ctx, "zeebe-backup-evil/"); err != nil || len(infos) > 0 {
		t.Errorf("List through a link = %+v, %v; want nothing", infos, err)
	}
	if got := tree(t, root); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Errorf("the root changed:\n%q\nwant\n%q", got, before)
	}
	if data, err := os.ReadFile(filepath.Join(root, "zeebe-backup-sec1j", "manifest.json")); err != nil || string(data) != "original" {
		t.Errorf("the other backup's manifest = %q, %v; want it untouched", data, err)
	}
}
