package check

import (
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// A snapshot's combined value (§3.3) is one CRC32C over every file's name and content in name
// order. zeebe.CombinedChecksum computes it from the files' contents; the checker sees each file
// once, in archive order, and keeps only its CRC32C and size, so it combines those instead: the
// CRC of a concatenation follows from the parts' CRCs and the second part's length (zlib's
// crc32_combine, here for the Castagnoli polynomial). The result is the same number; a test
// checks it against zeebe.CombinedChecksum.

// castagnoliReflected is the CRC32C polynomial in the bit order hash/crc32 uses.
const castagnoliReflected = 0x82F63B78

type gf2 [32]uint32

func (m *gf2) times(vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= m[i]
		}
	}
	return sum
}

func (m *gf2) square(of *gf2) {
	for n := range m {
		m[n] = of.times(of[n])
	}
}

// crcCombine returns the CRC32C of a+b given crcA = CRC32C(a), crcB = CRC32C(b) and len(b).
func crcCombine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd gf2
	odd[0] = castagnoliReflected // the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	even.square(&odd) // two zero bits
	odd.square(&even) // four zero bits
	// Square the operator up to one zero byte, then to 2, 4, 8, ... bytes, applying it for
	// each bit of lenB that is set.
	op, spare := &odd, &even
	for ; lenB != 0; lenB >>= 1 {
		spare.square(op)
		op, spare = spare, op
		if lenB&1 != 0 {
			crcA = op.times(crcA)
		}
	}
	return crcA ^ crcB
}

// fileSum is a file's CRC32C and size.
type fileSum struct {
	crc  uint32
	size int64
}

// combinedValue is zeebe.CombinedChecksum computed from the files' CRCs: names in byte order,
// zeebe.metadata last, each name then content; files for which skip is true are left out.
func combinedValue(files map[string]fileSum, skip func(string) bool) (uint64, int) {
	names := make([]string, 0, len(files))
	for n := range files {
		if n != zeebe.MetadataFile && (skip == nil || !skip(n)) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if _, ok := files[zeebe.MetadataFile]; ok && (skip == nil || !skip(zeebe.MetadataFile)) {
		names = append(names, zeebe.MetadataFile)
	}
	var crc uint32
	for _, n := range names {
		crc = crcCombine(crc, zeebe.CRC32C([]byte(n)), int64(len(n)))
		crc = crcCombine(crc, files[n].crc, files[n].size)
	}
	return uint64(crc), len(names)
}

// isSST tells the table files whose CRC a full-file-checksum build takes from RocksDB (§3.3).
func isSST(name string) bool { return strings.HasSuffix(name, ".sst") }
