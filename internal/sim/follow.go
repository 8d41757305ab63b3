package sim

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// The follower's side of replication: fetch from the leader, append its bytes, apply, and cut
// a divergent tail.

// replicate fetches the partition's entries from its leader while this broker follows one.
func (b *Broker) replicate(ctx context.Context, p *partition) error {
	client := &http.Client{Transport: b.peers, Timeout: 5 * time.Second}
	for ctx.Err() == nil {
		addr, req, ok := p.nextFetch()
		if !ok {
			sleep(ctx, 20*time.Millisecond)
			continue
		}
		res, err := fetch(ctx, client, addr, req)
		if err != nil {
			sleep(ctx, 50*time.Millisecond)
			continue
		}
		if err := p.receive(req, res); err != nil {
			return fmt.Errorf("partition %d: %w", p.id, err)
		}
		switch res.status {
		case http.StatusOK, http.StatusConflict:
		case http.StatusGone:
			sleep(ctx, time.Second)
		default:
			sleep(ctx, 50*time.Millisecond)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// nextFetch is the request a follower sends its leader next, and where to.
func (p *partition) nextFetch() (string, fetchRequest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.role != follower || p.leader < 0 || p.leaderAddr == "" {
		return "", fetchRequest{}, false
	}
	return p.leaderAddr, fetchRequest{
		partition: p.id, node: p.b.cfg.NodeID, term: p.term,
		after: p.w.lastIdx, afterTerm: p.lastTerm(), commit: p.commit, flushed: reportedFlushed(p.w.flushed),
		max: fetchMaxEntries,
	}, true
}

// receive applies the leader's answer to a fetch, unless the replica moved on meanwhile. An
// error is one of this broker's disk.
func (p *partition) receive(req fetchRequest, res fetchResult) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.publish()
	if p.role != follower || p.term != req.term || p.w.lastIdx != req.after || res.term != req.term {
		return nil
	}
	switch res.status {
	case http.StatusOK:
		p.lagging = false
		entries, err := zeebe.ScanEntries(res.body, zeebe.Descriptor{}, req.after+1)
		for _, e := range entries {
			err = cmp.Or(err, e.PayloadErr) // the term of each entry is needed
		}
		if err != nil {
			p.logf("the leader's entries after index %d do not read back (%v); fetching again", req.after, err)
			return nil
		}
		for _, e := range entries {
			if _, err := p.w.appendRaw(res.body[e.Offset:e.Offset+e.Size], e.Term); err != nil {
				return err
			}
			if err := p.apply(e); err != nil {
				return err
			}
		}
		p.setCommit(min(res.commit, p.w.lastIdx))
	case http.StatusConflict:
		return p.truncate(req, res.conflict)
	case http.StatusGone:
		if !p.lagging {
			p.logf("lagging behind broker %d, the leader: it holds its log from index %d on, this replica needs index %d; "+
				"the simulator does not replicate snapshots, retrying", p.leader, res.first, req.after+1)
			p.lagging = true
		}
	}
	return nil
}

// truncate cuts the log after the last entry that matches the leader's, as a Raft follower
// does with a divergent tail, and rebuilds the state from the snapshot and the log. Entries
// at or below the commit index are never cut, hence nor is the snapshot.
func (p *partition) truncate(req fetchRequest, c conflict) error {
	keep := p.commit
	for i := min(req.after, c.LastIndex); i > p.commit; i-- {
		theirs, ok := c.termAt(i)
		if !ok {
			break
		}
		if mine, ok := p.termAt(i); ok && mine == theirs {
			keep = i
			break
		}
	}
	if keep >= p.w.lastIdx {
		return nil
	}
	lastTerm := p.lastTerm()
	firstTerm, _ := p.termAt(keep + 1)
	p.logf("the log diverges from the leader's (broker %d, term %d) after index %d: truncating entries %d to %d (terms %d to %d)",
		p.leader, p.term, keep, keep+1, p.w.lastIdx, firstTerm, lastTerm)
	// .meta first: a lower flushed index is always true, the cut journal must not contradict it.
	flushed := p.w.flushed
	if flushed != zeebe.NullIndex && flushed > keep {
		flushed = keep
		if keep == 0 {
			flushed = zeebe.NullIndex
		}
	}
	if err := p.writeMetaFlushed(flushed); err != nil {
		return err
	}
	if err := p.w.cut(keep); err != nil {
		return err
	}
	if err := p.recoverLog(flushed, p.commit); err != nil {
		return err
	}
	p.logf("truncated: the log ends at index %d, the state is rebuilt at position %d", p.w.lastIdx, p.state.ProcessedPosition)
	return nil
}
