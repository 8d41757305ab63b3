package zeebe

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

var le = binary.LittleEndian

// castagnoli is the CRC32C table; Zeebe's java.util.zip.CRC32C is the same checksum.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC32C is the checksum Zeebe uses for journal entries, descriptors, snapshots and the
// persisted topology.
func CRC32C(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// CRC32CUpdate continues a CRC32C over more bytes.
func CRC32CUpdate(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

// SBE schema and template ids (§2.2, §2.4, §4).
const (
	JournalSchemaID = 7
	RaftSchemaID    = 8

	TemplateRecordMetadata     = 1
	TemplateRecordData         = 2
	TemplateSegmentDescriptor  = 3
	TemplateDescriptorMetadata = 4

	TemplateRaftLogEntry      = 1
	TemplateApplicationEntry  = 2
	TemplateConfigurationEnty = 4
	TemplateConfiguration     = 5
	TemplateMeta              = 6

	RecordMetadataSchemaID = 0
	TemplateRecordMeta     = 200
)

// SBEHeader is the 8-byte SBE message header.
type SBEHeader struct {
	BlockLength, TemplateID, SchemaID, Version uint16
}

// HeaderLength is the length of an SBE message header.
const HeaderLength = 8

func readHeader(b []byte, off int) (SBEHeader, error) {
	if off < 0 || off+HeaderLength > len(b) {
		return SBEHeader{}, fmt.Errorf("offset %d: %d bytes left, too few for an SBE header", off, max(0, len(b)-off))
	}
	return SBEHeader{
		BlockLength: le.Uint16(b[off:]),
		TemplateID:  le.Uint16(b[off+2:]),
		SchemaID:    le.Uint16(b[off+4:]),
		Version:     le.Uint16(b[off+6:]),
	}, nil
}

// PutHeader writes an SBE header at b[0:8].
func PutHeader(b []byte, h SBEHeader) {
	le.PutUint16(b[0:], h.BlockLength)
	le.PutUint16(b[2:], h.TemplateID)
	le.PutUint16(b[4:], h.SchemaID)
	le.PutUint16(b[6:], h.Version)
}

// expect checks a header's schema and template ids.
func (h SBEHeader) expect(schema, template uint16, what string, off int) error {
	if h.SchemaID != schema || h.TemplateID != template {
		return fmt.Errorf("offset %d: %s header has schema %d template %d, want schema %d template %d",
			off, what, h.SchemaID, h.TemplateID, schema, template)
	}
	return nil
}

// NullIndex is SBE's null value for an unsigned 64-bit index: "nothing flushed".
const NullIndex = ^uint64(0)
