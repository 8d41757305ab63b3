package repo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/faulty"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// deletions records the keys a store deletes, in order.
type deletions struct {
	storage.Store
	mu   sync.Mutex
	keys []string
}

func (d *deletions) Delete(ctx context.Context, key string) error {
	d.mu.Lock()
	d.keys = append(d.keys, key)
	d.mu.Unlock()
	return d.Store.Delete(ctx, key)
}

// storeBackup stores a complete backup of one broker under id, with a file whose key sorts
// before the manifest's (so that listing order alone never puts the manifest first).
func storeBackup(t *testing.T, r *repo.Repo, id string, taken time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"0-notes.txt", "zeebe-broker-0-config.yml", "zeebe-broker-0-data.tar.zst", "zeebe-broker-0-index.json"} {
		if _, err := r.Put(ctx, id, name, strings.NewReader(name+" of "+id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Commit(ctx, &repo.Manifest{ID: id, Times: repo.Times{StopRequested: taken, Committed: taken}}); err != nil {
		t.Fatal(err)
	}
}

func listed(t *testing.T, r *repo.Repo) []string {
	t.Helper()
	l, err := r.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range l {
		ids = append(ids, b.Manifest.ID)
	}
	return ids
}

func TestDeleteRemovesTheManifestFirst(t *testing.T) {
	ctx := context.Background()
	d := &deletions{Store: mem.New()}
	r := repo.Open(d)
	storeBackup(t, r, "x", time.Now())
	storeBackup(t, r, "y", time.Now())
	got, err := r.Delete(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if got.Incomplete || got.Objects != 5 {
		t.Errorf("Delete = %+v; want a complete backup of 5 objects", got)
	}
	if len(d.keys) != 5 || d.keys[0] != "zeebe-backup-x/manifest.json" {
		t.Errorf("deleted %q; the manifest must go first, then the 4 other files", d.keys)
	}
	if ids := listed(t, r); !slices.Equal(ids, []string{"y"}) {
		t.Errorf("listed %v after deleting x; want [y]", ids)
	}
	if exists, _ := r.Exists(ctx, "x"); exists {
		t.Error("x still has files")
	}
	if _, err := r.Delete(ctx, "x"); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("deleting x again: %v; want ErrNotFound", err)
	}
}

// A delete cut short after the manifest went leaves an incomplete folder: never listed, kept
// by prune while it is recent, removed by prune once older than the threshold, or by
// deleting the id again.
func TestDeleteCutShortLeavesAnIncompleteFolderPruneRemoves(t *testing.T) {
	ctx := context.Background()
	fs := faulty.New(mem.New())
	r := repo.Open(fs)
	storeBackup(t, r, "x", time.Now())
	storeBackup(t, r, "y", time.Now())
	fs.Add(faulty.Fault{Op: faulty.OpDelete, Key: "zeebe-backup-x/0-notes.txt"})
	if _, err := r.Delete(ctx, "x"); !errors.Is(err, faulty.ErrInjected) || !strings.Contains(err.Error(), "run the delete again") {
		t.Fatalf("Delete with a failing store: %v", err)
	}
	fs.Clear()
	if ids := listed(t, r); !slices.Equal(ids, []string{"y"}) {
		t.Fatalf("listed %v; a backup whose manifest was deleted must not be listed", ids)
	}
	inc, err := r.IncompleteFolders(ctx)
	if err != nil || len(inc) != 1 || inc[0].ID != "x" || inc[0].Objects != 1 {
		t.Fatalf("incomplete folders %+v, %v; want x with its 1 remaining file (the delete goes on after a failure: the manifest and the others are gone)", inc, err)
	}
	now := inc[0].Newest
	pruned, err := r.Prune(ctx, nil, inc, 24*time.Hour, now.Add(time.Hour))
	if err != nil || len(pruned.Incomplete) != 0 {
		t.Fatalf("prune at 1h removed %+v (%v); a recent incomplete folder is kept", pruned, err)
	}
	pruned, err = r.Prune(ctx, nil, inc, 24*time.Hour, now.Add(25*time.Hour))
	if err != nil || !slices.Equal(pruned.Incomplete, []string{"x"}) {
		t.Fatalf("prune at 25h: %+v, %v; want x removed", pruned, err)
	}
	if exists, _ := r.Exists(ctx, "x"); exists {
		t.Error("x still has files after prune")
	}
	if ids := listed(t, r); !slices.Equal(ids, []string{"y"}) {
		t.Errorf("listed %v after prune; y must stay", ids)
	}
}

// A folder the lock's unfinished operation owns is never removable, however old.
func TestIncompleteFolderOfAnUnfinishedOperationIsKept(t *testing.T) {
	ctx := context.Background()
	r := repo.Open(mem.New())
	if _, err := r.Put(ctx, "z", "zeebe-broker-0-data.tar.zst", strings.NewReader("part")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Begin(ctx, repo.Holder{Host: "elsewhere", PID: 1, Since: time.Now()}, repo.Operation{Kind: "backup", ID: "z", Folder: repo.Folder("z")}); err != nil {
		t.Fatal(err)
	}
	inc, err := r.IncompleteFolders(ctx)
	if err != nil || len(inc) != 1 || inc[0].Owner == "" {
		t.Fatalf("incomplete %+v, %v; want z owned by the unfinished backup", inc, err)
	}
	if inc[0].Removable(time.Hour, time.Now().Add(1000*time.Hour)) {
		t.Error("an owned folder is removable")
	}
}

func TestCopyToVerifiesAndWritesTheManifestLast(t *testing.T) {
	ctx := context.Background()
	src, dstStore := repo.Open(mem.New()), &deletions{Store: mem.New()}
	dst := repo.Open(dstStore)
	storeBackup(t, src, "x", time.Now())
	var checked bool
	check := func(ctx context.Context, m *repo.Manifest) error {
		// The manifest is not there yet while the copy is checked.
		if _, err := dst.Manifest(ctx, m.ID); !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("the manifest was written before the check: %v", err)
		}
		checked = true
		return nil
	}
	res, err := src.CopyTo(ctx, dst, "x", check, nil)
	if err != nil || !checked || res.Objects != 5 {
		t.Fatalf("CopyTo = %+v, %v (checked %v)", res, err, checked)
	}
	if ids := listed(t, dst); !slices.Equal(ids, []string{"x"}) {
		t.Errorf("destination lists %v", ids)
	}
	for _, name := range []string{"manifest.json", "zeebe-broker-0-data.tar.zst"} {
		a, b := readAll(t, src, "x", name), readAll(t, dst, "x", name)
		if a != b {
			t.Errorf("%s differs: %q vs %q", name, a, b)
		}
	}
	if _, err := src.CopyTo(ctx, dst, "x", check, nil); !errors.Is(err, repo.ErrExistsThere) {
		t.Errorf("copying x again: %v; want ErrExistsThere", err)
	}

	// A failing check leaves nothing at the destination.
	storeBackup(t, src, "w", time.Now())
	if _, err := src.CopyTo(ctx, dst, "w", func(context.Context, *repo.Manifest) error { return errors.New("sha mismatch") }, nil); err == nil || !strings.Contains(err.Error(), "sha mismatch") {
		t.Fatalf("CopyTo with a failing check: %v", err)
	}
	if exists, _ := dst.Exists(ctx, "w"); exists {
		t.Error("a copy that failed verification left files")
	}
}

func readAll(t *testing.T, r *repo.Repo, id, name string) string {
	t.Helper()
	rc, err := r.Get(context.Background(), id, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := rc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// A source whose file does not have its manifest's SHA-256 is not copied.
func TestCopyToRefusesADamagedSource(t *testing.T) {
	ctx := context.Background()
	src, dst := repo.Open(mem.New()), repo.Open(mem.New())
	if _, err := src.Put(ctx, "v", "zeebe-broker-0-data.tar.zst", strings.NewReader("bytes")); err != nil {
		t.Fatal(err)
	}
	m := &repo.Manifest{ID: "v", Brokers: []repo.BrokerRecord{{Archive: "zeebe-broker-0-data.tar.zst", ArchiveSHA256: strings.Repeat("0", 64)}}}
	if err := src.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	_, err := src.CopyTo(ctx, dst, "v", func(context.Context, *repo.Manifest) error { return nil }, nil)
	if err == nil || !strings.Contains(err.Error(), "the backup is damaged") {
		t.Fatalf("CopyTo of a damaged backup: %v", err)
	}
	if exists, _ := dst.Exists(ctx, "v"); exists {
		t.Error("the copy of a damaged backup left files")
	}
}
