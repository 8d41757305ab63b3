package zeebe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SnapshotID names a snapshot folder (§3.1): index-term-processedPosition-exportedPosition,
// with -brokerId-checksumHex from 8.8 (a 5-part form, with brokerId only, may exist too).
type SnapshotID struct {
	Index, Term                         uint64
	ProcessedPosition, ExportedPosition int64
	BrokerID                            int    // -1 when absent
	Checksum                            uint64 // the 6th part; meaningful when Parts == 6
	Parts                               int
}

// NoExporterPosition is the exported position when no exporter is configured: Long.MAX_VALUE.
const NoExporterPosition = int64(^uint64(0) >> 1)

// ParseSnapshotID reads a snapshot folder name.
func ParseSnapshotID(s string) (SnapshotID, error) {
	id := SnapshotID{BrokerID: -1}
	parts := strings.Split(s, "-")
	if len(parts) < 4 || len(parts) > 6 {
		return id, fmt.Errorf("snapshot id %q: want 4 to 6 parts joined by '-'", s)
	}
	id.Parts = len(parts)
	var err error
	if id.Index, err = strconv.ParseUint(parts[0], 10, 64); err != nil {
		return id, fmt.Errorf("snapshot id %q: index: %w", s, err)
	}
	if id.Term, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
		return id, fmt.Errorf("snapshot id %q: term: %w", s, err)
	}
	if id.ProcessedPosition, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return id, fmt.Errorf("snapshot id %q: processed position: %w", s, err)
	}
	if id.ExportedPosition, err = strconv.ParseInt(parts[3], 10, 64); err != nil {
		return id, fmt.Errorf("snapshot id %q: exported position: %w", s, err)
	}
	if len(parts) >= 5 {
		b, err := strconv.Atoi(parts[4])
		if err != nil || b < 0 {
			return id, fmt.Errorf("snapshot id %q: broker id %q is not a node id", s, parts[4])
		}
		id.BrokerID = b
	}
	if len(parts) == 6 {
		if id.Checksum, err = strconv.ParseUint(parts[5], 16, 64); err != nil {
			return id, fmt.Errorf("snapshot id %q: checksum %q is not hexadecimal", s, parts[5])
		}
	}
	return id, nil
}

func (id SnapshotID) String() string {
	s := fmt.Sprintf("%d-%d-%d-%d", id.Index, id.Term, id.ProcessedPosition, id.ExportedPosition)
	if id.Parts >= 5 {
		s += "-" + strconv.Itoa(id.BrokerID)
	}
	if id.Parts == 6 {
		s += "-" + strconv.FormatUint(id.Checksum, 16)
	}
	return s
}

// SFV is the content of a snapshot's <id>.checksum file (§3.3).
type SFV struct {
	Files map[string]uint32 // file name -> CRC32C
	// Combined is the "; combinedValue" line (8.0-8.5); HasCombined tells whether it was there.
	Combined    uint64
	HasCombined bool
	// CombinedFiles is the "; number of files used for combined value" line.
	CombinedFiles int
	// Legacy is set for the old 8-byte format, which holds only the combined value.
	Legacy bool
}

var sfvLine = regexp.MustCompile(`^(.*) {3}([0-9a-fA-F]{1,16})$`)

// ParseSFV reads a checksum file in the text format or the legacy 8-byte one.
func ParseSFV(b []byte) (SFV, error) {
	s := SFV{Files: map[string]uint32{}}
	if len(b) == 8 {
		s.Legacy, s.HasCombined = true, true
		s.Combined = uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
			uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
		return s, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if c, ok := strings.CutPrefix(line, ";"); ok {
			c = strings.TrimSpace(c)
			if v, ok := strings.CutPrefix(c, "combinedValue = "); ok {
				x, err := strconv.ParseUint(v, 16, 64)
				if err != nil {
					return s, fmt.Errorf("line %d: combinedValue %q is not hexadecimal", n, v)
				}
				s.Combined, s.HasCombined = x, true
			}
			if v, ok := strings.CutPrefix(c, "number of files used for combined value = "); ok {
				x, err := strconv.Atoi(v)
				if err != nil {
					return s, fmt.Errorf("line %d: file count %q is not a number", n, v)
				}
				s.CombinedFiles = x
			}
			continue
		}
		m := sfvLine.FindStringSubmatch(line)
		if m == nil {
			return s, fmt.Errorf("line %d: %q is neither a comment nor 'name   crc'", n, line)
		}
		crc, err := strconv.ParseUint(m[2], 16, 64)
		if err != nil || crc > 0xffffffff {
			return s, fmt.Errorf("line %d: checksum %q of %q is not a CRC32C", n, m[2], m[1])
		}
		if _, dup := s.Files[m[1]]; dup {
			return s, fmt.Errorf("line %d: %q is listed twice", n, m[1])
		}
		s.Files[m[1]] = uint32(crc)
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	return s, nil
}

// MetadataFile is the name of a snapshot's metadata file (8.1+).
const MetadataFile = "zeebe.metadata"

// CombinedChecksum computes the combined value of an SFV file (§3.3): one CRC32C over, for each
// file in byte order of names, its name and then its content, with zeebe.metadata last. Files
// for which skip returns true (SSTs whose checksum came from RocksDB) are left out. It returns
// the value and the number of files fed.
func CombinedChecksum(names []string, content func(name string) ([]byte, error), skip func(name string) bool) (uint64, int, error) {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if i := slices.Index(sorted, MetadataFile); i >= 0 {
		sorted = append(slices.Delete(sorted, i, i+1), MetadataFile)
	}
	var crc uint32
	n := 0
	for _, name := range sorted {
		if skip != nil && skip(name) {
			continue
		}
		b, err := content(name)
		if err != nil {
			return 0, 0, err
		}
		crc = CRC32CUpdate(crc, []byte(name))
		crc = CRC32CUpdate(crc, b)
		n++
	}
	return uint64(crc), n, nil
}

// SnapshotIDChecksum is the 6th part of an 8.8+ snapshot id (§3.1): one CRC32C fed, for each
// file in sorted order, with its UTF-8 name and then two single bytes, 0 and the low byte of its
// CRC (Java's Checksum.update(int) takes only the low byte). Derived from code: unverified.
func SnapshotIDChecksum(files map[string]uint32) uint64 {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var crc uint32
	for _, n := range names {
		crc = CRC32CUpdate(crc, []byte(n))
		crc = CRC32CUpdate(crc, []byte{0, byte(files[n])})
	}
	return uint64(crc)
}

// SnapshotMetadata is a snapshot's zeebe.metadata (§3.3).
type SnapshotMetadata struct {
	Version                   int   `json:"version"`
	ProcessedPosition         int64 `json:"processedPosition"`
	ExportedPosition          int64 `json:"exportedPosition"`
	LastFollowupEventPosition int64 `json:"lastFollowupEventPosition"`
}

// ParseSnapshotMetadata reads zeebe.metadata.
func ParseSnapshotMetadata(b []byte) (SnapshotMetadata, error) {
	var m SnapshotMetadata
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", MetadataFile, err)
	}
	if m.Version != 1 {
		return m, fmt.Errorf("%s: version %d, want 1", MetadataFile, m.Version)
	}
	return m, nil
}

// MigratedByVersionKey is the raw RocksDB key of the version that last migrated the state
// (8.5+, §8): int64 big-endian column family 56, int32 big-endian 19, then the key text.
func MigratedByVersionKey() []byte {
	k := []byte{0, 0, 0, 0, 0, 0, 0, 56, 0, 0, 0, 19}
	return append(k, "migrated-by-version"...)
}

// FindMigratedByVersion searches raw SST bytes for the migrated-by-version key and reads the
// version after it (an int32 big-endian length, then ASCII). This is the heuristic of §8: it
// finds the key in uncompressed blocks only.
func FindMigratedByVersion(sst []byte) (Version, bool) {
	key := MigratedByVersionKey()
	i := bytes.Index(sst, key)
	if i < 0 {
		return Version{}, false
	}
	p := i + len(key)
	if p+4 > len(sst) {
		return Version{}, false
	}
	n := int(uint32(sst[p])<<24 | uint32(sst[p+1])<<16 | uint32(sst[p+2])<<8 | uint32(sst[p+3]))
	if n <= 0 || n > 64 || p+4+n > len(sst) {
		return Version{}, false
	}
	v, err := ParseVersion(string(sst[p+4 : p+4+n]))
	return v, err == nil
}
