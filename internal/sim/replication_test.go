package sim_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// The replicas of a partition hold the same entries (index, term, checksum) up to the lowest
// flushed index after a clean stop, their states agree with the workload, and a restart moves
// every replica to the same new term.
func TestReplicasHoldTheSameLog(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{SnapshotPeriod: "500ms"})
	logsOnFailure(t, c)
	run(t, c, 2*time.Second)
	first := checkReplicas(t, c)
	run(t, c, time.Second)
	second := checkReplicas(t, c)
	for p, term := range second {
		if term <= first[p] {
			t.Errorf("partition %d: term %d after the restart, %d before", p, term, first[p])
		}
		for _, b := range c.Brokers {
			if !hasEntryOfTerm(t, b, p, term) {
				t.Errorf("broker %d partition %d: no entry of term %d, the leader's initial entry is missing", b.NodeID, p, term)
			}
		}
	}
}

// A follower that was down catches up with the leader when it comes back, and the replicas
// agree again; 8.7 writes the commit index into .meta.
func TestStoppedFollowerCatchesUp(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{Version: "8.7.0", SegmentSize: "4MB", SnapshotPeriod: "500ms"})
	logsOnFailure(t, c)
	c.Start(t)
	leader := waitLeader(t, c, 1)
	f := c.Brokers[(leader.NodeID+1)%3]
	time.Sleep(500 * time.Millisecond)
	f.Stop(t)
	down := f.StoppedPositions(t).Partitions[1]
	time.Sleep(1500 * time.Millisecond)
	target := leader.Positions(t).Partitions[1]
	if target.LastWrittenIndex < down.LastWrittenIndex+20 {
		t.Fatalf("the leader did not go on without the follower: index %d, the follower stopped at %d", target.LastWrittenIndex, down.LastWrittenIndex)
	}
	f.Start(t)
	f.WaitReady(t, 10*time.Second)
	waitAgreed(t, c, map[int]uint64{1: target.LastWrittenIndex})
	c.Stop(t)
	checkReplicas(t, c)
	for _, b := range c.Brokers {
		for p := 1; p <= 3; p++ {
			m := readMetaOf(t, b, p)
			if m.CommitIndex == zeebe.NullIndex || m.CommitIndex == 0 || m.CommitIndex > m.LastFlushedIndex {
				t.Errorf("broker %d partition %d: .meta commit index %d, flushed %d", b.NodeID, p, m.CommitIndex, m.LastFlushedIndex)
			}
		}
	}
}

// When the leader stops, the other replicas elect one of them after the election timeout, in a
// higher term, and go on; the old leader comes back as a follower of the new term.
func TestLeaderStopsAnotherIsElected(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{SegmentSize: "4MB"})
	logsOnFailure(t, c)
	c.Start(t)
	old := waitLeader(t, c, 1)
	time.Sleep(300 * time.Millisecond)
	old.Stop(t)
	was := old.StoppedPositions(t).Partitions[1]
	var next *simtest.Broker
	deadline := time.Now().Add(10 * time.Second)
	for next == nil {
		for _, b := range c.Brokers {
			if b != old && b.Positions(t).Partitions[1].Role == "leader" {
				next = b
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no other broker took the lead of partition 1")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if now := next.Positions(t).Partitions[1]; now.Term <= was.Term {
		t.Errorf("broker %d leads term %d, the stopped leader led term %d", next.NodeID, now.Term, was.Term)
	}
	target := next.Positions(t).Partitions[1]
	for target.LastWrittenPosition <= was.LastWrittenPosition+20 {
		if time.Now().After(deadline) {
			t.Fatalf("the new leader does not go on: position %d, the old one stopped at %d", target.LastWrittenPosition, was.LastWrittenPosition)
		}
		time.Sleep(50 * time.Millisecond)
		target = next.Positions(t).Partitions[1]
	}
	old.Start(t)
	old.WaitReady(t, 10*time.Second)
	waitAgreed(t, c, map[int]uint64{1: target.LastWrittenIndex})
	if now := old.Positions(t).Partitions[1]; now.Role != "follower" {
		t.Errorf("broker %d, the old leader, is %s of partition 1", old.NodeID, now.Role)
	}
	c.Stop(t)
	checkReplicas(t, c)
}

// A follower whose uncommitted tail diverges from the leader's log (an entry of an older term
// at an index where the leader has its own initial entry) cuts it and takes the leader's.
func TestDivergentTailIsTruncated(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{SnapshotPeriod: "1h"})
	logsOnFailure(t, c)
	run(t, c, time.Second)
	old := checkReplicas(t, c)[1]
	run(t, c, 700*time.Millisecond)
	term := checkReplicas(t, c)[1]
	var end uint64
	for _, b := range c.Brokers {
		end = max(end, b.StoppedPositions(t).Partitions[1].LastWrittenIndex)
	}

	// The follower loses the entries of the new term, as if it had never received them, and
	// gets instead one more entry of the old term, as if the old leader had sent it before
	// it stopped.
	var f *simtest.Broker
	for _, b := range c.Brokers {
		if b.StoppedPositions(t).Partitions[1].Role == "follower" {
			f = b
		}
	}
	j := readJournalOf(t, f, 1)
	var s uint64
	for _, e := range j.Entries {
		if e.Term == term {
			s = e.Index
			break
		}
	}
	if s == 0 {
		t.Fatalf("broker %d has no entry of term %d", f.NodeID, term)
	}
	replaceTail(t, f, 1, s, old)
	if e, _ := readJournalOf(t, f, 1).Entry(s); e.Term != old || readJournalOf(t, f, 1).LastIndex() != s {
		t.Fatalf("the hand-made entry %d is not in place: %+v", s, e)
	}

	c.Start(t)
	waitAgreed(t, c, map[int]uint64{1: end + 20})
	if !strings.Contains(f.Log(), "truncating entries "+strconv.FormatUint(s, 10)) {
		t.Errorf("broker %d does not say it cut its divergent entry %d", f.NodeID, s)
	}
	c.Stop(t)
	checkReplicas(t, c)
	if e, _ := readJournalOf(t, f, 1).Entry(s); e.Term != term {
		t.Errorf("broker %d: entry %d has term %d, want the leader's %d", f.NodeID, s, e.Term, term)
	}
}

// logsOnFailure shows the brokers' logs when the test fails.
func logsOnFailure(t *testing.T, c *simtest.Cluster) {
	t.Cleanup(func() {
		if t.Failed() {
			for _, b := range c.Brokers {
				t.Logf("broker %d:\n%s", b.NodeID, b.Log())
			}
		}
	})
}

// run starts the cluster, waits until every partition has a leader followed by every replica,
// lets the workload go on for d and stops the cluster.
func run(t *testing.T, c *simtest.Cluster, d time.Duration) {
	t.Helper()
	c.Start(t)
	waitAgreed(t, c, nil)
	time.Sleep(d)
	c.Stop(t)
}

// waitAgreed waits until every replica of every partition knows committed the entries up to
// the index its leader had written when the wait began, or up to at[p] when higher: their logs
// are then the leader's up to there.
func waitAgreed(t *testing.T, c *simtest.Cluster, at map[int]uint64) {
	t.Helper()
	if at == nil {
		at = map[int]uint64{}
	}
	for p := 1; p <= c.Opts.Partitions; p++ {
		at[p] = max(at[p], waitLeader(t, c, p).Positions(t).Partitions[p].LastWrittenIndex)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, b := range c.Brokers {
		for p := 1; p <= c.Opts.Partitions; p++ {
			for now := b.Positions(t).Partitions[p]; !caughtUp(now, at[p]); now = b.Positions(t).Partitions[p] {
				if time.Now().After(deadline) {
					t.Fatalf("broker %d partition %d did not catch up with index %d: %+v", b.NodeID, p, at[p], now)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
}

// caughtUp tells whether a replica holds and knows committed the entries up to index.
func caughtUp(p sim.Positions, index uint64) bool {
	return p.LastWrittenIndex >= index && p.CommitIndex >= index
}

func partitionDirOf(b *simtest.Broker, p int) string {
	return filepath.Join(b.DataDir, "raft-partition", "partitions", strconv.Itoa(p))
}

func readJournalOf(t *testing.T, b *simtest.Broker, p int) *zeebe.Journal {
	t.Helper()
	j, err := zeebe.ReadJournal(partitionDirOf(b, p), zeebe.JournalName("raft-partition", p))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func readMetaOf(t *testing.T, b *simtest.Broker, p int) zeebe.Meta {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(partitionDirOf(b, p), zeebe.JournalName("raft-partition", p)+".meta"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := zeebe.ParseMeta(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func hasEntryOfTerm(t *testing.T, b *simtest.Broker, p int, term uint64) bool {
	for _, e := range readJournalOf(t, b, p).Entries {
		if e.Term == term {
			return true
		}
	}
	return false
}

// waitLeader waits until a broker leads partition p and returns it.
func waitLeader(t *testing.T, c *simtest.Cluster, p int) *simtest.Broker {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, b := range c.Brokers {
			if b.Positions(t).Partitions[p].Role == "leader" {
				return b
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("partition %d has no leader", p)
	return nil
}

// checkReplicas checks the data of a cleanly stopped cluster, partition by partition: the
// journals hold the same entries up to the lowest flushed index, every replica is in the same
// term with one leader, and each state is the workload's up to its processed position. It
// returns each partition's term.
func checkReplicas(t *testing.T, c *simtest.Cluster) map[int]uint64 {
	t.Helper()
	work := sim.Workload{Seed: uint64(c.Opts.Seed), RecordSize: c.Opts.RecordSize}
	terms := map[int]uint64{}
	for p := 1; p <= c.Opts.Partitions; p++ {
		minFlushed, maxFirst := zeebe.NullIndex, uint64(0)
		journals := map[int]*zeebe.Journal{}
		leaders := 0
		for _, b := range c.Brokers {
			j, m := readJournalOf(t, b, p), readMetaOf(t, b, p)
			journals[b.NodeID] = j
			minFlushed, maxFirst = min(minFlushed, m.LastFlushedIndex), max(maxFirst, j.FirstIndex())
			pos := b.StoppedPositions(t).Partitions[p]
			if pos.Role == "leader" {
				leaders++
			}
			if terms[p] == 0 {
				terms[p] = pos.Term
			} else if pos.Term != terms[p] {
				t.Errorf("partition %d: broker %d is in term %d, another in %d", p, b.NodeID, pos.Term, terms[p])
			}
			if want := digestAt(work, p, pos.ProcessedPosition); pos.Records != pos.ProcessedPosition || pos.StateDigest != want {
				t.Errorf("broker %d partition %d: %d records, processed %d, digest %d; the workload gives %d", b.NodeID, p, pos.Records, pos.ProcessedPosition, pos.StateDigest, want)
			}
			if pos.CommitIndex == 0 || pos.CommitIndex > pos.LastWrittenIndex {
				t.Errorf("broker %d partition %d: commit index %d, last index %d", b.NodeID, p, pos.CommitIndex, pos.LastWrittenIndex)
			}
		}
		if leaders != 1 {
			t.Errorf("partition %d: %d leaders at the stop", p, leaders)
		}
		if minFlushed == zeebe.NullIndex || minFlushed < maxFirst+50 {
			t.Fatalf("partition %d: the logs overlap only from %d to %d", p, maxFirst, minFlushed)
		}
		for i := maxFirst; i <= minFlushed; i++ {
			want, _ := journals[c.Brokers[0].NodeID].Entry(i)
			for _, b := range c.Brokers[1:] {
				if got, ok := journals[b.NodeID].Entry(i); !ok || got != want {
					t.Fatalf("partition %d index %d: broker %d has %+v, broker %d has %+v (%v)", p, i, c.Brokers[0].NodeID, want, b.NodeID, got, ok)
				}
			}
		}
		t.Logf("partition %d: term %d, the replicas agree on entries %d to %d", p, terms[p], maxFirst, minFlushed)
	}
	return terms
}

// digestAt is the state digest of a partition's workload processed up to a position.
func digestAt(w sim.Workload, p int, position int64) uint32 {
	var s sim.State
	for pos := int64(1); pos <= position; pos++ {
		s.Apply(pos, w.RecordValue(p, pos))
	}
	return s.Digest
}

// replaceTail cuts a stopped broker's journal after index at-1 and writes an application entry
// of the given term at index at, with records of another workload, as the only flushed one.
func replaceTail(t *testing.T, b *simtest.Broker, p int, at, term uint64) {
	t.Helper()
	l, err := zeebe.LayoutOf(zeebe.MustVersion(b.Version))
	if err != nil {
		t.Fatal(err)
	}
	j := readJournalOf(t, b, p)
	var position int64
	for _, e := range j.Entries {
		if e.Index < at && e.HighestPosition > position {
			position = e.HighestPosition
		}
	}
	var seg zeebe.Segment
	for _, s := range j.Segments {
		if !s.Prepared && s.DescriptorErr == nil && s.FirstIndex <= at && at <= s.LastIndex {
			seg = s
		}
	}
	raw, err := os.ReadFile(seg.Path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := zeebe.ScanEntries(raw, seg.Descriptor, seg.FirstIndex)
	if err != nil {
		t.Fatal(err)
	}
	offset := entries[at-seg.FirstIndex].Offset
	other := sim.Workload{Seed: 999, RecordSize: 256}
	var app []byte
	for pos := position + 1; pos <= position+2; pos++ {
		app = append(app, sim.EncodeLoggedEvent(l, pos, -1, pos, time.Now().UnixMilli(), zeebe.MustVersion(b.Version), other.RecordValue(p, pos))...)
	}
	entry := sim.EncodeEntry(l, at, position+1, sim.EncodeApplicationEntry(l, term, position+1, position+2, app))
	patchFile(t, seg.Path, int64(offset), append(entry, 0))
	for _, s := range j.Segments {
		if !s.Prepared && s.FileID > seg.FileID {
			if err := os.Remove(s.Path); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := readMetaOf(t, b, p)
	meta := sim.EncodeMeta(l, m.Term, at, at, m.VotedFor)
	if err := os.WriteFile(filepath.Join(partitionDirOf(b, p), zeebe.JournalName("raft-partition", p)+".meta"), meta, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("broker %d partition %d: entry %d replaced by one of term %d (positions %d-%d)", b.NodeID, p, at, term, position+1, position+2)
}
