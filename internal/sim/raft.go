package sim

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// role is a replica's part in its partition.
type role int

const (
	follower role = iota
	candidate
	leader
)

func (r role) String() string {
	switch r {
	case leader:
		return "leader"
	case candidate:
		return "candidate"
	}
	return "follower"
}

// raft is a replica's replication state; partition.mu guards it.
type raft struct {
	role     role
	term     uint64 // current term, in .meta
	votedFor int    // node voted for in term, -1 for none; in .meta
	leader   int    // node followed, -1 for none
	// leaderAddr is the internal API address of the leader followed.
	leaderAddr string
	commit     uint64
	// quorum is set while this broker sees a quorum of the replicas ready; a leader writes
	// only then.
	quorum         bool
	candidateSince time.Time
	lastLeaderSeen time.Time
	// match is, on a leader, the flushed index each follower last reported with a log
	// matching the leader's.
	match map[int]uint64
	// appended is closed and replaced at every append, waking fetches waiting for entries.
	appended chan struct{}
	lagging  bool // a follower that the leader cannot serve any more; logged once
	// shown is what the peers are told (info), published by every change while mu is held,
	// so that GET /sim/member never waits for a flush.
	shown atomic.Pointer[replicaInfo]
	// metaWritten is the content of .meta as last written.
	metaWritten []byte
}

// replicaInfo is what a broker tells its peers of one partition (GET /sim/member).
type replicaInfo struct {
	Role        string `json:"role"`
	Term        uint64 `json:"term"`
	VotedFor    int    `json:"votedFor"`
	LastIndex   uint64 `json:"lastIndex"`
	LastTerm    uint64 `json:"lastTerm"`
	CommitIndex uint64 `json:"commitIndex"`
}

// peer is another ready replica of a partition, as this broker last saw it.
type peer struct {
	node, priority int
	addr           string // its internal API address
	replicaInfo
}

// info is what the peers are told of this replica, as last published.
func (p *partition) info() replicaInfo {
	if i := p.shown.Load(); i != nil {
		return *i
	}
	return replicaInfo{VotedFor: -1}
}

// publish shows the replica's state to its peers: after the change is on disk when it has to
// be (a term, a vote). The caller holds mu.
func (p *partition) publish() {
	p.shown.Store(&replicaInfo{Role: p.role.String(), Term: p.term, VotedFor: p.votedFor, LastIndex: p.w.lastIdx, LastTerm: p.lastTerm(), CommitIndex: p.commit})
}

func (p *partition) priorityOf(node int) int {
	for _, r := range p.replicas {
		if r.NodeID == node {
			return r.Priority
		}
	}
	return 0
}

// advanceCommit moves a leader's commit index to the highest index a quorum of the replicas
// (itself included) have flushed, once that entry is of the leader's term (Raft §5.4.2).
func (p *partition) advanceCommit() {
	if p.role != leader {
		return
	}
	acks := []uint64{0}
	if p.w.flushed != zeebe.NullIndex {
		acks[0] = p.w.flushed
	}
	for _, r := range p.replicas {
		if r.NodeID != p.b.cfg.NodeID {
			acks = append(acks, p.match[r.NodeID])
		}
	}
	slices.Sort(acks)
	n := acks[len(acks)-(len(p.replicas)/2+1)]
	if t, ok := p.termAt(n); ok && t == p.term {
		p.setCommit(n)
	}
}

// setCommit raises the commit index; the marks at or below it become committed.
func (p *partition) setCommit(c uint64) {
	if c <= p.commit {
		return
	}
	p.commit = c
	n := 0
	for n < len(p.pending) && p.pending[n].index <= c {
		p.committed = p.pending[n]
		n++
	}
	p.pending = append(p.pending[:0:0], p.pending[n:]...)
}

// notify wakes the fetches waiting for entries.
func (p *partition) notify() {
	if p.appended != nil {
		close(p.appended)
	}
	p.appended = make(chan struct{})
}
