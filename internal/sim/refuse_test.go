package sim_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// stoppedBroker runs a one-broker, one-partition cluster for a while and stops it cleanly.
func stoppedBroker(t *testing.T, o simtest.Options, run time.Duration) (*simtest.Cluster, *simtest.Broker) {
	t.Helper()
	o.Brokers, o.Partitions, o.Replication = 1, 1, 1
	c := simtest.NewCluster(t, t.TempDir(), o)
	b := c.Brokers[0]
	b.Start(t)
	b.WaitReady(t, 10*time.Second)
	time.Sleep(run)
	b.Stop(t)
	return c, b
}

func partitionDir(b *simtest.Broker) string {
	return filepath.Join(b.DataDir, "raft-partition", "partitions", "1")
}

const journal1 = "raft-partition-partition-1"

func readJournal(t *testing.T, b *simtest.Broker) *zeebe.Journal {
	t.Helper()
	j, err := zeebe.ReadJournal(partitionDir(b), journal1)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// usedSegments are the segments holding entries, in order.
func usedSegments(j *zeebe.Journal) []zeebe.Segment {
	var out []zeebe.Segment
	for _, s := range j.Segments {
		if !s.Prepared && s.LastIndex >= s.FirstIndex {
			out = append(out, s)
		}
	}
	return out
}

func patchFile(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	patchFile(t, path, off, []byte{b[off] ^ 0x5a})
}

// Each refusal comes from one deliberate corruption of a cleanly stopped broker's data.
func TestRefusesWhatZeebeRefuses(t *testing.T) {
	cases := []struct {
		name    string
		opts    simtest.Options
		corrupt func(t *testing.T, b *simtest.Broker)
		want    string
	}{
		{"lock file of another node", simtest.Options{}, func(t *testing.T, b *simtest.Broker) {
			os.WriteFile(filepath.Join(partitionDir(b), "."+journal1+".lock"), []byte("2"), 0o644)
		}, "Failed to acquire storage lock"},
		{"entry corrupted before the flushed index", simtest.Options{}, func(t *testing.T, b *simtest.Broker) {
			segs := usedSegments(readJournal(t, b))
			last := segs[len(segs)-1]
			flipByte(t, last.Path, int64(last.Descriptor.Length)+40)
		}, "Corrupted journal"},
		{"segment descriptor corrupted", simtest.Options{}, func(t *testing.T, b *simtest.Broker) {
			segs := usedSegments(readJournal(t, b))
			flipByte(t, segs[len(segs)-1].Path, 30)
		}, "Corrupted journal"},
		{"index gap between segments", simtest.Options{SegmentSize: "32KB", SnapshotPeriod: "1h"}, func(t *testing.T, b *simtest.Broker) {
			segs := usedSegments(readJournal(t, b))
			if len(segs) < 3 {
				t.Fatalf("need 3 segments, have %d", len(segs))
			}
			os.Remove(segs[1].Path)
		}, "gap in the log"},
		// §2.5 step 5: InvalidIndex fails startup even after the flushed index, where a torn
		// entry would be cut (TestKillAndRecover).
		{"intact entry with the wrong index after the flushed index", simtest.Options{}, func(t *testing.T, b *simtest.Broker) {
			j := readJournal(t, b)
			segs := usedSegments(j)
			last := segs[len(segs)-1]
			raw, err := os.ReadFile(last.Path)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := zeebe.ScanEntries(raw, last.Descriptor, last.FirstIndex)
			if err != nil || len(entries) < 3 {
				t.Fatalf("last segment: %d entries, %v", len(entries), err)
			}
			e := entries[len(entries)-1]
			l, _ := zeebe.LayoutOf(zeebe.MustVersion(b.Version))
			patchFile(t, last.Path, int64(e.Offset), sim.EncodeEntry(l, e.Index+5, e.ASQN, e.Payload))
			meta := sim.EncodeMeta(l, e.Term, e.Index-2, e.Index-2, "0")
			os.WriteFile(filepath.Join(partitionDir(b), journal1+".meta"), meta, 0o644)
		}, "InvalidIndex"},
		{"flushed index beyond the last entry", simtest.Options{}, func(t *testing.T, b *simtest.Broker) {
			j := readJournal(t, b)
			l, _ := zeebe.LayoutOf(zeebe.MustVersion(b.Version))
			meta := sim.EncodeMeta(l, 1, j.LastIndex()+100, j.LastIndex()+100, "0")
			os.WriteFile(filepath.Join(partitionDir(b), journal1+".meta"), meta, 0o644)
		}, "Expected to find records until index"},
		{"snapshot does not match its checksum file, log compacted", simtest.Options{SegmentSize: "32KB", SnapshotPeriod: "200ms"}, func(t *testing.T, b *simtest.Broker) {
			if readJournal(t, b).FirstIndex() == 1 {
				t.Fatal("the log was not compacted")
			}
			ssts, _ := filepath.Glob(filepath.Join(partitionDir(b), "snapshots", "*", "*.sst"))
			if len(ssts) != 1 {
				t.Fatalf("snapshot table files: %v", ssts)
			}
			flipByte(t, ssts[0], 100)
		}, "expected to find a snapshot at index"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, b := stoppedBroker(t, c.opts, 1500*time.Millisecond)
			c.corrupt(t, b)
			log := b.RunToFailure(t, 10*time.Second)
			if !strings.Contains(log, c.want) {
				t.Fatalf("the refusal does not say %q:\n%s", c.want, log)
			}
		})
	}
}

// Zeebe's version check (§8) against the version recorded in the state.
func TestVersionCheckAgainstTheData(t *testing.T) {
	for _, c := range []struct {
		version string
		ok      bool
		want    string
	}{
		{"8.7.0", false, "skipping minor versions"},
		{"8.4.5", false, "downgrades are not supported"},
		{"8.5.1", false, "downgrades are not supported"},
		{"8.5.4", true, ""},
		{"8.6.0", true, ""},
	} {
		t.Run(c.version, func(t *testing.T) {
			cl, b := stoppedBroker(t, simtest.Options{Version: "8.5.3", SnapshotPeriod: "200ms"}, time.Second)
			cl.SetVersion(t, b, c.version)
			if !c.ok {
				log := b.RunToFailure(t, 10*time.Second)
				if !strings.Contains(log, "Incompatible version") || !strings.Contains(log, c.want) {
					t.Fatalf("the refusal does not say %q:\n%s", c.want, log)
				}
				return
			}
			b.Start(t)
			b.WaitReady(t, 10*time.Second)
			b.Stop(t)
		})
	}
}

// SIGKILL leaves runtime/ and maybe a torn entry; the restart cuts the torn tail after the
// flushed index, replays, and goes on writing from the last position.
func TestKillAndRecover(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{Brokers: 1, Partitions: 1, Replication: 1, SnapshotPeriod: "300ms"})
	b := c.Brokers[0]
	b.Start(t)
	b.WaitReady(t, 10*time.Second)
	time.Sleep(time.Second)
	b.Kill(t)
	if _, err := os.Stat(filepath.Join(partitionDir(b), "runtime")); err != nil {
		t.Errorf("SIGKILL should leave runtime/ behind: %v", err)
	}
	j := readJournal(t, b)
	segs := usedSegments(j)
	last := segs[len(segs)-1]
	// A torn last entry: frame byte set, the rest garbage, after everything flushed.
	torn := append([]byte{1}, []byte(strings.Repeat("\xab", 64))...)
	patchFile(t, last.Path, int64(last.End), torn)
	before := j.LastIndex()

	b.Start(t)
	b.WaitReady(t, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if !strings.Contains(b.Log(), "truncating a partially written entry") {
		t.Errorf("no truncation was logged:\n%s", b.Log())
	}
	p := b.Positions(t).Partitions[1]
	if p.LastWrittenIndex <= before+1 {
		t.Errorf("after the restart the log ends at %d, it ended at %d before", p.LastWrittenIndex, before)
	}
	if p.Records != p.ProcessedPosition || p.ProcessedPosition != p.LastWrittenPosition {
		t.Errorf("state is not continuous: %d records, processed %d, written %d", p.Records, p.ProcessedPosition, p.LastWrittenPosition)
	}
	if p.Term != 2 {
		t.Errorf("term %d after one restart, want 2", p.Term)
	}
	b.Stop(t)
	if j := readJournal(t, b); j.LastIndex() < p.LastWrittenIndex {
		t.Errorf("journal ends at %d, below the %d reported while running", j.LastIndex(), p.LastWrittenIndex)
	}
}

// A clean restart continues the workload where it stopped, with the same state.
func TestRestartContinues(t *testing.T) {
	_, b := stoppedBroker(t, simtest.Options{SnapshotPeriod: "300ms"}, time.Second)
	stopped := b.StoppedPositions(t).Partitions[1]
	b.Start(t)
	b.WaitReady(t, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	now := b.Positions(t).Partitions[1]
	if now.LastWrittenPosition <= stopped.LastWrittenPosition || now.Records != now.ProcessedPosition {
		t.Fatalf("after the restart: %+v; at the stop: %+v", now, stopped)
	}
	b.Stop(t)
}

// §2.5 step 7: the next segment is prepared on a roll only, and the all-zero file a stop leaves
// is deleted at the next start; then the journal goes on in the last used segment.
func TestRestartDeletesThePreparedSegment(t *testing.T) {
	_, b := stoppedBroker(t, simtest.Options{SegmentSize: "32KB", SnapshotPeriod: "1h"}, 1500*time.Millisecond)
	j := readJournal(t, b)
	prepared := j.Segments[len(j.Segments)-1]
	if !prepared.Prepared || len(usedSegments(j)) < 2 {
		t.Fatalf("after rolling over, want the used segments followed by a prepared one: %+v", j.Segments)
	}
	b.Start(t)
	b.WaitReady(t, 10*time.Second)
	b.Stop(t)
	if !strings.Contains(b.Log(), "deleting segment "+filepath.Base(prepared.Path)+", prepared ahead and never used") {
		t.Errorf("the restart did not delete %s:\n%s", prepared.Path, b.Log())
	}
	if strings.Contains(b.Log(), "corrupted segment") {
		t.Errorf("the restart deleted a segment with entries:\n%s", b.Log())
	}
	after := readJournal(t, b)
	if after.FirstIndex() != j.FirstIndex() || after.LastIndex() < j.LastIndex() {
		t.Errorf("journal %d..%d before the restart, %d..%d after", j.FirstIndex(), j.LastIndex(), after.FirstIndex(), after.LastIndex())
	}
}
