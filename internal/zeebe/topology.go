package zeebe

import (
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// TopologyMetaFile is the persisted cluster topology below the data folder (§4.3, 8.4+).
const TopologyMetaFile = ".topology.meta"

// MemberStateValue is a member's or partition's state in the persisted topology.
type MemberStateValue int

// Topology states (§4.3).
const (
	StateUnknown MemberStateValue = iota
	StateJoining
	StateActive
	StateLeaving
	StateLeft
	StateBootstrapping
)

// PartitionState is one partition of a member in the persisted topology.
type PartitionState struct {
	State    MemberStateValue
	Priority int
}

// TopologyMember is one member of the persisted topology.
type TopologyMember struct {
	Version    int64
	State      MemberStateValue
	Partitions map[int]PartitionState
}

// PersistedTopology is the content of .topology.meta.
type PersistedTopology struct {
	HeaderVersion byte
	Version       int64
	Members       map[int]TopologyMember // by node id
	// ChangeInProgress is set when a scale or reassignment had not finished (currentChange).
	ChangeInProgress bool
	ClusterID        string // 8.8+, "" when absent
}

// ParseTopologyMeta reads .topology.meta: version byte 1 (or 2), the CRC32C of the body as an
// int64, then the protobuf ClusterTopology.
func ParseTopologyMeta(b []byte) (PersistedTopology, error) {
	var t PersistedTopology
	if len(b) < 9 {
		return t, fmt.Errorf("%s of %d bytes is too short", TopologyMetaFile, len(b))
	}
	t.HeaderVersion = b[0]
	if b[0] != 1 && b[0] != 2 {
		return t, fmt.Errorf("offset 0: %s version %d, want 1 or 2", TopologyMetaFile, b[0])
	}
	if want, got := le.Uint64(b[1:]), uint64(CRC32C(b[9:])); want != got {
		return t, fmt.Errorf("offset 1: %s checksum %#x does not match its body (%#x)", TopologyMetaFile, want, got)
	}
	if b[0] == 2 {
		return t, errors.New("offset 0: .topology.meta version 2 (multiple partition groups) is not supported yet")
	}
	t.Members = map[int]TopologyMember{}
	err := eachField(b[9:], func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			t.Version = int64(x)
		case 2:
			return parseMemberEntry(v, t.Members)
		case 4:
			t.ChangeInProgress = len(v) > 0
		case 6:
			return eachField(v, func(n protowire.Number, _ protowire.Type, s []byte, _ uint64) error {
				if n == 1 {
					t.ClusterID = string(s)
				}
				return nil
			})
		}
		return nil
	})
	return t, err
}

func parseMemberEntry(b []byte, members map[int]TopologyMember) error {
	var key string
	var m TopologyMember
	err := eachField(b, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1:
			key = string(v)
		case 2:
			var err error
			m, err = parseMemberState(v)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	id, err := strconv.Atoi(key)
	if err != nil || id < 0 {
		return fmt.Errorf("member id %q is not a node id", key)
	}
	members[id] = m
	return nil
}

func parseMemberState(b []byte) (TopologyMember, error) {
	m := TopologyMember{Partitions: map[int]PartitionState{}}
	err := eachField(b, func(num protowire.Number, _ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			m.Version = int64(x)
		case 3:
			m.State = MemberStateValue(x)
		case 4:
			var id int
			var ps PartitionState
			err := eachField(v, func(n protowire.Number, _ protowire.Type, pv []byte, px uint64) error {
				switch n {
				case 1:
					id = int(int32(px))
				case 2:
					return eachField(pv, func(n protowire.Number, _ protowire.Type, _ []byte, sx uint64) error {
						switch n {
						case 1:
							ps.State = MemberStateValue(sx)
						case 2:
							ps.Priority = int(int32(sx))
						}
						return nil
					})
				}
				return nil
			})
			m.Partitions[id] = ps
			return err
		}
		return nil
	})
	return m, err
}

// eachField walks the fields of a protobuf message: varints come as x, length-delimited fields
// as v; fixed-width fields are skipped.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("protobuf: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("protobuf field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}
