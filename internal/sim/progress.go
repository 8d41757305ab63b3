package sim

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// write appends a batch of records as one Raft application entry, on a leader that sees a
// quorum of its replicas; elsewhere it does nothing.
func (p *partition) write(count int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.publish()
	if p.role != leader || !p.quorum {
		return nil
	}
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
	index, err := p.w.append(lowest, EncodeApplicationEntry(l, p.term, lowest, highest, app), p.term)
	if err != nil {
		return err
	}
	p.position = highest
	p.pending = append(p.pending, stateMark{index, p.term, p.state})
	p.notify()
	return nil
}

// sync is the periodic flush.
func (p *partition) sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.publish()
	return p.flush()
}

// flush syncs the journal and records the flushed index in .meta; a leader's commit index may
// move on. The caller holds mu.
func (p *partition) flush() error {
	if err := p.w.flush(); err != nil {
		return err
	}
	p.advanceCommit()
	return p.writeMeta()
}

// writeMeta writes .meta (§4.1): the term, the vote, the flushed index and, 8.7+, the commit
// index as far as it is flushed. The caller holds mu.
func (p *partition) writeMeta() error { return p.writeMetaFlushed(p.w.flushed) }

func (p *partition) writeMetaFlushed(flushed uint64) error {
	commit := uint64(0)
	if flushed != zeebe.NullIndex {
		commit = min(p.commit, flushed)
	}
	votedFor := ""
	if p.votedFor >= 0 {
		votedFor = strconv.Itoa(p.votedFor)
	}
	meta := EncodeMeta(p.b.layout, p.term, flushed, commit, votedFor)
	if bytes.Equal(meta, p.metaWritten) {
		return nil
	}
	p.metaWritten = nil
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
	if err := f.Close(); err != nil {
		return err
	}
	p.metaWritten = meta
	return nil
}

// takeSnapshot writes the committed state as a new table file into runtime/, checkpoints
// runtime/ into a committed snapshot, deletes the previous one and compacts the journal below
// it. Nothing above the commit index goes into a snapshot, so that a follower never truncates
// below its snapshot.
func (p *partition) takeSnapshot() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.publish()
	c := p.committed
	if c.state.ProcessedPosition == 0 || p.snap != nil && p.snap.state.ProcessedPosition >= c.state.ProcessedPosition {
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	name := fmt.Sprintf("%06d.sst", p.sstSeq)
	p.sstSeq++
	sst := c.state.SST(p.b.stateSize, p.b.work.Seed^uint64(p.id))
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
		Index: c.index, Term: c.term,
		ProcessedPosition: c.state.ProcessedPosition, ExportedPosition: zeebe.NoExporterPosition,
		Parts: p.b.layout.SnapshotIDParts, BrokerID: p.b.cfg.NodeID,
	}
	s, err := commitSnapshot(p.b.layout, p.dir, p.runtime, id, c.state, c.state.ProcessedPosition)
	if err != nil {
		return err
	}
	if p.snap != nil {
		p.snap.remove()
	}
	p.snap = s
	return p.w.compact(id.Index)
}

// Positions is what a partition reports of its progress.
type Positions struct {
	LastWrittenPosition int64  `json:"lastWrittenPosition"`
	LastWrittenIndex    uint64 `json:"lastWrittenIndex"`
	FlushedIndex        uint64 `json:"flushedIndex"`
	CommitIndex         uint64 `json:"commitIndex"`
	ProcessedPosition   int64  `json:"processedPosition"`
	Records             int64  `json:"records"`
	StateDigest         uint32 `json:"stateDigest"`
	Term                uint64 `json:"term"`
	Role                string `json:"role"` // leader, follower or candidate
	SnapshotID          string `json:"snapshotId,omitempty"`
	SnapshotPosition    int64  `json:"snapshotPosition"`
}

func (p *partition) positions() Positions {
	p.mu.Lock()
	defer p.mu.Unlock()
	pos := Positions{
		LastWrittenPosition: p.position, LastWrittenIndex: p.w.lastIdx, FlushedIndex: p.w.flushed, CommitIndex: p.commit,
		ProcessedPosition: p.state.ProcessedPosition, Records: p.state.Records, StateDigest: p.state.Digest,
		Term: p.term, Role: p.role.String(),
	}
	if p.snap != nil {
		pos.SnapshotID, pos.SnapshotPosition = p.snap.id.String(), p.snap.state.ProcessedPosition
	}
	return pos
}
