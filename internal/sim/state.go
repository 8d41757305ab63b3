package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Workload is what the simulated records are made of. Every record is a function of the seed,
// the partition and its position, so a test can tell what the data must hold.
type Workload struct {
	Seed       uint64
	RecordSize int // bytes of a record's value
}

// RecordValue is the msgpack value of the record at a position: a map with the position, a key
// and a payload whose first quarter is random and the rest a repeated pattern.
func (w Workload) RecordValue(partition int, position int64) []byte {
	rng := rand.New(rand.NewPCG(w.Seed^uint64(partition)<<48, uint64(position)))
	payload := make([]byte, max(w.RecordSize-32, 8))
	for i := range payload {
		if i < len(payload)/4 {
			payload[i] = byte(rng.Uint32())
		} else {
			payload[i] = "zeebe-sim "[i%10]
		}
	}
	// msgpack: fixmap(3) {"p": int64, "k": int64, "v": bin}
	b := []byte{0x83, 0xa1, 'p', 0xd3}
	b = binary.BigEndian.AppendUint64(b, uint64(position))
	b = append(b, 0xa1, 'k', 0xd3)
	b = binary.BigEndian.AppendUint64(b, rng.Uint64()>>1)
	b = append(b, 0xa1, 'v')
	switch n := len(payload); {
	case n < 1<<8:
		b = append(b, 0xc4, byte(n))
	case n < 1<<16:
		b = append(b, 0xc5)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0xc6)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, payload...)
}

// State is a partition's processed state: what the simulated RocksDB holds.
type State struct {
	ProcessedPosition int64  `json:"processedPosition"`
	Records           int64  `json:"records"`
	Digest            uint32 `json:"digest"` // CRC32C over every record value, in position order
	// MigratedBy is the version that last migrated the state (8.5+), "" when unknown.
	MigratedBy string `json:"migratedBy,omitempty"`
}

// Apply processes one record.
func (s *State) Apply(position int64, value []byte) {
	s.ProcessedPosition = position
	s.Records++
	s.Digest = zeebe.CRC32CUpdate(s.Digest, value)
}

// sstMagic ends a RocksDB block-based table file.
var sstMagic = []byte{0xf7, 0xcf, 0xf4, 0x85, 0xb7, 0x41, 0xe2, 0x88}

const stateMarker = "zeebe-sim-state:"

// SST renders the state as a table file: the migrated-by-version key as RocksDB stores it (§8),
// the simulator's state, filler bytes standing for the rest of the state, and the table magic.
func (s State) SST(fill int, seed uint64) []byte {
	var b bytes.Buffer
	if s.MigratedBy != "" {
		b.Write(zeebe.MigratedByVersionKey())
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s.MigratedBy))))
		b.WriteString(s.MigratedBy)
	}
	js, _ := json.Marshal(s)
	b.WriteString(stateMarker)
	b.Write(js)
	b.WriteByte('\n')
	filler := make([]byte, fill)
	rand.NewChaCha8(seedBytes(seed, uint64(s.ProcessedPosition))).Read(filler)
	b.Write(filler)
	b.Write(sstMagic)
	return b.Bytes()
}

// ParseStateSST reads the state back from a table file written by SST.
func ParseStateSST(b []byte) (State, error) {
	var s State
	i := bytes.Index(b, []byte(stateMarker))
	if i < 0 {
		return s, fmt.Errorf("no simulator state in the table file")
	}
	rest := b[i+len(stateMarker):]
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		return s, fmt.Errorf("simulator state is cut off")
	}
	if err := json.Unmarshal(rest[:end], &s); err != nil {
		return s, fmt.Errorf("simulator state: %w", err)
	}
	return s, nil
}

func seedBytes(a, b uint64) (out [32]byte) {
	binary.LittleEndian.PutUint64(out[0:], a)
	binary.LittleEndian.PutUint64(out[8:], b)
	binary.LittleEndian.PutUint64(out[16:], a^0x9e3779b97f4a7c15)
	binary.LittleEndian.PutUint64(out[24:], b^0xbf58476d1ce4e5b9)
	return out
}
