package testtree

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Mixed writes below root a tree of about size bytes with the data mix of a Zeebe broker's data
// folder, for benchmarks of copying it. It has the shape, not Zeebe's exact format (the broker
// simulator writes that): three partitions, each with
//   - journal segments of record-like, compressible bytes (about 35% of the data), the last
//     one and a prepared next one zero-filled as preallocated segments are (about 25%);
//   - a snapshot of incompressible SST-like files (about 40%) and small RocksDB files;
//   - runtime/ hard-linking the snapshot's SST files, as a RocksDB checkpoint does.
//
// The same seed gives the same bytes.
func Mixed(root string, size int64, seed uint64) error {
	src := rand.NewChaCha8(seedBytes(seed))
	rng := rand.New(src)
	const partitions = 3
	per := size / partitions
	segSize := min(max(per/4, 64<<10), 64<<20)
	for p := 1; p <= partitions; p++ {
		dir := filepath.Join(root, "raft-partition", "partitions", strconv.Itoa(p))
		snap := filepath.Join(dir, "snapshots", fmt.Sprintf("%d-1-%d-%d", 1000*p, 2000*p, 2000*p))
		runtime := filepath.Join(dir, "runtime")
		for _, d := range []string{snap, runtime} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		// Journal: records, then zeros to the end of the segment, then a prepared empty segment.
		records := per * 35 / 100
		zeros := per * 25 / 100
		for seg := 1; records > 0 || zeros > 0; seg++ {
			name := filepath.Join(dir, fmt.Sprintf("raft-partition-partition-%d-%d.log", p, seg))
			r := min(records, segSize)
			z := min(zeros, segSize-r)
			if err := writeFile(name, func(w *bufio.Writer) error {
				if err := writeRecords(w, rng, r); err != nil {
					return err
				}
				return writeZeros(w, z)
			}); err != nil {
				return err
			}
			records -= r
			zeros -= z
		}
		// Snapshot SST files, incompressible, hard-linked into runtime/.
		sst := per * 40 / 100
		for i := 1; sst > 0; i++ {
			n := min(sst, 32<<20)
			name := fmt.Sprintf("%06d.sst", 10+i)
			if err := writeFile(filepath.Join(snap, name), func(w *bufio.Writer) error { return writeRandom(w, src, n) }); err != nil {
				return err
			}
			if err := os.Link(filepath.Join(snap, name), filepath.Join(runtime, name)); err != nil {
				return err
			}
			sst -= n
		}
		for _, d := range []string{snap, runtime} {
			for name, content := range map[string]string{
				"CURRENT":         "MANIFEST-000005\n",
				"MANIFEST-000005": "rocksdb manifest placeholder\n",
				"OPTIONS-000007":  "[Version]\n  rocksdb_version=8.1.1\n",
			} {
				if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
					return err
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf(".raft-partition-partition-%d.lock", p)), []byte("0"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func seedBytes(seed uint64) (b [32]byte) {
	for i := range 4 {
		v := seed + uint64(i)*0x9e3779b97f4a7c15
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func writeFile(name string, fill func(*bufio.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeZeros(w *bufio.Writer, n int64) error {
	zero := make([]byte, 1<<16)
	for n > 0 {
		k := min(n, int64(len(zero)))
		if _, err := w.Write(zero[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

func writeRandom(w *bufio.Writer, src *rand.ChaCha8, n int64) error {
	buf := make([]byte, 1<<16)
	for n > 0 {
		k := min(n, int64(len(buf)))
		src.Read(buf[:k])
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

var intents = []string{"ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "ELEMENT_COMPLETING", "ELEMENT_COMPLETED", "CREATED", "COMPLETE"}

// writeRecords writes n bytes of record-like data: a small binary frame around JSON-like
// payloads with random keys, which compresses about as well as a Zeebe journal does.
func writeRecords(w *bufio.Writer, rng *rand.Rand, n int64) error {
	var rec []byte
	for n > 0 {
		rec = rec[:0]
		rec = append(rec, 1, 0, 0, 0, 0, 0, 0, 0)
		rec = append(rec, `{"key":`...)
		rec = strconv.AppendUint(rec, rng.Uint64()>>12, 10)
		rec = append(rec, `,"processInstanceKey":`...)
		rec = strconv.AppendUint(rec, rng.Uint64()>>12, 10)
		rec = append(rec, `,"bpmnProcessId":"order-process","elementId":"task_`...)
		rec = strconv.AppendUint(rec, rng.Uint64N(20), 10)
		rec = append(rec, `","intent":"`...)
		rec = append(rec, intents[rng.IntN(len(intents))]...)
		rec = append(rec, `","variables":{"amount":`...)
		rec = strconv.AppendUint(rec, rng.Uint64N(100000), 10)
		rec = append(rec, `,"customer":"c-`...)
		rec = strconv.AppendUint(rec, rng.Uint64N(5000), 10)
		rec = append(rec, `"}}`...)
		k := min(int64(len(rec)), n)
		if _, err := w.Write(rec[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
