package check_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// threeShape is the shape of the three-broker runs with one partition.
func threeShape(node int) check.Options {
	return check.Options{NodeID: node, Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 1, ReplicationFactor: 3}}
}

// A leader deposed while its last entries were flushed but not replicated: its log holds entries
// of its old term where the others hold the new leader's, committed and in their snapshots.
// That is a valid backup (Raft truncates the old tail when the replica follows the new leader),
// in the 8.5 layout (no commit index in .meta) and in the 8.7 one (with it). The check says so
// as info, naming the stale replica; it did refuse the 8.5 data as long as it compared replicas
// up to their flushed indexes.
func TestClusterDeposedLeaderTail(t *testing.T) {
	for _, v := range []string{"8.5.3", "8.7.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			dirs, div := deposedLeader(t, v)
			var reps []*check.Report
			for n, dir := range dirs {
				rep := inspect(t, dir, threeShape(n))
				if fs := serious(rep); len(fs) > 0 {
					t.Fatalf("broker %d:%s", n, describe(fs))
				}
				reps = append(reps, rep)
			}
			for _, n := range []int{1, 2} {
				pr := reps[n].Partitions[0]
				if pr.Snapshot == nil || pr.Snapshot.Index < div {
					t.Fatalf("broker %d's snapshot %+v does not cover the divergence at %d: the case is not the one this test is about", n, pr.Snapshot, div)
				}
				if v == "8.7.0" && (pr.CommitIndex == zeebe.NullIndex || pr.CommitIndex < div) {
					t.Fatalf("broker %d's commit index %d does not cover the divergence at %d", n, pr.CommitIndex, div)
				}
			}
			fs := check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 1, ReplicationFactor: 3})
			t.Logf("findings:%s", describe(fs))
			// One info finding for broker 0 with each of the others whose log still overlaps
			// its tail (a replica may have compacted older entries away): from the divergence,
			// or from the first index both hold.
			want := map[int]uint64{}
			for _, n := range []int{1, 2} {
				if first := reps[n].Partitions[0].FirstIndex; first <= reps[0].Partitions[0].LastIndex {
					want[n] = max(div, first)
				}
			}
			if len(fs) != len(want) || len(want) == 0 {
				t.Fatalf("want one info finding for broker 0 with each of the brokers of %v, got%s", want, describe(fs))
			}
			for n, at := range want {
				if !slices.ContainsFunc(fs, func(f check.Finding) bool {
					return f.Severity == check.Info && f.Check == "replicas.log-matching" && f.Broker == 0 && f.Partition == 1 &&
						strings.Contains(f.Message, fmt.Sprintf("brokers 0 and %d diverge from index %d ", n, at))
				}) {
					t.Errorf("want info replicas.log-matching for brokers 0 and %d from index %d, got%s", n, at, describe(fs))
				}
			}
		})
	}
}

// Replicas whose logs have entries of different terms at an index below both their snapshots
// committed two different entries there: an error, although each broker's data is fine alone.
func TestClusterDivergenceBelowSnapshot(t *testing.T) {
	src := snapshotted(t, "8.5.3", 3)
	dirs := []string{copyData(t, src[0]), src[1], src[2]}
	var reps []*check.Report
	opts := threeShape
	for n, dir := range dirs {
		reps = append(reps, inspect(t, dir, opts(n)))
	}
	first, below := uint64(0), ^uint64(0)
	for _, r := range reps {
		pr := r.Partitions[0]
		if pr.Snapshot == nil {
			t.Fatalf("broker %d has no snapshot of partition 1", r.NodeID)
		}
		first, below = max(first, pr.FirstIndex), min(below, pr.Snapshot.Index)
	}
	if first+1 >= below {
		t.Fatalf("no entry below every snapshot (logs start at %d, snapshots from %d)", first, below)
	}
	at := (first + below) / 2
	l, err := zeebe.LayoutOf(zeebe.MustVersion("8.5.3"))
	if err != nil {
		t.Fatal(err)
	}
	term := rewriteTerm(t, dirs[0], l, at)
	reps[0] = inspect(t, dirs[0], opts(0))
	if fs := serious(reps[0]); len(fs) > 0 {
		t.Fatalf("broker 0 alone:%s", describe(fs))
	}
	fs := check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 1, ReplicationFactor: 3})
	if len(fs) != 2 {
		t.Fatalf("want a log matching error for broker 0 against 1 and 2, got%s", describe(fs))
	}
	for _, f := range fs {
		if f.Severity != check.Error || f.Check != "replicas.log-matching" || f.Partition != 1 ||
			!strings.Contains(f.Message, fmt.Sprintf("at index %d, broker 0 has an entry of term %d", at, term)) {
			t.Errorf("want an error at index %d, got%s", at, describe([]check.Finding{f}))
		}
	}
}

// snapshotted returns the data folders of a cluster of one partition (replication factor
// min(3, brokers)) that ran until every broker had a snapshot at index 40 or later, whatever the
// machine's load, and stopped cleanly; its segments of 1 MB are not compacted. Made once per test binary; do not change the folders.
func snapshotted(t *testing.T, version string, brokers int) []string {
	t.Helper()
	key := simSpec{Version: version, Brokers: brokers, Partitions: -1}
	cacheMu.Lock()
	d := cache[key]
	if d == nil {
		d = &dataset{}
		cache[key] = d
	}
	cacheMu.Unlock()
	d.once.Do(func() {
		c := simtest.NewCluster(t, filepath.Join(cacheRoot, fmt.Sprintf("snapshotted-%s-%d", version, brokers)), simtest.Options{
			Brokers: brokers, Partitions: 1, Replication: min(3, brokers), Version: version,
			SegmentSize: "1MB", SnapshotPeriod: "300ms", StateSize: "16KB",
		})
		c.Start(t)
		deadline := time.Now().Add(30 * time.Second)
		for _, b := range c.Brokers {
			for {
				pos := b.Positions(t).Partitions[1]
				if id, err := zeebe.ParseSnapshotID(pos.SnapshotID); err == nil && id.Index >= 40 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("broker %d has no snapshot at index 40 or later: %+v\n%s", b.NodeID, pos, b.Log())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		c.Stop(t)
		for _, b := range c.Brokers {
			d.dirs = append(d.dirs, b.DataDir)
		}
		d.ok = true
	})
	if !d.ok {
		t.Fatalf("simulator data of %s with snapshots could not be made", version)
	}
	return d.dirs
}

// deposedLeader makes the data of a three-broker cluster of one partition: first all three run,
// then brokers 1 and 2 alone, which elect a leader of a new term and go on, take snapshots, and
// stop. Broker 0 keeps its log of the first run; then, as if it had led the old term and
// written more before it was cut off, entries of its last term are appended after its end,
// beyond where the others hold entries of the new term, and its .meta says they were flushed.
// It returns the data folders and the first index where the logs differ.
func deposedLeader(t *testing.T, version string) ([]string, uint64) {
	t.Helper()
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{
		Brokers: 3, Partitions: 1, Replication: 3, Version: version,
		SegmentSize: "32KB", SnapshotPeriod: "300ms", StateSize: "16KB",
	})
	t.Cleanup(func() {
		if t.Failed() {
			for _, b := range c.Brokers {
				t.Logf("broker %d:\n%s", b.NodeID, b.Log())
			}
		}
	})
	c.Start(t)
	time.Sleep(1500 * time.Millisecond)
	c.Stop(t)
	was := c.Brokers[0].StoppedPositions(t).Partitions[1]
	old := was.Term

	rest := c.Brokers[1:]
	for _, b := range rest {
		b.Start(t)
	}
	for _, b := range rest {
		b.WaitReady(t, 15*time.Second)
	}
	// Wait until both have a snapshot beyond broker 0's last entry: their snapshots then cover
	// the new leader's first entries, so both know them committed.
	deadline := time.Now().Add(20 * time.Second)
	for _, b := range rest {
		for {
			pos := b.Positions(t).Partitions[1]
			if id, err := zeebe.ParseSnapshotID(pos.SnapshotID); err == nil && id.Index > was.LastWrittenIndex+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("broker %d has no snapshot after index %d: %+v", b.NodeID, was.LastWrittenIndex+1, pos)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, b := range rest {
		b.Signal(syscall.SIGTERM)
	}
	for _, b := range rest {
		if err := b.Wait(10 * time.Second); err != nil {
			t.Fatalf("broker %d: %v", b.NodeID, err)
		}
	}

	l, err := zeebe.LayoutOf(zeebe.MustVersion(version))
	if err != nil {
		t.Fatal(err)
	}
	name := zeebe.JournalName("raft-partition", 1)
	pdir := func(b *simtest.Broker) string { return filepath.Join(b.DataDir, filepath.FromSlash(p1)) }
	x := readJournal(t, pdir(c.Brokers[0]), name)
	y := readJournal(t, pdir(c.Brokers[1]), name)
	newTerm := uint64(0) // the first index of a newer term in broker 1's log
	for _, e := range y.Entries {
		if e.Term > old {
			newTerm = e.Index
			break
		}
	}
	if newTerm == 0 || x.LastIndex() == 0 || x.Entries[len(x.Entries)-1].Term != old {
		t.Fatalf("broker 1 has no entry of a term after %d, or broker 0's log does not end in it (last index %d)", old, x.LastIndex())
	}
	n := max(5, int(newTerm)+5-int(x.LastIndex()))
	appendEntries(t, pdir(c.Brokers[0]), name, l, x, old, n)

	x = readJournal(t, pdir(c.Brokers[0]), name)
	div := uint64(0)
	for _, e := range x.Entries {
		if f, ok := y.Entry(e.Index); ok && f.Term != e.Term {
			div = e.Index
			break
		}
	}
	if div == 0 {
		t.Fatalf("the logs of brokers 0 and 1 do not diverge")
	}
	t.Logf("broker 0: term %d up to index %d; broker 1: term %d from index %d; they differ from %d", old, x.LastIndex(), y.Entries[len(y.Entries)-1].Term, newTerm, div)
	var dirs []string
	for _, b := range c.Brokers {
		dirs = append(dirs, b.DataDir)
	}
	return dirs, div
}

func readJournal(t *testing.T, dir, name string) *zeebe.Journal {
	t.Helper()
	j, err := zeebe.ReadJournal(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// appendEntries appends n application entries of the given term after the last entry of a
// stopped broker's journal j (read from dir), as its leader would: framed and checksummed by the
// simulator's encoders, in the last segment or, when it is full, in the next one, with the
// descriptors' lastIndex hints updated as a flush does. .meta's flushed index then covers them.
func appendEntries(t *testing.T, dir, name string, l zeebe.Layout, j *zeebe.Journal, term uint64, n int) {
	t.Helper()
	var seg zeebe.Segment
	for _, s := range j.Segments {
		if !s.Prepared && s.DescriptorErr == nil {
			seg = s
		}
	}
	size := int64(seg.Descriptor.MaxSegmentSize)
	fileID, segID, first := seg.FileID, seg.Descriptor.ID, seg.FirstIndex
	f, err := os.OpenFile(seg.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte, off int64) {
		t.Helper()
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	flush := func(last uint64, lastPos int64) {
		t.Helper()
		write(sim.EncodeDescriptor(l, segID, int64(first), int32(size), last, uint32(lastPos)), 0)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	end, lastPos := int64(seg.End), int64(seg.LastOffset)
	index, position := j.LastIndex()+1, j.Entries[len(j.Entries)-1].HighestPosition
	for _, e := range j.Entries {
		position = max(position, e.HighestPosition)
	}
	work := sim.Workload{Seed: 4242, RecordSize: 64}
	for range n {
		position++
		app := sim.EncodeLoggedEvent(l, position, -1, position, time.Now().UnixMilli(), l.Version, work.RecordValue(1, position))
		e := sim.EncodeEntry(l, index, position, sim.EncodeApplicationEntry(l, term, position, position, app))
		if end+int64(len(e))+1 > size {
			flush(index-1, lastPos)
			fileID, segID, first = fileID+1, segID+1, index
			if f, err = os.OpenFile(filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, fileID)), os.O_RDWR|os.O_CREATE, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(size); err != nil {
				t.Fatal(err)
			}
			end = int64(l.DescriptorLength())
		}
		write(append(e, 0), end)
		lastPos, end, index = end, end+int64(len(e)), index+1
	}
	flush(index-1, lastPos)

	metaPath := filepath.Join(dir, name+".meta")
	raw, err := os.ReadFile(metaPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := zeebe.ParseMeta(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(metaPath, sim.EncodeMeta(l, m.Term, index-1, m.CommitIndex, m.VotedFor), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewriteTerm gives partition 1's entry at an index another term (one more), keeping its
// content and size, with a correct checksum; it returns the new term.
func rewriteTerm(t *testing.T, dir string, l zeebe.Layout, index uint64) uint64 {
	t.Helper()
	files, entries := dataSegments(t, dir)
	for i, es := range entries {
		for _, e := range es {
			if e.Index != index {
				continue
			}
			payload := append([]byte(nil), e.Payload...)
			term := le64(payload[8:]) + 1
			for k := range 8 {
				payload[8+k] = byte(term >> (8 * k))
			}
			b := sim.EncodeEntry(l, e.Index, e.ASQN, payload)
			if len(b) != e.Size {
				t.Fatalf("the re-encoded entry %d has %d bytes, the original %d", index, len(b), e.Size)
			}
			patch(t, files[i], int64(e.Offset), b)
			return term
		}
	}
	t.Fatalf("no entry %d in partition 1 of %s", index, dir)
	return 0
}

func le64(b []byte) uint64 {
	var v uint64
	for k := range 8 {
		v |= uint64(b[k]) << (8 * k)
	}
	return v
}

func patch(t *testing.T, file string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
