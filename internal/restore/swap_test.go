package restore

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

// inFolderFixture is a data folder with lost+found, an older restore's folder and Zeebe's
// entries "old-a", "old-b", and a staging folder inside it with "new-a", "new-b".
func inFolderFixture(t *testing.T) (data string, l layout) {
	t.Helper()
	data = filepath.Join(t.TempDir(), "data")
	l = layoutOf(data, "x", true)
	for _, d := range []string{filepath.Join(data, workflow.LostFound), filepath.Join(data, workflow.InFolderPrevious+"older"), filepath.Join(data, "old-a"), filepath.Join(l.staging, "new-a")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(data, "old-b"), filepath.Join(l.staging, "new-b")} {
		if err := os.WriteFile(f, []byte(filepath.Base(f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return data, l
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	got, err := broker.Local{}.ReadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSwapInFolderAndRollBack(t *testing.T) {
	ctx := context.Background()
	h := broker.Local{}
	for _, stopAt := range []string{"", "moved out", "rollback interrupted"} {
		t.Run("stop at "+stopAt, func(t *testing.T) {
			data, l := inFolderFixture(t)
			rec := repo.OpBroker{DataDir: data, Staging: l.staging}
			update := func(fn func(*repo.OpBroker)) error { fn(&rec); return nil }
			switch stopAt {
			case "":
				if err := swapInFolder(ctx, h, data, l, update); err != nil {
					t.Fatal(err)
				}
				want := []string{workflow.InFolderPrevious + "older", workflow.InFolderPrevious + "x", workflow.LostFound, "new-a", "new-b"}
				if got := names(t, data); !slices.Equal(got, want) {
					t.Fatalf("after the swap %s holds %v, want %v", data, got, want)
				}
				if !rec.Swapped || !rec.MovedOut || rec.Staging != "" || rec.Previous != l.previous {
					t.Fatalf("record after the swap: %+v", rec)
				}
			case "moved out", "rollback interrupted":
				// The previous entries are out, one restored entry is in: a kill here.
				if err := h.Mkdir(ctx, l.previous, 0o700); err != nil {
					t.Fatal(err)
				}
				rec.Previous, rec.InFolder = l.previous, true
				for _, n := range []string{"old-a", "old-b"} {
					if err := os.Rename(filepath.Join(data, n), filepath.Join(l.previous, n)); err != nil {
						t.Fatal(err)
					}
				}
				rec.MovedOut = true
				if err := os.Rename(filepath.Join(l.staging, "new-a"), filepath.Join(data, "new-a")); err != nil {
					t.Fatal(err)
				}
			}
			if stopAt == "rollback interrupted" {
				// A first rollback took the restored entry out, recorded it, and put one
				// previous entry back before it was killed.
				if err := os.MkdirAll(l.failed, 0o700); err != nil {
					t.Fatal(err)
				}
				os.Rename(filepath.Join(data, "new-a"), filepath.Join(l.failed, "new-a"))
				rec.MovedOut = false
				os.Rename(filepath.Join(l.previous, "old-a"), filepath.Join(data, "old-a"))
			}
			if err := rollbackOne(ctx, h, derived{dataDir: data, layout: l}, rec, update); err != nil {
				t.Fatal(err)
			}
			want := []string{workflow.InFolderFailed + "x", workflow.InFolderPrevious + "older", workflow.LostFound, "old-a", "old-b"}
			if got := names(t, data); !slices.Equal(got, want) {
				t.Fatalf("after the rollback %s holds %v, want %v", data, got, want)
			}
			if got := names(t, l.failed); !slices.Contains(got, "new-a") {
				t.Errorf("the restored data taken out is not kept in %s: %v", l.failed, got)
			}
			if rec.Previous != "" || rec.InFolder || rec.MovedOut || rec.Swapped || rec.Staging != "" {
				t.Errorf("record after the rollback: %+v", rec)
			}
		})
	}
}

// A folder at the previous data's path that appeared after the pre-flight is never taken for the
// previous data: nothing moves, and the record names no previous data for a rollback to bring
// back.
func TestSwapBesideRefusesATakenPreviousPath(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	l := layoutOf(data, "x", false)
	for _, d := range []string{data, l.staging, l.previous} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(data, "live"), filepath.Join(l.previous, "stranger")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec := repo.OpBroker{DataDir: data, Staging: l.staging}
	update := func(fn func(*repo.OpBroker)) error { fn(&rec); return nil }
	err := swapBeside(ctx, broker.Local{}, data, l, update)
	if err == nil {
		t.Fatal("the swap went on with a folder at the previous data's path")
	}
	if rec.Previous != "" || rec.Swapped {
		t.Fatalf("the record says previous %q, swapped %v: a rollback would take %s for the previous data", rec.Previous, rec.Swapped, l.previous)
	}
	if got := names(t, data); !slices.Equal(got, []string{"live"}) {
		t.Fatalf("%s holds %v, want its live data untouched", data, got)
	}
}
