// Package gen writes a large, valid Zeebe data folder in one go, with the simulator's encoders:
// what a broker of the given version leaves after a clean stop, without running one. It is for
// benchmarks and tests that need gigabytes of real-format data quickly (a test instrument).
package gen

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Options shape the data folder.
type Options struct {
	Version     string // default 8.5.3
	NodeID      int
	Shape       zeebe.Shape // default 3 brokers, 3 partitions, replication factor 3
	Size        int64       // about this many bytes in all
	SegmentSize int64       // default 128 MiB, as Zeebe's
	RecordSize  int         // default 512
	Seed        uint64
}

// Write writes the data folder of one broker below dir: for each of its partitions a journal
// of about 60% of its share in full segments plus, after a roll, the one prepared ahead, a committed snapshot holding
// the rest as state, .meta, .conf and the lock file; and .topology.meta (8.4+).
func Write(dir string, o Options) error {
	if o.Version == "" {
		o.Version = "8.5.3"
	}
	if o.Shape.ClusterSize == 0 {
		o.Shape = zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}
	}
	if o.SegmentSize == 0 {
		o.SegmentSize = 128 << 20
	}
	if o.RecordSize == 0 {
		o.RecordSize = 512
	}
	v, err := zeebe.ParseVersion(o.Version)
	if err != nil {
		return err
	}
	l, err := zeebe.LayoutOf(v)
	if err != nil {
		return err
	}
	dist := zeebe.Distribute(o.Shape, true)
	mine := zeebe.PartitionsOf(dist, o.NodeID)
	if len(mine) == 0 {
		return fmt.Errorf("node %d holds no partition", o.NodeID)
	}
	share := o.Size / int64(len(mine))
	for _, p := range mine {
		var members []zeebe.Member
		for _, r := range dist[p] {
			members = append(members, zeebe.Member{Type: zeebe.MemberActive, Updated: 1700000000000, ID: strconv.Itoa(r.NodeID)})
		}
		w := partitionWriter{l: l, v: v, o: o, id: p, dir: filepath.Join(dir, l.PartitionGroup, "partitions", strconv.Itoa(p)),
			name: zeebe.JournalName(l.PartitionGroup, p), work: sim.Workload{Seed: o.Seed, RecordSize: o.RecordSize}}
		if err := w.write(share*6/10, share*4/10, members); err != nil {
			return fmt.Errorf("partition %d: %w", p, err)
		}
	}
	if l.TopologyMeta {
		t := zeebe.PersistedTopology{Version: 1, Members: map[int]zeebe.TopologyMember{}}
		for n := range o.Shape.ClusterSize {
			m := zeebe.TopologyMember{Version: 1, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{}}
			for _, p := range slices.Sorted(maps.Keys(dist)) {
				for _, r := range dist[p] {
					if r.NodeID == n {
						m.Partitions[p] = zeebe.PartitionState{State: zeebe.StateActive, Priority: r.Priority}
					}
				}
			}
			t.Members[n] = m
		}
		if l.ClusterID {
			t.ClusterID = "zeebe-sim-gen"
		}
		return os.WriteFile(filepath.Join(dir, zeebe.TopologyMetaFile), sim.EncodeTopologyMeta(t, 1700000000), 0o644)
	}
	return nil
}

type partitionWriter struct {
	l    zeebe.Layout
	v    zeebe.Version
	o    Options
	id   int
	dir  string
	name string
	work sim.Workload
}

func (w *partitionWriter) write(journalBytes, stateBytes int64, members []zeebe.Member) error {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.dir, "."+w.name+".lock"), []byte(strconv.Itoa(w.o.NodeID)), 0o644); err != nil {
		return err
	}
	const term = 1
	var state sim.State
	if w.l.MigratedByVersion {
		state.MigratedBy = w.v.String()
	}
	index, position := uint64(1), int64(0)
	fileID := int64(1)
	var written int64
	var lastApp uint64
	for first := true; first || written < journalBytes; fileID++ {
		first = false
		f, err := os.Create(filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", w.name, fileID)))
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		d := sim.EncodeDescriptor(w.l, fileID, int64(index), int32(w.o.SegmentSize), 0, 0)
		bw.Write(d)
		off := int64(len(d))
		for written < journalBytes {
			var payload []byte
			asqn := int64(-1)
			if index == 1 {
				payload = sim.EncodeInitialEntry(w.l, term)
			} else {
				var app []byte
				lowest := position + 1
				for i := range int64(4) {
					value := w.work.RecordValue(w.id, lowest+i)
					app = append(app, sim.EncodeLoggedEvent(w.l, lowest+i, -1, lowest+i, 1700000000000+lowest+i, w.v, value)...)
					state.Apply(lowest+i, value)
				}
				position = lowest + 3
				asqn = lowest
				payload = sim.EncodeApplicationEntry(w.l, term, lowest, position, app)
				lastApp = index
			}
			e := sim.EncodeEntry(w.l, index, asqn, payload)
			if off+int64(len(e))+1 > w.o.SegmentSize {
				break
			}
			bw.Write(e)
			off += int64(len(e))
			written += int64(len(e))
			index++
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := f.Truncate(w.o.SegmentSize); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	// The segment prepared ahead (8.2+), all zeros: Zeebe prepares it on a roll only (§2.5
	// step 7), so only a journal of more than one segment has it.
	if fileID > 2 {
		prepared, err := os.Create(filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", w.name, fileID)))
		if err != nil {
			return err
		}
		err = prepared.Truncate(w.o.SegmentSize)
		if cerr := prepared.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	last := index - 1
	if err := os.WriteFile(filepath.Join(w.dir, w.name+".meta"), sim.EncodeMeta(w.l, term, last, last, strconv.Itoa(w.o.NodeID)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.dir, w.name+".conf"), sim.EncodeConf(w.l, 1, term, 1700000000000, members), 0o644); err != nil {
		return err
	}
	return w.snapshot(lastApp, term, state, stateBytes)
}

// snapshot commits a snapshot at the last application entry with the state as one table file.
func (w *partitionWriter) snapshot(index, term uint64, state sim.State, size int64) error {
	id := zeebe.SnapshotID{Index: index, Term: term, ProcessedPosition: state.ProcessedPosition, ExportedPosition: zeebe.NoExporterPosition,
		BrokerID: w.o.NodeID, Parts: w.l.SnapshotIDParts}
	files := map[string][]byte{
		"000042.sst":      state.SST(int(max(size, 1024)), w.o.Seed),
		"CURRENT":         []byte("MANIFEST-000005\n"),
		"MANIFEST-000005": []byte("manifest: 000042.sst\n"),
		"OPTIONS-000007":  []byte("# RocksDB options (zeebe-sim)\n"),
	}
	if w.l.ZeebeMetadata {
		files[zeebe.MetadataFile] = sim.EncodeSnapshotMetadata(state.ProcessedPosition, id.ExportedPosition, state.ProcessedPosition)
	}
	crcs := map[string]uint32{}
	for n, b := range files {
		crcs[n] = zeebe.CRC32C(b)
	}
	if id.Parts == 6 {
		id.Checksum = zeebe.SnapshotIDChecksum(crcs)
	}
	snapDir := filepath.Join(w.dir, "snapshots", id.String())
	if err := os.MkdirAll(snapDir, 0o755); err != nil {
		return err
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(snapDir, n), b, 0o644); err != nil {
			return err
		}
	}
	var combined uint64
	if w.l.CombinedChecksum {
		skip := func(name string) bool { return w.l.FullFileChecksums && filepath.Ext(name) == ".sst" }
		combined, _, _ = zeebe.CombinedChecksum(slices.Collect(maps.Keys(files)), func(n string) ([]byte, error) { return files[n], nil }, skip)
	}
	return os.WriteFile(snapDir+".checksum", sim.EncodeSFV(w.l, crcs, combined), 0o644)
}
