// Package zeebe is the tool's read-only knowledge of Zeebe's on-disk format: journal segments,
// the Raft meta and configuration files, snapshots and their SFV checksum files, the persisted
// cluster topology, the partition distribution, and which release writes which variant.
//
// Every fact comes from docs/zeebe-format.md, which cites Zeebe's sources; section numbers
// in comments (§2.2) refer to it. Nothing here writes to disk. Parsers take untrusted bytes:
// they never panic, never allocate more than the input justifies, and report what is wrong with
// the offset where they found it.
package zeebe
