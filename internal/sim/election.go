package sim

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// The elections of a broker's partitions: deterministic, from what the peers say of themselves
// (doc.go, step 2).

const (
	// electionTick is how often a broker looks at its peers and runs a round of the elections.
	electionTick = 50 * time.Millisecond
	// memberTimeout bounds the question to a peer; one that does not answer in time counts as
	// not ready in that round.
	memberTimeout = time.Second
	// candidacyTimeout, in election timeouts, is how long a candidate waits for a quorum of
	// votes before it stands again in a new term.
	candidacyTimeout = 5
)

// elections runs a round of the elections of this broker's partitions every electionTick, once
// it is ready.
func (b *Broker) elections(ctx context.Context) error {
	tick := time.NewTicker(electionTick)
	defer tick.Stop()
	client := &http.Client{Transport: b.peers, Timeout: memberTimeout}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if !b.ready.Load() {
			continue
		}
		seen := b.members(ctx, client)
		if ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		for _, p := range b.parts {
			var peers []peer
			for _, r := range p.replicas {
				m, ok := seen[r.NodeID]
				if !ok || !m.Ready {
					continue
				}
				if info, ok := m.Partitions[p.id]; ok {
					peers = append(peers, peer{node: r.NodeID, priority: r.Priority, addr: m.addr, replicaInfo: info})
				}
			}
			if err := p.elect(peers, now); err != nil {
				return fmt.Errorf("partition %d: %w", p.id, err)
			}
		}
	}
}

// upToDate orders replicas for the election: the more up-to-date log first (last term, then
// last index), then the higher priority.
func upToDate(aTerm, aIndex uint64, aPriority int, bTerm, bIndex uint64, bPriority int) int {
	return cmp.Or(cmp.Compare(aTerm, bTerm), cmp.Compare(aIndex, bIndex), cmp.Compare(aPriority, bPriority))
}

// elect is one round of the election, from what this broker sees of the other ready replicas
// (see doc.go): follow a live leader; stay leader; count the votes as a candidate; vote for the
// candidate; or stand as one.
func (p *partition) elect(peers []peer, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.publish()
	me := p.b.cfg.NodeID
	quorum := len(p.replicas)/2 + 1
	ready := len(peers) + 1
	p.quorum = ready >= quorum
	if p.lastLeaderSeen.IsZero() {
		p.lastLeaderSeen = now // waiting for the others counts from readiness
	}
	maxTerm := p.term
	var lead *peer
	for i := range peers {
		q := &peers[i]
		maxTerm = max(maxTerm, q.Term)
		if q.Role == leader.String() && (lead == nil || q.Term > lead.Term) {
			lead = q
		}
	}
	switch {
	case lead != nil && (lead.Term > p.term || lead.Term == p.term && p.role != leader):
		p.lastLeaderSeen = now
		return p.follow(lead)
	case p.role == leader && maxTerm > p.term:
		p.logf("stepping down as the leader of term %d: a replica is in term %d", p.term, maxTerm)
		p.role, p.leader = follower, -1
	case p.role == leader:
		p.lastLeaderSeen = now
		return nil
	case p.role == candidate:
		votes := []int{me}
		for _, q := range peers {
			if q.Term == p.term && q.VotedFor == me {
				votes = append(votes, q.node)
			}
		}
		if len(votes) >= quorum {
			return p.becomeLeader(votes, now)
		}
		rival := false
		for _, q := range peers {
			rival = rival || q.Role == candidate.String() && q.Term == p.term &&
				upToDate(q.LastTerm, q.LastIndex, q.priority, p.lastTerm(), p.w.lastIdx, p.priorityOf(me)) > 0
		}
		if maxTerm == p.term && !rival && now.Sub(p.candidateSince) < candidacyTimeout*p.b.opts.ElectionTimeout {
			return nil
		}
		// Lost to a higher term or a better candidate of the same term, or no quorum of votes
		// in time (votes split): the election starts over.
		p.role = follower
	}
	if p.leader >= 0 {
		p.logf("broker %d, the leader of term %d, is gone", p.leader, p.term)
	}
	p.leader, p.leaderAddr = -1, ""
	allReady := ready == len(p.replicas)
	if !p.quorum || !allReady && now.Sub(p.lastLeaderSeen) < p.b.opts.ElectionTimeout {
		return nil
	}
	lastTerm, lastIndex, mine := p.lastTerm(), p.w.lastIdx, p.priorityOf(me)
	var best *peer
	for i := range peers {
		q := &peers[i]
		if q.Role == candidate.String() && (q.Term > p.term || q.Term == p.term && p.votedFor < 0) && upToDate(q.LastTerm, q.LastIndex, 0, lastTerm, lastIndex, 0) >= 0 &&
			(best == nil || cmp.Or(cmp.Compare(q.Term, best.Term), upToDate(q.LastTerm, q.LastIndex, q.priority, best.LastTerm, best.LastIndex, best.priority)) > 0) {
			best = q
		}
	}
	if best != nil {
		p.term, p.votedFor = best.Term, best.node
		p.logf("voting for broker %d in term %d", best.node, best.Term)
		return p.writeMeta()
	}
	for _, q := range peers {
		if upToDate(q.LastTerm, q.LastIndex, q.priority, lastTerm, lastIndex, mine) > 0 {
			return nil // a replica with a better claim stands
		}
	}
	p.term, p.votedFor, p.role, p.candidateSince = maxTerm+1, me, candidate, now
	p.logf("standing for leader in term %d with the log at index %d, term %d; %d of %d replicas ready", p.term, lastIndex, lastTerm, ready, len(p.replicas))
	if err := p.writeMeta(); err != nil {
		return err
	}
	if quorum == 1 {
		return p.becomeLeader([]int{me}, now)
	}
	return nil
}

// follow makes the replica a follower of a live leader, in the leader's term.
func (p *partition) follow(lead *peer) error {
	if p.role == leader {
		p.logf("stepping down as the leader of term %d: broker %d leads term %d", p.term, lead.node, lead.Term)
	}
	changed := p.role != follower || p.leader != lead.node || p.term != lead.Term
	p.role, p.leader, p.leaderAddr = follower, lead.node, lead.addr
	if !changed {
		return nil
	}
	p.logf("following broker %d, the leader of term %d", lead.node, lead.Term)
	if lead.Term > p.term {
		p.term, p.votedFor = lead.Term, lead.node
		return p.writeMeta()
	}
	return nil
}

// becomeLeader starts the term as a new Raft leader does, with an initial entry.
func (p *partition) becomeLeader(votes []int, now time.Time) error {
	p.role, p.leader, p.leaderAddr, p.lastLeaderSeen = leader, p.b.cfg.NodeID, "", now
	p.match = map[int]uint64{}
	index, err := p.w.append(-1, EncodeInitialEntry(p.b.layout, p.term), p.term)
	if err != nil {
		return err
	}
	p.notify()
	slices.Sort(votes)
	p.logf("leader of term %d from index %d, elected by brokers %v", p.term, index, votes)
	return p.flush()
}
