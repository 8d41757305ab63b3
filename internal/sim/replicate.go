package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// The leader's side of replication: GET /sim/entries on its internal API port.

const (
	fetchMaxEntries = 256
	fetchMaxBytes   = 4 << 20
	// longPoll is how long a fetch that finds no new entry waits for one.
	longPoll = 200 * time.Millisecond
)

// fetchRequest is a follower's GET /sim/entries.
type fetchRequest struct {
	partition, node int
	term            uint64 // the term of the leader the follower follows
	after           uint64 // the follower's last index ...
	afterTerm       uint64 // ... and that entry's term
	commit          uint64 // the follower's commit index
	flushed         uint64 // the follower's flushed index, 0 when none
	max             int
}

func (r fetchRequest) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]uint64{"partition": uint64(r.partition), "node": uint64(r.node), "term": r.term, "after": r.after,
		"afterTerm": r.afterTerm, "commit": r.commit, "flushed": r.flushed, "max": uint64(r.max)} {
		q.Set(k, strconv.FormatUint(v, 10))
	}
	return q
}

func parseFetch(q url.Values) (fetchRequest, error) {
	var r fetchRequest
	var errs []error
	get := func(k string) uint64 {
		v, err := strconv.ParseUint(q.Get(k), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
		return v
	}
	r.partition, r.node, r.term = int(get("partition")), int(get("node")), get("term")
	r.after, r.afterTerm, r.commit, r.flushed = get("after"), get("afterTerm"), get("commit"), get("flushed")
	r.max = int(min(get("max"), fetchMaxEntries))
	return r, errors.Join(errs...)
}

// fetchResult is the leader's answer: entries (200), a conflict (409), entries compacted
// away (410), or not the leader of the term (503).
type fetchResult struct {
	status   int
	term     uint64 // the leader's term
	commit   uint64 // the leader's commit index
	first    uint64 // the first index the leader holds
	body     []byte // 200: the framed entries from after+1, as in the leader's segments
	conflict conflict
	message  string
}

// conflict tells a follower whose log does not match where the leader's log is: its last
// index and the terms of its entries down to the follower's commit index.
type conflict struct {
	LastIndex uint64    `json:"lastIndex"`
	Terms     []termRun `json:"terms"`
}

// termRun says that the entries First..Last are of Term.
type termRun struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
	Term  uint64 `json:"term"`
}

func (c conflict) termAt(index uint64) (uint64, bool) {
	for _, r := range c.Terms {
		if r.First <= index && index <= r.Last {
			return r.Term, true
		}
	}
	return 0, false
}

func (b *Broker) entriesHandler(w http.ResponseWriter, r *http.Request) {
	req, err := parseFetch(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := b.partition(req.partition)
	if p == nil {
		http.Error(w, fmt.Sprintf("broker %d does not replicate partition %d", b.cfg.NodeID, req.partition), http.StatusNotFound)
		return
	}
	res := p.serve(r.Context(), req)
	h := w.Header()
	h.Set("X-Sim-Term", strconv.FormatUint(res.term, 10))
	h.Set("X-Sim-Commit-Index", strconv.FormatUint(res.commit, 10))
	h.Set("X-Sim-First-Index", strconv.FormatUint(res.first, 10))
	switch res.status {
	case http.StatusOK:
		h.Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		w.Write(res.body)
	case http.StatusConflict:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(res.conflict)
	default:
		http.Error(w, res.message, res.status)
	}
}

// serve answers a fetch; when the follower has every entry it waits up to longPoll for more.
func (p *partition) serve(ctx context.Context, req fetchRequest) fetchResult {
	for wait := true; ; wait = false {
		p.mu.Lock()
		res, more := p.serveLocked(req, wait)
		p.publish()
		p.mu.Unlock()
		if more == nil {
			return res
		}
		select {
		case <-more:
		case <-time.After(longPoll):
		case <-ctx.Done():
			return fetchResult{status: http.StatusServiceUnavailable, message: "the fetch was cancelled"}
		}
	}
}

// serveLocked answers a fetch, or returns a channel to wait on for entries. The caller holds mu.
func (p *partition) serveLocked(req fetchRequest, wait bool) (fetchResult, <-chan struct{}) {
	res := fetchResult{term: p.term, commit: p.commit, first: p.w.firstIndex()}
	if p.role != leader || p.term != req.term {
		res.status, res.message = http.StatusServiceUnavailable, fmt.Sprintf("broker %d is not the leader of term %d of partition %d", p.b.cfg.NodeID, req.term, p.id)
		return res, nil
	}
	// Entries at or below the follower's commit index are committed and the same in every log;
	// above it, the term of the follower's last entry must match.
	gone := func() (fetchResult, <-chan struct{}) {
		res.status, res.message = http.StatusGone, fmt.Sprintf("the log starts at index %d, compacted after a snapshot", res.first)
		return res, nil
	}
	t, known := p.termAt(req.after)
	if committed := req.after <= req.commit && req.after <= p.w.lastIdx; !committed && !(known && t == req.afterTerm) {
		if !known && req.after < res.first {
			return gone() // compacted: the leader cannot tell
		}
		res.status, res.conflict = http.StatusConflict, p.conflictFor(req)
		return res, nil
	}
	p.match[req.node] = min(req.flushed, req.after)
	p.advanceCommit()
	res.commit = p.commit
	if req.after+1 < res.first {
		return gone()
	}
	body, err := p.w.read(req.after+1, req.max, fetchMaxBytes)
	if err != nil {
		res.status, res.message = http.StatusServiceUnavailable, err.Error()
		return res, nil
	}
	if len(body) == 0 && wait {
		if p.appended == nil {
			p.appended = make(chan struct{})
		}
		return res, p.appended
	}
	res.status, res.body = http.StatusOK, body
	return res, nil
}

// conflictFor lists the terms of the leader's entries from above the follower's commit index
// up to its last index, as runs.
func (p *partition) conflictFor(req fetchRequest) conflict {
	c := conflict{LastIndex: p.w.lastIdx}
	for i := max(p.w.firstIndex(), req.commit+1); i <= min(req.after, p.w.lastIdx); i++ {
		l, _ := p.w.loc(i)
		if n := len(c.Terms); n > 0 && c.Terms[n-1].Term == l.term {
			c.Terms[n-1].Last = i
		} else {
			c.Terms = append(c.Terms, termRun{First: i, Last: i, Term: l.term})
		}
	}
	return c
}

// fetch asks the leader at addr for entries.
func fetch(ctx context.Context, client *http.Client, addr string, req fetchRequest) (fetchResult, error) {
	var res fetchResult
	resp, body, err := peerGet(ctx, client, "http://"+addr+"/sim/entries?"+req.query().Encode(), 2*fetchMaxBytes)
	if err != nil {
		return res, err
	}
	res.status = resp.StatusCode
	for h, v := range map[string]*uint64{"X-Sim-Term": &res.term, "X-Sim-Commit-Index": &res.commit, "X-Sim-First-Index": &res.first} {
		*v, _ = strconv.ParseUint(resp.Header.Get(h), 10, 64)
	}
	switch res.status {
	case http.StatusOK:
		res.body = body
	case http.StatusConflict:
		if err := json.Unmarshal(body, &res.conflict); err != nil {
			return res, fmt.Errorf("conflict answer: %w", err)
		}
	default:
		res.message = string(body)
	}
	return res, nil
}

// peerGet asks another broker of the simulated cluster for url and reads at most limit bytes
// of its answer, then the rest to the end, so that the connection is kept.
func peerGet(ctx context.Context, client *http.Client, url string, limit int64) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	io.Copy(io.Discard, resp.Body)
	return resp, body, err
}

// reportedFlushed is the flushed index a follower reports: 0 when nothing is flushed.
func reportedFlushed(flushed uint64) uint64 {
	if flushed == zeebe.NullIndex {
		return 0
	}
	return flushed
}
