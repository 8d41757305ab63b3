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

// partition is one partition this broker replicates: its journal, snapshots, runtime state and
// its part in the partition's replication (raft.go).
type partition struct {
	b        *Broker
	id       int
	dir      string
	runtime  string
	name     string // journal name, raft-partition-partition-<P>
	replicas []zeebe.Replica
	members  []zeebe.Member

	mu       sync.Mutex
	w        *journalWriter
	snap     *snapshot
	state    State
	position int64 // last written Zeebe position
	sstSeq   int
	// committed is the state after the last application entry at or below the commit index,
	// pending the states after the application entries above it: a snapshot is taken of
	// committed only.
	committed stateMark
	pending   []stateMark
	raft
}

// stateMark is the state after the application entry at index, of term.
type stateMark struct {
	index, term uint64
	state       State
}

// ErrRefused wraps every reason the simulator, like Zeebe, refuses to start on its data.
var ErrRefused = errors.New("refusing to start")

func (p *partition) refuse(format string, args ...any) error {
	return fmt.Errorf("partition %d: %w: %s", p.id, ErrRefused, fmt.Sprintf(format, args...))
}

func (p *partition) logf(format string, args ...any) {
	p.b.logf("partition %d: "+format, append([]any{p.id}, args...)...)
}

// open recovers the partition the way Zeebe does at startup, refusing what Zeebe refuses. It
// appends nothing: a new term starts when a leader is elected.
func (p *partition) open(members []zeebe.Member) error {
	l := p.b.layout
	p.members = members
	p.votedFor, p.leader = -1, -1
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
	if p.snap, err = recoverSnapshots(l, p.dir, p.logf); err != nil {
		return err
	}
	commit := uint64(0)
	if meta.CommitIndex != zeebe.NullIndex {
		commit = meta.CommitIndex
	}
	if err := p.recoverLog(meta.LastFlushedIndex, commit); err != nil {
		return err
	}
	if err := p.recoverRuntime(); err != nil {
		return err
	}
	p.logf("recovered at position %d (log index %d, %d records, state digest %d)", p.state.ProcessedPosition, p.w.lastIdx, p.state.Records, p.state.Digest)
	p.term = max(meta.Term, p.lastTerm())
	if id, err := strconv.Atoi(meta.VotedFor); err == nil && meta.Term == p.term {
		p.votedFor = id
	}
	if err := p.flush(); err != nil {
		return err
	}
	p.publish()
	conf := EncodeConf(l, p.w.lastIdx, p.term, uint64(time.Now().UnixMilli()), members)
	return writeSynced(filepath.Join(p.dir, p.name+".conf"), conf)
}

// recoverLog reads the journal (repairing what Zeebe repairs), rebuilds the state from the
// snapshot and the records after it, and opens the journal for appending. commit is the commit
// index known before, kept as far as the journal reaches. It runs at startup and after a
// follower truncated its log.
func (p *partition) recoverLog(flushed, commit uint64) error {
	j, err := p.readJournal(flushed)
	if err != nil {
		return err
	}
	var snapIndex, snapTerm uint64
	p.state = State{}
	if p.snap != nil {
		snapIndex, snapTerm = p.snap.id.Index, p.snap.id.Term
		p.state = p.snap.state
		if err := p.checkVersion(); err != nil {
			return err
		}
	}
	start := uint64(1)
	if first := j.FirstIndex(); first > 1 && !(snapIndex > 0 && snapIndex+1 >= first) {
		return p.refuse("expected to find a snapshot at index >= log's first index %d, but found snapshot %d; a previous snapshot is most likely corrupted", first, snapIndex)
	} else if len(j.Entries) == 0 && snapIndex > 0 {
		start = snapIndex + 1
	}
	if p.b.layout.MigratedByVersion {
		p.state.MigratedBy = p.b.version.String() // migrations ran
	}
	p.committed, p.pending, p.commit = stateMark{snapIndex, snapTerm, p.state}, nil, snapIndex
	locs, err := p.replay(j)
	if err != nil {
		return err
	}
	if p.w, err = openJournal(p.b.layout, p.dir, p.name, p.b.cfg.LogSegmentSize, j, flushed, start, locs); err != nil {
		return err
	}
	p.setCommit(min(commit, p.w.lastIdx))
	return nil
}

// lastTerm is the term of the last entry, or of the snapshot when the log holds none.
func (p *partition) lastTerm() uint64 {
	if t, ok := p.termAt(p.w.lastIdx); ok {
		return t
	}
	return 0
}

// termAt is the term of the entry at index, as far as the journal or the snapshot tell.
func (p *partition) termAt(index uint64) (uint64, bool) {
	if index == 0 {
		return 0, true
	}
	if l, ok := p.w.loc(index); ok {
		return l.term, true
	}
	if p.snap != nil && p.snap.id.Index == index {
		return p.snap.id.Term, true
	}
	return 0, false
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
		p.logf("truncating a partially written entry at offset %d of %s", repair.TruncateAt, filepath.Base(repair.TruncateFile))
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
	prepared := map[string]bool{}
	for _, s := range j.Segments {
		prepared[s.Path] = s.Prepared
	}
	for _, path := range repair.DeleteFrom {
		if prepared[path] {
			p.logf("deleting segment %s, prepared ahead and never used (its descriptor is all zeros)", filepath.Base(path))
		} else {
			p.logf("deleting corrupted segment %s, whose entries were never flushed", filepath.Base(path))
		}
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

// replay processes the records the snapshot does not hold yet, rebuilding the state, and
// returns where every entry is.
func (p *partition) replay(j *zeebe.Journal) ([]entryLoc, error) {
	p.position = p.state.ProcessedPosition
	var locs []entryLoc
	for _, s := range j.Segments {
		if s.Prepared || s.DescriptorErr != nil || s.LastIndex < s.FirstIndex {
			continue
		}
		b, err := os.ReadFile(s.Path)
		if err != nil {
			return nil, err
		}
		entries, _ := zeebe.ScanEntries(b, s.Descriptor, s.FirstIndex)
		for _, e := range entries {
			locs = append(locs, entryLoc{fileID: s.FileID, offset: int64(e.Offset), size: int64(e.Size), term: e.Term})
			if err := p.apply(e); err != nil {
				return nil, p.refuse("%v", err)
			}
		}
	}
	return locs, nil
}

// apply processes the records of an entry that the state does not hold yet.
func (p *partition) apply(e zeebe.Entry) error {
	if e.Type != zeebe.EntryApplication {
		return nil
	}
	if e.HighestPosition <= p.state.ProcessedPosition {
		p.position = max(p.position, e.HighestPosition)
		return nil
	}
	app, err := zeebe.ApplicationData(e.Payload)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	events, err := zeebe.LoggedEvents(app)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	for _, ev := range events {
		if ev.Position > p.state.ProcessedPosition {
			p.state.Apply(ev.Position, ev.Value)
		}
	}
	p.position = e.HighestPosition
	p.pending = append(p.pending, stateMark{e.Index, e.Term, p.state})
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
