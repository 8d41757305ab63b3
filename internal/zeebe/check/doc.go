// Package check tells, offline, whether a copy of a broker's data folder is a backup Zeebe can
// start from. It applies the "Facts a backup verifier can check offline" of
// docs/zeebe-format.md (the note; § numbers below refer to it) to every 8.x layout,
// including 8.10's default/partitions, using the parsers of package zeebe.
//
// A Checker is an archive.Observer: it sees each file once, in archive order, while the folder
// is archived, extracted or read back, and takes no second pass. Finish then applies the checks
// to what it kept and returns a Report. Cluster checks the reports of one backup's brokers
// against each other.
//
// Invariants:
//
//   - It never panics on hostile bytes, and never stops the data: it records findings.
//   - Memory is bounded by the largest journal entry (bytes of one entry split across writes)
//     plus per-entry bookkeeping (a zeebe.EntryRef each) and per-file bookkeeping (a CRC32C,
//     a size, the content of small files it parses). No segment or snapshot file is held.
//   - Journal entries are checked where they arrive, without allocating (fast.go); any entry the
//     fast path does not accept goes to zeebe.ScanEntries, which decides. After a segment's end
//     of data the remaining bytes are only counted.
//   - One damage gives one finding: a check whose failure follows from damage already reported
//     (a gap after a corrupt entry, a short journal against .meta's flushed index, a combined
//     value over a damaged file) stays silent.
//   - A fact the note marks uncertain gives a warning, never an error.
//   - Findings are sorted: errors first, then by partition, file and offset.
//
// # Checks
//
// Each finding carries one of these stable ids. Severity, then what it means, then the source.
//
// Layout (verifier fact 1):
//
//	layout.unknown           info     a file Zeebe does not write; not checked (§1.1)
//	layout.group             warning  both raft-partition/ and default/ hold partitions (§1.3)
//	layout.prefix            warning  files named for another partition, or an interrupted 8.10
//	                                  rename (§1.1, §1.3); error when one segment file id exists
//	                                  under both names
//	layout.topology-missing  warning  no .topology.meta although the records are 8.4+ (§4.3)
//	layout.partitions        warning  without .topology.meta: partition folders differ from the
//	                                  round-robin distribution of the given shape (§5); or there
//	                                  is no partition folder at all (§1.1)
//
// Lock file (fact 2):
//
//	lock.node-id             error    the lock is not this node's id, not a node id, or differs
//	                                  between partitions: Zeebe refuses to start (§1.1)
//
// Journal (fact 3):
//
//	journal.descriptor       error    unreadable segment descriptor, and .meta's flushed index
//	                                  lies in it or after it: Zeebe refuses the journal;
//	                         warning  ... no flushed entry depends on it: Zeebe deletes it and
//	                                  every later segment; the message names the entries lost
//	                                  (§2.2, §2.5, §2.6)
//	journal.prepared         error    an all-zero header that is not the highest file id, with a
//	                                  flushed entry in it or after it; warning when none: deleted
//	                                  with every later segment, the entries lost named (§2.5)
//	journal.segment-id       warning  descriptor ids do not increase with file ids (§2.6)
//	journal.checksum         error    a corrupt or torn entry (framing, SBE ids, CRC32C) at or
//	                                  before the flushed index; offset = the entry (§2.3, §2.5);
//	                         warning  ... in a segment that is not the last, after the flushed
//	                                  index: Zeebe ends the segment there and deletes every
//	                                  later one; the message names the entries lost (§2.5)
//	journal.gap              error    indexes not contiguous, within or across segments (§2.5)
//	journal.asqn             error    asqn does not strictly increase, ignoring -1 (§2.3)
//	journal.torn-tail        info     a torn entry in the last segment after the flushed index:
//	                                  a partial write Zeebe cuts off; or bytes after a segment's
//	                                  last entry when the next segment goes on (§2.5)
//	journal.flushed          warning  the same, but .meta is missing or unreadable, so whether
//	                                  it was flushed cannot be told (§2.5)
//	journal.payload          warning  intact entries (checksum fine) whose records our parser
//	                                  cannot read; the record layout is derived (§2.4)
//	journal.startup          error    zeebe.Journal.Check refuses what no check above reported
//
// Raft meta store and configuration (facts 4, 5):
//
//	meta.missing             info     no .meta; Zeebe recreates it (§4.1, §9)
//	meta.parse               error    unreadable .meta, or a header with another template id
//	                                  and data of 8.6+ or of unknown version; warning when it is
//	                                  all zeros, when only the schema id is wrong, or for a
//	                                  template id on data of 8.5 or before, which does not check
//	                                  the header (§4.1, fact 4)
//	meta.flushed-index       error    lastFlushedIndex beyond the journal's last index (§2.5)
//	meta.commit-index        error    commitIndex beyond the journal's last index (§4.1)
//	meta.term                error    the term is lower than the last entry's (§4.1)
//	conf.parse               warning  unreadable .conf; Raft rebuilds the membership (§4.2)
//	conf.members             error    this node is not a member, or the members differ from
//	                                  .topology.meta; warning when they differ from the static
//	                                  distribution, a change is in progress, or the
//	                                  configuration is in joint consensus (§4.2, §5)
//
// Snapshots (facts 6, 7):
//
//	snapshot.partial         warning  a snapshot folder without checksum file, or the reverse (§3.2)
//	snapshot.extra           info     an older committed snapshot; Zeebe keeps the newest (§3.2)
//	snapshot.id              error    a committed snapshot's id does not parse (§3.1)
//	snapshot.sfv-parse       error    the checksum file does not parse (§3.3)
//	snapshot.sfv-files       error    the file set differs from the checksum file's (§3.3)
//	snapshot.sfv-checksum    error    a file's CRC32C differs; warning when a hard-linked file's
//	                                  content was not seen (§3.3)
//	snapshot.combined        warning  combinedValue matches neither variant while every file's
//	                                  CRC matches; error for the legacy 8-byte format (§3.3)
//	snapshot.id-checksum     warning  the 6th id part differs from the files' checksum (§3.1)
//	snapshot.metadata        error    zeebe.metadata unreadable or its positions not the id's (§3.3)
//	snapshot.log             error    no snapshot covers the log's start, the log ends before
//	                                  the snapshot, or the entry at its index has another term
//	                                  (§2.5 step 6, §3.4)
//
// Persisted topology (fact 8):
//
//	topology.checksum        error    .topology.meta's CRC32C does not match its body (§4.3)
//	topology.parse           error    it does not parse; warning for header version 2 (§4.3)
//	topology.members         error    this node is not a member; warning when its partitions
//	                                  differ from the folders present, or the topology from the
//	                                  given shape (§4.3)
//	topology.change          warning  a cluster change was in progress (§4.3)
//
// Hygiene (fact 11):
//
//	hygiene.runtime          warning  runtime/ present: an unclean stop (§1.1)
//	hygiene.paused           warning  .processorPaused or .exporterPaused (§1.1)
//	hygiene.pending          warning  pending/, transient-* or a .checksum.tmp (§3.2)
//	hygiene.bootstrap        warning  bootstrap-snapshots/ contents (§1.1)
//	hygiene.restoring        warning  restoring-* contents (§1.1, §9)
//	hygiene.deleted          info     soft-deleted segments (§2.1)
//	hygiene.leftover         info     a temporary lock file (§1.1)
//
// Across brokers, from Cluster (fact 9):
//
//	replicas.quorum          error    fewer than floor(RF/2)+1 replicas of a partition hold data;
//	                                  info when some are missing but a quorum holds; warning
//	                                  when the shape is unknown (§5)
//	replicas.log-matching    error    two replicas hold entries of the same index and term with
//	                                  different content (any index); or of different terms at an
//	                                  index both know committed (.meta's commit index, 8.7+, or
//	                                  their snapshot's index); or of the same term again after
//	                                  such a divergence (Raft log matching);
//	                         info     their logs diverge from an index not both know committed:
//	                                  a deposed leader's uncommitted tail, truncated by Raft
//	replicas.node            warning  a report without node id was left out
//
// The version (fact 10) is reported, not checked: Report.Version is the highest
// RecordMetadata.brokerVersion in the records, Report.MigratedBy the migrated-by-version found
// in the newest snapshot's SST bytes (§8), and Report.DataVersion the higher of both: the
// version of the data, which a restore target must not downgrade.
//
// ForTarget checks reports against the version a backup is restored onto:
//
//	snapshot.id-target       error    a 4-part snapshot id (before 8.8) going to 8.8 or later,
//	                                  which ignores it, while the log was compacted after it:
//	                                  Zeebe finds no snapshot for the log's start (§3.1, §2.5);
//	                                  warning when the log starts at index 1: Zeebe replays it
package check
