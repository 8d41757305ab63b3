package repo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// oversizedJSON is a JSON object of more than size bytes whose one value is the secret.
func oversizedJSON(size int) string {
	return `{"id":"` + strings.Repeat(limitstest.Secret, size/len(limitstest.Secret)+1) + `"}`
}

func wantExceeded(t *testing.T, err error, what string) {
	t.Helper()
	var le *limits.Error
	if !errors.As(err, &le) || !strings.Contains(le.What, what) {
		t.Fatalf("err = %.300v; want the limit on %s", err, what)
	}
	if msg := err.Error(); len(msg) > 400 || strings.Contains(msg, limitstest.Secret) {
		t.Fatalf("message of %d bytes: %.400s", len(msg), msg)
	}
}

// Manifests, indexes and the lock that are too large or too deep are refused without being
// decoded, and the messages do not echo them.
func TestHostileRepositoryJSONIsRefused(t *testing.T) {
	ctx := context.Background()
	put := func(r *repo.Repo, key, s string) {
		t.Helper()
		if _, err := r.Store().Put(ctx, key, strings.NewReader(s)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ name, body, what string }{
		{"big", "", "size"},
		{"deep", limitstest.DeepJSON(limits.MaxJSONDepth + 1), "nesting depth"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := repo.Open(mem.New())
			body := func(size int) string {
				if c.body != "" {
					return c.body
				}
				return oversizedJSON(size)
			}
			put(r, repo.Key("b", "manifest.json"), body(limits.MaxManifestBytes))
			_, err := r.Manifest(ctx, "b")
			wantExceeded(t, err, c.what+" of the manifest")
			if !strings.Contains(err.Error(), "zeebe-backup-b/manifest.json") {
				t.Errorf("the message does not name the manifest: %v", err)
			}
			list, err := r.List(ctx)
			if err != nil || len(list) != 1 || list[0].Err == nil {
				t.Fatalf("List = %+v, %v; want the backup listed with its error", list, err)
			}

			put(r, repo.Key("b", repo.IndexName(0)), body(limits.MaxIndexBytes))
			_, err = r.Index(ctx, "b", 0)
			wantExceeded(t, err, c.what+" of the index")

			put(r, "lock.json", body(limits.MaxLockBytes))
			_, err = r.ReadLock(ctx)
			wantExceeded(t, err, c.what+" of the lock")
			err = r.Acquire(ctx, repo.Lock{Holder: repo.Holder{Command: "test"}})
			if !errors.Is(err, repo.ErrLocked) || len(err.Error()) > 600 || strings.Contains(err.Error(), limitstest.Secret) {
				t.Fatalf("Acquire: %.600v", err)
			}
		})
	}
}

func TestReadLockStopsWhenCancelled(t *testing.T) {
	r := repo.Open(mem.New())
	if err := r.Acquire(context.Background(), repo.Lock{Holder: repo.Holder{Command: "test"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.ReadLock(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
