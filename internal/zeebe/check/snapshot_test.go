package check_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// Zeebe orders snapshots by index, processed position and exported position, not by term
// (§3.1): of two committed snapshots at one index, the one with the higher processed position is
// the newest even when the other has the higher term. Here the other is a copy of the snapshot
// under an id whose positions are not those of its zeebe.metadata: checked as the newest, it
// would be an error.
func TestSnapshotOrderIgnoresTerm(t *testing.T) {
	dir := copyData(t, simData(t, simSpec{Version: "8.5.3"})[0])
	snap := glob(t, dir, p1+"/snapshots/*-*-*-*[0-9]")
	id, err := zeebe.ParseSnapshotID(filepath.Base(snap))
	if err != nil {
		t.Fatal(err)
	}
	other := fmt.Sprintf("%d-%d-%d-%d", id.Index, id.Term+1, id.ProcessedPosition-1, id.ExportedPosition)
	copyDir(t, snap, filepath.Join(filepath.Dir(snap), other))
	sum := mustRead(t, snap+".checksum")
	if err := os.WriteFile(filepath.Join(filepath.Dir(snap), other+".checksum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := inspect(t, dir, oneBroker)
	if fs := serious(rep); len(fs) > 0 {
		t.Fatalf("findings:%s", describe(fs))
	}
	extra := rel(t, dir, filepath.Join(filepath.Dir(snap), other))
	if !slices.ContainsFunc(rep.Findings, func(f check.Finding) bool { return f.Check == "snapshot.extra" && f.File == extra }) {
		t.Errorf("want snapshot.extra for %s, got%s", extra, describe(rep.Findings))
	}
	if got := rep.Partitions[0].Snapshot.ID; got != filepath.Base(snap) {
		t.Errorf("newest snapshot %s, want %s", got, filepath.Base(snap))
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(to, e.Name()), mustRead(t, filepath.Join(from, e.Name())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
