package zeebe

import (
	"errors"
	"fmt"
)

// Meta is the Raft meta store of a partition, <journal>.meta (§4.1).
type Meta struct {
	SchemaVersion    uint16
	Term             uint64
	LastFlushedIndex uint64 // NullIndex when nothing was flushed
	CommitIndex      uint64 // 8.7+; NullIndex when absent
	VotedFor         string
}

// MetaFileSize is the size Zeebe gives the .meta file.
const MetaFileSize = 256

// MetaHeaderError is a .meta whose SBE header names another schema or template id. ParseMeta
// returns it with the fields read all the same, by the header's block length, as Zeebe 8.5 does:
// it does not check the ids; the newest releases refuse only another template id (verifier
// fact 4).
type MetaHeaderError struct {
	SchemaID, TemplateID uint16
}

func (e *MetaHeaderError) Error() string {
	return fmt.Sprintf("offset 1: meta header has schema %d template %d, want schema %d template %d", e.SchemaID, e.TemplateID, RaftSchemaID, TemplateMeta)
}

// ParseMeta reads a .meta file. When only the header's schema or template id is wrong it returns
// the fields and a *MetaHeaderError.
func ParseMeta(b []byte) (Meta, error) {
	m := Meta{CommitIndex: NullIndex}
	if len(b) < 1+HeaderLength {
		return m, fmt.Errorf("meta file of %d bytes is too short", len(b))
	}
	if b[0] != 1 {
		return m, fmt.Errorf("offset 0: meta version %d, want 1", b[0])
	}
	h, _ := readHeader(b, 1)
	var headerErr error
	if h.SchemaID != RaftSchemaID || h.TemplateID != TemplateMeta {
		headerErr = &MetaHeaderError{SchemaID: h.SchemaID, TemplateID: h.TemplateID}
	}
	if h.BlockLength < 16 {
		return m, fmt.Errorf("offset 1: meta block length %d, want 16 or 24", h.BlockLength)
	}
	block := 1 + HeaderLength
	end := block + int(h.BlockLength)
	if end+4 > len(b) {
		return m, fmt.Errorf("offset %d: meta file ends inside its block", len(b))
	}
	m.SchemaVersion = h.Version
	m.Term = le.Uint64(b[block:])
	m.LastFlushedIndex = le.Uint64(b[block+8:])
	if h.BlockLength >= 24 {
		m.CommitIndex = le.Uint64(b[block+16:])
	}
	n := int(le.Uint32(b[end:]))
	if end+4+n > len(b) {
		return m, fmt.Errorf("offset %d: votedFor of %d bytes runs past the file", end, n)
	}
	m.VotedFor = string(b[end+4 : end+4+n])
	return m, headerErr
}

// MemberType is a Raft member's type in a configuration.
type MemberType uint8

// Raft member types.
const (
	MemberInactive MemberType = iota
	MemberPassive
	MemberPromotable
	MemberActive
)

// Member is one entry of a Raft configuration.
type Member struct {
	Type    MemberType
	Updated int64 // epoch milliseconds
	ID      string
}

// Conf is the Raft membership configuration of a partition, <journal>.conf (§4.2).
type Conf struct {
	SchemaVersion uint16
	Index, Term   uint64
	Timestamp     uint64
	Force         bool
	NewMembers    []Member
	OldMembers    []Member
}

// ParseConf reads a .conf file. Bytes after the configuration (left by a longer earlier write)
// are ignored, as Zeebe does.
func ParseConf(b []byte) (Conf, error) {
	var c Conf
	if len(b) < 1+HeaderLength {
		return c, fmt.Errorf("configuration file of %d bytes is too short", len(b))
	}
	if b[0] != 1 {
		return c, fmt.Errorf("offset 0: configuration version %d, want 1", b[0])
	}
	h, _ := readHeader(b, 1)
	if err := h.expect(RaftSchemaID, TemplateConfiguration, "configuration", 1); err != nil {
		return c, err
	}
	if h.Version < 2 {
		return c, fmt.Errorf("offset 1: configuration schema %d (Zeebe 8.0-8.2) is not supported", h.Version)
	}
	if h.BlockLength < 24 {
		return c, fmt.Errorf("offset 1: configuration block length %d, want 24 or 25", h.BlockLength)
	}
	block := 1 + HeaderLength
	p := block + int(h.BlockLength)
	if p > len(b) {
		return c, errors.New("configuration file ends inside its block")
	}
	c.SchemaVersion = h.Version
	c.Index = le.Uint64(b[block:])
	c.Term = le.Uint64(b[block+8:])
	c.Timestamp = le.Uint64(b[block+16:])
	if h.BlockLength >= 25 {
		c.Force = b[block+24] != 0
	}
	var err error
	if c.NewMembers, p, err = parseMembers(b, p); err != nil {
		return c, fmt.Errorf("newMembers: %w", err)
	}
	if c.OldMembers, _, err = parseMembers(b, p); err != nil {
		return c, fmt.Errorf("oldMembers: %w", err)
	}
	return c, nil
}

// parseMembers reads an SBE group: uint16 block length, uint8 count, then the members.
func parseMembers(b []byte, p int) ([]Member, int, error) {
	if p+3 > len(b) {
		return nil, p, fmt.Errorf("offset %d: group header runs past the file", p)
	}
	blockLen := int(le.Uint16(b[p:]))
	count := int(b[p+2])
	p += 3
	if blockLen < 9 {
		return nil, p, fmt.Errorf("offset %d: member block length %d, want 9", p-3, blockLen)
	}
	members := make([]Member, 0, count)
	for range count {
		if p+blockLen+4 > len(b) {
			return nil, p, fmt.Errorf("offset %d: member runs past the file", p)
		}
		m := Member{Type: MemberType(b[p]), Updated: int64(le.Uint64(b[p+1:]))}
		p += blockLen
		n := int(le.Uint32(b[p:]))
		if p+4+n > len(b) {
			return nil, p, fmt.Errorf("offset %d: member id of %d bytes runs past the file", p, n)
		}
		m.ID = string(b[p+4 : p+4+n])
		p += 4 + n
		members = append(members, m)
	}
	return members, p, nil
}
