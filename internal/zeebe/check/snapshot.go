package check

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

var errTooLarge = fmt.Errorf("larger than %d bytes", maxSmallFile)

// sstUnnoticed says which releases see a damaged or extra SST file (§3.3): the 8.5 releases with
// RocksDB full-file checksums compare only the combined value, which leaves SST files out.
const sstUnnoticed = "Zeebe 8.5.4 and later 8.5 releases do not notice it (they compare only the combined value, which leaves SST files out) and would run on the damaged state; other releases will not use this snapshot"

// compareIDs orders snapshot ids as Zeebe does (SnapshotId.compareTo, §3.1): index, processed
// position, exported position. The term is not compared.
func compareIDs(a, b zeebe.SnapshotID) int {
	return cmp.Or(cmp.Compare(a.Index, b.Index),
		cmp.Compare(a.ProcessedPosition, b.ProcessedPosition), cmp.Compare(a.ExportedPosition, b.ExportedPosition))
}

// snapshots finds the committed snapshots of a partition (a folder and its <id>.checksum, §3.2),
// checks the newest one (verifier fact 6) and the log against it (fact 7).
func (a *analysis) snapshots(p *partData) {
	dirs := map[string][]*fileRec{}
	sums := map[string]*fileRec{}
	for _, r := range p.recs {
		switch r.loc.kind {
		case kSnapFile:
			dirs[r.loc.snapshot] = append(dirs[r.loc.snapshot], r)
		case kSnapChecksum:
			sums[r.loc.snapshot] = r
		}
	}
	snapDir := func(name string) string { return path.Join(p.dir, "snapshots", name) }
	for _, name := range slices.Sorted(maps.Keys(dirs)) {
		if sums[name] == nil {
			a.fs.add(Warning, "snapshot.partial", p.id, snapDir(name),
				"a snapshot folder without its checksum file is partial (being taken or received when the data was copied); Zeebe deletes it at startup (§3.2)")
		}
	}
	var committed []zeebe.SnapshotID
	names := map[zeebe.SnapshotID]string{}
	for _, name := range slices.Sorted(maps.Keys(sums)) {
		if dirs[name] == nil {
			a.fs.add(Warning, "snapshot.partial", p.id, sums[name].path,
				"a checksum file without its snapshot folder; Zeebe ignores it (§3.2)")
			continue
		}
		id, err := zeebe.ParseSnapshotID(name)
		if err != nil {
			a.fs.add(Error, "snapshot.id", p.id, snapDir(name), "%v: Zeebe cannot load this snapshot (§3.1)", err)
			continue
		}
		committed = append(committed, id)
		names[id] = name
	}
	slices.SortFunc(committed, compareIDs)
	if n := len(committed); n > 0 {
		for _, id := range committed[:n-1] {
			a.fs.add(Info, "snapshot.extra", p.id, snapDir(names[id]),
				"an older committed snapshot; Zeebe keeps only the newest valid one and deletes this at startup (§3.2)")
		}
		newest := committed[n-1]
		a.snapshot(p, newest, snapDir(names[newest]), dirs[names[newest]], sums[names[newest]])
	}
	a.snapshotLog(p)
}

// snapshot checks one committed snapshot: its files against the SFV checksum file, the
// combined value and the id's checksum where present, and zeebe.metadata against the id.
func (a *analysis) snapshot(p *partData, id zeebe.SnapshotID, dir string, files []*fileRec, sumFile *fileRec) {
	rep := &SnapshotReport{ID: path.Base(dir), Index: id.Index, Term: id.Term,
		ProcessedPosition: id.ProcessedPosition, ExportedPosition: id.ExportedPosition, Files: len(files)}
	p.report.Snapshot = rep
	sums := map[string]fileSum{}
	all := map[string]bool{}
	filesOK := true
	var meta *fileRec
	for _, r := range files {
		rep.Bytes += r.size
		name := r.loc.name
		all[name] = true
		if name == zeebe.MetadataFile {
			meta = r
		}
		if r.migratedBy != nil && (p.migratedBy == nil || r.migratedBy.AtLeast(p.migratedBy.Major, p.migratedBy.Minor, p.migratedBy.Patch)) {
			p.migratedBy = r.migratedBy
		}
		if !r.summed {
			filesOK = false
			a.fs.add(Warning, "snapshot.sfv-checksum", p.id, r.path, "not verified: a hard link to %s, whose content was not read", r.link)
			continue
		}
		sums[name] = fileSum{crc: r.crc, size: r.size}
	}
	sfv, err := zeebe.SFV{}, error(nil)
	if sumFile.tooLarge {
		err = errTooLarge
	} else {
		sfv, err = zeebe.ParseSFV(sumFile.content)
	}
	if err != nil {
		a.fs.add(Error, "snapshot.sfv-parse", p.id, sumFile.path,
			"unreadable checksum file (%v): Zeebe cannot verify the snapshot and will not use it (§3.3)", err)
		filesOK = false
	} else if !sfv.Legacy {
		filesOK = a.sfvFiles(p, dir, sfv, sums, all, sumFile.path) && filesOK
	}
	if err == nil && sfv.HasCombined && (filesOK || sfv.Legacy) {
		all, _ := combinedValue(sums, nil)
		noSST, _ := combinedValue(sums, isSST)
		if sfv.Combined != all && sfv.Combined != noSST {
			if sfv.Legacy {
				a.fs.add(Error, "snapshot.combined", p.id, sumFile.path,
					"the combined checksum %x does not match the files (%x): the snapshot is damaged (§3.3)", sfv.Combined, all)
			} else {
				a.fs.add(Warning, "snapshot.combined", p.id, sumFile.path,
					"the combined checksum %x matches neither variant computed from the files (%x, or %x without the SST files); every file's own checksum matches, and which variant a build writes is not certain (§3.3)",
					sfv.Combined, all, noSST)
			}
		}
	}
	if err == nil && id.Parts == 6 && !sfv.Legacy && filesOK {
		if got := zeebe.SnapshotIDChecksum(sfv.Files); got != id.Checksum {
			a.fs.add(Warning, "snapshot.id-checksum", p.id, dir,
				"the snapshot id's checksum part %x does not match the one computed from its files (%x); the computation is derived from code, not verified (§3.1)",
				id.Checksum, got)
		}
	}
	a.snapshotMetadata(p, id, meta)
}

// sfvFiles compares the snapshot folder's files with the checksum file's list: the same set,
// the same CRC32C each. It returns whether everything matched.
func (a *analysis) sfvFiles(p *partData, dir string, sfv zeebe.SFV, sums map[string]fileSum, all map[string]bool, sumPath string) bool {
	ok := true
	names := slices.Sorted(maps.Keys(sfv.Files))
	for _, name := range names {
		got, present := sums[name]
		switch {
		case !present && !all[name]:
			a.fs.add(Error, "snapshot.sfv-files", p.id, path.Join(dir, name),
				"listed in %s but absent from the snapshot: the snapshot is incomplete (§3.3)", path.Base(sumPath))
			ok = false
		case !present:
			// a file whose content was not read: reported by the caller
		case got.crc != sfv.Files[name] && isSST(name):
			a.fs.add(Error, "snapshot.sfv-checksum", p.id, path.Join(dir, name),
				"CRC32C %x, the checksum file says %x: the SST file is damaged, so the partition's state is damaged. %s (§3.3)", got.crc, sfv.Files[name], sstUnnoticed)
			ok = false
		case got.crc != sfv.Files[name]:
			a.fs.add(Error, "snapshot.sfv-checksum", p.id, path.Join(dir, name),
				"CRC32C %x, the checksum file says %x: the file is damaged and Zeebe will not use this snapshot (§3.3)", got.crc, sfv.Files[name])
			ok = false
		}
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if _, listed := sfv.Files[name]; listed {
			continue
		}
		ok = false
		if isSST(name) {
			a.fs.add(Error, "snapshot.sfv-files", p.id, path.Join(dir, name),
				"an SST file present in the snapshot but not listed in %s: the partition's state is not the one checksummed. %s (§3.3)", path.Base(sumPath), sstUnnoticed)
			continue
		}
		a.fs.add(Error, "snapshot.sfv-files", p.id, path.Join(dir, name),
			"present in the snapshot but not listed in %s: Zeebe will not use this snapshot (§3.3)", path.Base(sumPath))
	}
	return ok
}

// snapshotMetadata checks zeebe.metadata (8.1+): it parses, and its positions are the id's.
func (a *analysis) snapshotMetadata(p *partData, id zeebe.SnapshotID, meta *fileRec) {
	if meta == nil || !meta.summed && meta.content == nil {
		return
	}
	if meta.tooLarge {
		a.fs.add(Error, "snapshot.metadata", p.id, meta.path, "%s is larger than %d bytes", zeebe.MetadataFile, maxSmallFile)
		return
	}
	m, err := zeebe.ParseSnapshotMetadata(meta.content)
	if err != nil {
		a.fs.add(Error, "snapshot.metadata", p.id, meta.path, "unreadable: %v (§3.3)", err)
		return
	}
	if m.ProcessedPosition != id.ProcessedPosition || m.ExportedPosition != id.ExportedPosition {
		a.fs.add(Error, "snapshot.metadata", p.id, meta.path,
			"positions processed %d, exported %d differ from the snapshot id's %d and %d (§3.3)",
			m.ProcessedPosition, m.ExportedPosition, id.ProcessedPosition, id.ExportedPosition)
	}
}

// snapshotLog checks the log against the newest snapshot (§2.5 step 6, §3.4).
func (a *analysis) snapshotLog(p *partData) {
	pr := p.report
	if len(pr.Entries) == 0 {
		return
	}
	snap := pr.Snapshot
	var index uint64
	where, file := "there is no committed snapshot", p.dir
	if snap != nil {
		index = snap.Index
		where, file = "the newest snapshot is at index "+strconv.FormatUint(index, 10), path.Join(p.dir, "snapshots", snap.ID)
	}
	if first := pr.FirstIndex; first != 1 && !(index > 0 && index+1 >= first) {
		a.fs.add(Error, "snapshot.log", p.id, file,
			"the log starts at index %d but %s: Zeebe refuses to start (\"expected to find a snapshot at index >= log's first index\"); the entries before %d are lost (§2.5)",
			first, where, first)
	}
	if snap == nil {
		return
	}
	if !p.journal.damaged && p.journal.last < index {
		a.fs.add(Error, "snapshot.log", p.id, file,
			"the log ends at index %d, before the snapshot's index %d (§3.4)", p.journal.last, index)
	}
	i, found := slices.BinarySearchFunc(pr.Entries, index, func(e zeebe.EntryRef, x uint64) int { return cmp.Compare(e.Index, x) })
	if found && pr.Entries[i].Term != snap.Term {
		a.fs.add(Error, "snapshot.log", p.id, file,
			"the entry at the snapshot's index %d has term %d, the snapshot says term %d: the snapshot and the log do not belong together (§3.4)",
			index, pr.Entries[i].Term, snap.Term)
	}
}
