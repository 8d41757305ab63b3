package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// partition is one partition this broker replicates: its journal, snapshots, runtime state.
type partition struct {
	b       *Broker
	id      int
	dir     string
	runtime string
	name    string // journal name, raft-partition-partition-<P>

	mu       sync.Mutex
	w        *journalWriter
	term     uint64
	snap     *snapshot
	state    State
	position int64  // last written Zeebe position
	appIndex uint64 // index of the entry holding the last position
	appTerm  uint64
	sstSeq   int
	members  []zeebe.Member
}

// ErrRefused wraps every reason the simulator, like Zeebe, refuses to start on its data.
var ErrRefused = errors.New("refusing to start")

func (p *partition) refuse(format string, args ...any) error {
	return fmt.Errorf("partition %d: %w: %s", p.id, ErrRefused, fmt.Sprintf(format, args...))
}

// open recovers the partition the way Zeebe does at startup, refusing what Zeebe refuses.
func (p *partition) open(members []zeebe.Member) error {
	l := p.b.layout
	p.members = members
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	if err := p.lock(); err != nil {
		return err
	}
	meta, err := p.readMeta()
	if err != nil {
		return err
	}
	if p.snap, err = recoverSnapshots(l, p.dir, func(f string, a ...any) { p.b.logf("partition %d: "+f, append([]any{p.id}, a...)...) }); err != nil {
		return err
	}
	j, err := p.readJournal(meta.LastFlushedIndex)
	if err != nil {
		return err
	}
	snapIndex := uint64(0)
	if p.snap != nil {
		snapIndex = p.snap.id.Index
	}
	start := uint64(1)
	if first := j.FirstIndex(); first > 1 && !(snapIndex > 0 && snapIndex+1 >= first) {
		return p.refuse("expected to find a snapshot at index >= log's first index %d, but found snapshot %d; a previous snapshot is most likely corrupted", first, snapIndex)
	} else if len(j.Entries) == 0 && snapIndex > 0 {
		start = snapIndex + 1
	}
	if p.snap != nil {
		p.state = p.snap.state
		if err := p.checkVersion(); err != nil {
			return err
		}
	}
	if err := p.replay(j); err != nil {
		return err
	}
	if l.MigratedByVersion {
		p.state.MigratedBy = p.b.version.String() // migrations ran
	}
	if err := p.recoverRuntime(); err != nil {
		return err
	}
	if p.w, err = openJournal(l, p.dir, p.name, p.b.cfg.LogSegmentSize, j, meta.LastFlushedIndex, start); err != nil {
		return err
	}
	p.b.logf("partition %d: recovered at position %d (log index %d, %d records, state digest %d)", p.id, p.state.ProcessedPosition, p.w.lastIdx, p.state.Records, p.state.Digest)
	// A new term, as after a leader election, starts with an initial entry.
	p.term = max(meta.Term, lastTerm(j)) + 1
	if _, err := p.w.append(-1, EncodeInitialEntry(l, p.term)); err != nil {
		return err
	}
	if err := p.flush(); err != nil {
		return err
	}
	conf := EncodeConf(l, p.w.lastIdx, p.term, uint64(time.Now().UnixMilli()), members)
	return writeSynced(filepath.Join(p.dir, p.name+".conf"), conf)
}

func lastTerm(j *zeebe.Journal) uint64 {
	if n := len(j.Entries); n > 0 {
		return j.Entries[n-1].Term
	}
	return 0
}

// lock pins the folder to this node (§1.1): the lock file is written through a temporary file
// and a rename when absent, and must hold exactly this node id.
func (p *partition) lock() error {
	path := filepath.Join(p.dir, "."+p.name+".lock")
	me := strconv.Itoa(p.b.cfg.NodeID)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		tmp := filepath.Join(p.dir, "."+me+".lock.tmp")
		if err := writeSynced(tmp, []byte(me)); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	if string(b) != me {
		return p.refuse("Failed to acquire storage lock: %s holds node id %q, this broker is node %s", path, b, me)
	}
	return nil
}

func (p *partition) metaPath() string { return filepath.Join(p.dir, p.name+".meta") }

func (p *partition) readMeta() (zeebe.Meta, error) {
	b, err := os.ReadFile(p.metaPath())
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) > 0 && b[0] == 0 {
		// New partition: Zeebe creates the file as 32 zero bytes, then writes it.
		return zeebe.Meta{LastFlushedIndex: zeebe.NullIndex, CommitIndex: zeebe.NullIndex}, nil
	}
	if err != nil {
		return zeebe.Meta{}, err
	}
	m, err := zeebe.ParseMeta(b)
	if err != nil {
		return m, p.refuse("%s: %v", p.metaPath(), err)
	}
	return m, nil
}

// readJournal reads the journal, checks it as Zeebe does (§2.5) and applies Zeebe's repair:
// a torn tail after the flushed index is cut, unflushed corrupt segments are deleted.
func (p *partition) readJournal(flushed uint64) (*zeebe.Journal, error) {
	j, err := zeebe.ReadJournal(p.dir, p.name)
	if err != nil {
		return nil, err
	}
	repair, err := j.Check(flushed)
	if err != nil {
		return nil, p.refuse("%v", err)
	}
	if repair.TruncateFile == "" && len(repair.DeleteFrom) == 0 {
		return j, nil
	}
	if repair.TruncateFile != "" {
		p.b.logf("partition %d: truncating a partially written entry at offset %d of %s", p.id, repair.TruncateAt, filepath.Base(repair.TruncateFile))
		f, err := os.OpenFile(repair.TruncateFile, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		_, err = f.WriteAt([]byte{0}, int64(repair.TruncateAt))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	for _, path := range repair.DeleteFrom {
		p.b.logf("partition %d: deleting corrupted segment %s, whose entries were never flushed", p.id, filepath.Base(path))
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	return zeebe.ReadJournal(p.dir, p.name)
}

// checkVersion refuses data last migrated by a version this one cannot run (§8).
func (p *partition) checkVersion() error {
	if p.state.MigratedBy == "" {
		return nil
	}
	data, err := zeebe.ParseVersion(p.state.MigratedBy)
	if err != nil {
		return nil // unparsable: indeterminate, no check
	}
	if c, reason := zeebe.CheckUpgrade(data, p.b.version); c == zeebe.Incompatible {
		return p.refuse("Incompatible version: the state was last migrated by %s, this broker is %s: %s", data, p.b.version, reason)
	}
	return nil
}

// replay processes the records the snapshot does not hold yet, rebuilding the state.
func (p *partition) replay(j *zeebe.Journal) error {
	p.position = p.state.ProcessedPosition
	for _, s := range j.Segments {
		if s.Prepared || s.DescriptorErr != nil || s.LastIndex < s.FirstIndex {
			continue
		}
		b, err := os.ReadFile(s.Path)
		if err != nil {
			return err
		}
		entries, _ := zeebe.ScanEntries(b, s.Descriptor, s.FirstIndex)
		for _, e := range entries {
			if e.Type != zeebe.EntryApplication || e.HighestPosition <= p.state.ProcessedPosition {
				if e.Type == zeebe.EntryApplication && e.HighestPosition > p.position {
					p.position, p.appIndex, p.appTerm = e.HighestPosition, e.Index, e.Term
				}
				continue
			}
			app, err := zeebe.ApplicationData(e.Payload)
			if err != nil {
				return p.refuse("entry %d: %v", e.Index, err)
			}
			events, err := zeebe.LoggedEvents(app)
			if err != nil {
				return p.refuse("entry %d: %v", e.Index, err)
			}
			for _, ev := range events {
				if ev.Position > p.state.ProcessedPosition {
					p.state.Apply(ev.Position, ev.Value)
				}
			}
			p.position, p.appIndex, p.appTerm = e.HighestPosition, e.Index, e.Term
		}
	}
	if p.snap != nil && p.appIndex == 0 {
		p.appIndex, p.appTerm = p.snap.id.Index, p.snap.id.Term
	}
	return nil
}

// recoverRuntime recreates runtime/ from the latest snapshot, as StateControllerImpl.recover
// does: delete it, then checkpoint the snapshot into it.
func (p *partition) recoverRuntime() error {
	if err := os.RemoveAll(p.runtime); err != nil {
		return err
	}
	if p.snap != nil {
		if err := checkpoint(p.snap.dir, p.runtime); err != nil {
			return err
		}
	} else if err := os.MkdirAll(p.runtime, 0o755); err != nil {
		return err
	}
	for _, small := range []struct{ name, content string }{
		{"CURRENT", "MANIFEST-000005\n"},
		{"OPTIONS-000007", "# RocksDB options (zeebe-sim)\n[Version]\n  rocksdb_version=8.1.1\n"},
	} {
		if _, err := os.Stat(filepath.Join(p.runtime, small.name)); errors.Is(err, fs.ErrNotExist) {
			if err := os.WriteFile(filepath.Join(p.runtime, small.name), []byte(small.content), 0o644); err != nil {
				return err
			}
		}
	}
	entries, _ := os.ReadDir(p.runtime)
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".sst"); ok {
			if seq, err := strconv.Atoi(n); err == nil && seq >= p.sstSeq {
				p.sstSeq = seq + 1
			}
		}
	}
	return nil
}

// write appends a batch of records as one Raft application entry.
func (p *partition) write(count int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.b.layout
	var app []byte
	lowest := p.position + 1
	now := time.Now().UnixMilli()
	for i := range count {
		pos := lowest + int64(i)
		value := p.b.work.RecordValue(p.id, pos)
		app = append(app, EncodeLoggedEvent(l, pos, -1, pos, now, p.b.version, value)...)
		p.state.Apply(pos, value)
	}
	highest := lowest + int64(count) - 1
	index, err := p.w.append(lowest, EncodeApplicationEntry(l, p.term, lowest, highest, app))
	if err != nil {
		return err
	}
	p.position, p.appIndex, p.appTerm = highest, index, p.term
	return nil
}

// sync is the periodic flush.
func (p *partition) sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flush()
}

// flush syncs the journal and records the flushed index in .meta. The caller holds mu.
func (p *partition) flush() error {
	if err := p.w.flush(); err != nil {
		return err
	}
	meta := EncodeMeta(p.b.layout, p.term, p.w.flushed, p.w.flushed, strconv.Itoa(p.b.cfg.NodeID))
	f, err := os.OpenFile(p.metaPath(), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(meta, 0); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// takeSnapshot writes the state as a new table file into runtime/, checkpoints runtime/ into a
// committed snapshot, deletes the previous one and compacts the journal below it.
func (p *partition) takeSnapshot() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.appIndex == 0 || p.snap != nil && p.snap.state.ProcessedPosition == p.state.ProcessedPosition {
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	name := fmt.Sprintf("%06d.sst", p.sstSeq)
	p.sstSeq++
	sst := p.state.SST(p.b.stateSize, p.b.work.Seed^uint64(p.id))
	if err := writeSynced(filepath.Join(p.runtime, name), sst); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(p.runtime, "*.sst"))
	for _, o := range old {
		if filepath.Base(o) != name {
			os.Remove(o)
		}
	}
	if err := os.WriteFile(filepath.Join(p.runtime, "MANIFEST-000005"), fmt.Appendf(nil, "manifest: %s\n", name), 0o644); err != nil {
		return err
	}
	id := zeebe.SnapshotID{
		Index: p.appIndex, Term: p.appTerm,
		ProcessedPosition: p.state.ProcessedPosition, ExportedPosition: zeebe.NoExporterPosition,
		Parts: p.b.layout.SnapshotIDParts, BrokerID: p.b.cfg.NodeID,
	}
	s, err := commitSnapshot(p.b.layout, p.dir, p.runtime, id, p.state, p.state.ProcessedPosition)
	if err != nil {
		return err
	}
	if p.snap != nil {
		p.snap.remove()
	}
	p.snap = s
	return p.w.compact(id.Index)
}

// close stops the partition as a clean shutdown does: flush, update .meta, delete runtime/.
func (p *partition) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.flush()
	if cerr := p.w.close(); err == nil {
		err = cerr
	}
	if rerr := os.RemoveAll(p.runtime); err == nil {
		err = rerr
	}
	return err
}

// Positions is what a partition reports of its progress.
type Positions struct {
	LastWrittenPosition int64  `json:"lastWrittenPosition"`
	LastWrittenIndex    uint64 `json:"lastWrittenIndex"`
	FlushedIndex        uint64 `json:"flushedIndex"`
	ProcessedPosition   int64  `json:"processedPosition"`
	Records             int64  `json:"records"`
	StateDigest         uint32 `json:"stateDigest"`
	Term                uint64 `json:"term"`
	SnapshotID          string `json:"snapshotId,omitempty"`
	SnapshotPosition    int64  `json:"snapshotPosition"`
}

func (p *partition) positions() Positions {
	p.mu.Lock()
	defer p.mu.Unlock()
	pos := Positions{
		LastWrittenPosition: p.position, LastWrittenIndex: p.w.lastIdx, FlushedIndex: p.w.flushed,
		ProcessedPosition: p.state.ProcessedPosition, Records: p.state.Records, StateDigest: p.state.Digest, Term: p.term,
	}
	if p.snap != nil {
		pos.SnapshotID, pos.SnapshotPosition = p.snap.id.String(), p.snap.state.ProcessedPosition
	}
	return pos
}
