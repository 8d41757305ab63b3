package sim

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// snapshot is a committed snapshot: a folder with its .checksum file beside it.
type snapshot struct {
	id    zeebe.SnapshotID
	dir   string
	state State
}

func checksumPath(dir string) string { return dir + ".checksum" }

// compareIDs orders snapshot ids as Zeebe does: index, term, processed, exported.
func compareIDs(a, b zeebe.SnapshotID) int {
	return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Term, b.Term),
		cmp.Compare(a.ProcessedPosition, b.ProcessedPosition), cmp.Compare(a.ExportedPosition, b.ExportedPosition))
}

// recoverSnapshots does what Zeebe's snapshot store does at startup (§3.2): partial snapshots
// (no .checksum), temporary checksum files and transient folders are deleted; the newest
// snapshot whose files match its checksum file is the latest; every other entry is deleted.
// A snapshot that does not match is skipped with a warning, as Zeebe does; when none is valid,
// nothing is deleted. pending/ is purged.
func recoverSnapshots(l zeebe.Layout, partDir string, warn func(string, ...any)) (*snapshot, error) {
	os.RemoveAll(filepath.Join(partDir, "pending"))
	dir := filepath.Join(partDir, "snapshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var candidates []zeebe.SnapshotID
	for _, e := range entries {
		name := e.Name()
		if id, ok := strings.CutSuffix(name, ".checksum"); ok {
			if sid, err := zeebe.ParseSnapshotID(id); err == nil {
				if fi, err := os.Stat(filepath.Join(dir, id)); err == nil && fi.IsDir() {
					candidates = append(candidates, sid)
				}
			}
		}
	}
	slices.SortFunc(candidates, func(a, b zeebe.SnapshotID) int { return compareIDs(b, a) })
	var latest *snapshot
	for _, id := range candidates {
		s, err := loadSnapshot(l, filepath.Join(dir, id.String()), id)
		if err != nil {
			warn("Expected snapshot %s to match its checksum file, but it does not (%v); the snapshot is most likely corrupted. The startup will fail if there is no other valid snapshot and the log has been compacted.", id, err)
			continue
		}
		latest = s
		break
	}
	if latest == nil {
		return nil, nil
	}
	keep := map[string]bool{filepath.Base(latest.dir): true, filepath.Base(checksumPath(latest.dir)): true}
	for _, e := range entries {
		if !keep[e.Name()] {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return latest, nil
}

// loadSnapshot verifies a committed snapshot against its checksum file and reads its state.
func loadSnapshot(l zeebe.Layout, dir string, id zeebe.SnapshotID) (*snapshot, error) {
	raw, err := os.ReadFile(checksumPath(dir))
	if err != nil {
		return nil, err
	}
	sfv, err := zeebe.ParseSFV(raw)
	if err != nil {
		return nil, fmt.Errorf("checksum file: %w", err)
	}
	files, err := fileCRCs(dir)
	if err != nil {
		return nil, err
	}
	if l.SnapshotFileCheck || !sfv.Legacy && !sfv.HasCombined {
		if !maps.Equal(files, sfv.Files) {
			return nil, fmt.Errorf("files and checksums differ: on disk %s, in the checksum file %s", describe(files), describe(sfv.Files))
		}
	} else {
		// The combined value only (8.0-8.5.x); from 8.5.4 without the SSTs, whose damage
		// therefore goes unnoticed, as in Zeebe (§3.3).
		names := slices.Collect(maps.Keys(files))
		combined, _, err := zeebe.CombinedChecksum(names, func(n string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, n)) }, sstSkip(l))
		if err != nil {
			return nil, err
		}
		if combined != sfv.Combined {
			return nil, fmt.Errorf("combined checksum %x, the checksum file says %x", combined, sfv.Combined)
		}
	}
	s := &snapshot{id: id, dir: dir}
	for name := range files {
		if strings.HasSuffix(name, ".sst") {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return nil, err
			}
			if st, err := ParseStateSST(b); err == nil {
				s.state = st
				return s, nil
			}
		}
	}
	return nil, fmt.Errorf("no state table file")
}

// sstSkip leaves the SSTs out of the combined value in builds whose SST checksums come from
// RocksDB (§3.3); nil otherwise.
func sstSkip(l zeebe.Layout) func(string) bool {
	if !l.FullFileChecksums {
		return nil
	}
	return func(name string) bool { return strings.HasSuffix(name, ".sst") }
}

func describe(m map[string]uint32) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%x", k, m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// fileCRCs returns the CRC32C of every regular file in a snapshot folder.
func fileCRCs(dir string) (map[string]uint32, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]uint32, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = zeebe.CRC32C(b)
	}
	return out, nil
}

// checkpoint copies a RocksDB-like folder the way Checkpoint.createCheckpoint does: table files
// (*.sst) are hard-linked, the small files copied.
func checkpoint(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || name == zeebe.MetadataFile {
			continue
		}
		src, dst := filepath.Join(from, name), filepath.Join(to, name)
		if strings.HasSuffix(name, ".sst") {
			if err := os.Link(src, dst); err != nil {
				return err
			}
			continue
		}
		if err := copyFile(src, dst); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFrom(dst, in)
}

// commitSnapshot checkpoints the runtime folder into a new snapshot and commits it with its
// checksum file (§3.2): 8.8+ builds it in a transient folder and renames it to its id, which
// includes the files' checksum; earlier releases write straight into snapshots/<id>. The
// checksum file is written as <id>.checksum.tmp and renamed (8.3.2+).
func commitSnapshot(l zeebe.Layout, partDir, runtime string, id zeebe.SnapshotID, state State, lastFollowup int64) (*snapshot, error) {
	snaps := filepath.Join(partDir, "snapshots")
	build := filepath.Join(snaps, id.String())
	if id.Parts == 6 {
		var r [8]byte
		rand.Read(r[:])
		build = filepath.Join(snaps, "transient-"+hex.EncodeToString(r[:]))
	}
	if err := checkpoint(runtime, build); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	if l.ZeebeMetadata {
		meta := EncodeSnapshotMetadata(state.ProcessedPosition, id.ExportedPosition, lastFollowup)
		if err := os.WriteFile(filepath.Join(build, zeebe.MetadataFile), meta, 0o644); err != nil {
			return nil, err
		}
	}
	files, err := fileCRCs(build)
	if err != nil {
		return nil, err
	}
	if id.Parts == 6 {
		id.Checksum = zeebe.SnapshotIDChecksum(files)
	}
	final := filepath.Join(snaps, id.String())
	if build != final {
		if err := os.Rename(build, final); err != nil {
			return nil, err
		}
	}
	var combined uint64
	if l.CombinedChecksum {
		combined, _, err = zeebe.CombinedChecksum(slices.Collect(maps.Keys(files)), func(name string) ([]byte, error) {
			return os.ReadFile(filepath.Join(final, name))
		}, sstSkip(l))
		if err != nil {
			return nil, err
		}
	}
	if err := writeSynced(checksumPath(final)+".tmp", EncodeSFV(l, files, combined)); err != nil {
		return nil, err
	}
	if err := os.Rename(checksumPath(final)+".tmp", checksumPath(final)); err != nil {
		return nil, err
	}
	if err := syncDir(snaps); err != nil {
		return nil, err
	}
	return &snapshot{id: id, dir: final, state: state}, nil
}

// remove deletes a snapshot: its checksum file first, so that it is never committed without
// its files.
func (s *snapshot) remove() {
	os.Remove(checksumPath(s.dir))
	os.RemoveAll(s.dir)
}

// writeSynced writes b into the file name, synced to disk.
func writeSynced(name string, b []byte) error { return writeFrom(name, bytes.NewReader(b)) }

// writeFrom writes what r holds into the file name, synced to disk.
func writeFrom(name string, r io.Reader) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
