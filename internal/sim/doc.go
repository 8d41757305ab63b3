// Package sim is a Zeebe broker simulator, a test instrument and not Zeebe: each broker
// (cmd/zeebe-sim) writes Zeebe's on-disk format (docs/zeebe-format.md §2–§5) for a
// deterministic workload, serves the health and topology endpoints (§7), stops as Zeebe does
// and refuses to start on data Zeebe refuses.
//
// At startup the journal is checked and repaired as SegmentsManager does (§2.5, via
// zeebe.Journal.Check): a torn tail after the flushed index is cut; a segment whose descriptor
// is unreadable or all zeros (the one prepared before the stop) is deleted with every later
// one when no flushed entry is in them; an intact entry with the wrong index (InvalidIndex) is
// refused, never cut. The next segment is prepared only when the writer rolls over. Health is
// served on management.server.port from 8.5 and on server.port in 8.3/8.4 (http.go).
//
// The replicas of a partition replicate from a leader, so that their logs agree as Raft's do:
// entries with the same index have the same term and the same bytes, up to the commit index
// and, once every follower has fetched from the current leader, up to the lowest flushed
// index; this is what a cluster stopped at once leaves.
//
//  1. Peers. Every electionTick a ready broker asks its contact points GET /sim/member on the
//     internal API port. The answer says, per partition: role, current term, vote, last index
//     and term, commit index. Only ready brokers take part.
//  2. Election (election.go), deterministic and without Raft messages. With a quorum
//     (floor(RF/2)+1) of a partition's replicas ready and no live leader seen, either because
//     every replica is ready or because the last leader has been gone for ElectionTimeout, the
//     replica with the most up-to-date log (last term, then last index), ties broken by
//     priority (zeebe.Distribute), stands: it takes term = the highest term it knows + 1 and
//     votes for itself. A replica votes for a candidate of a higher term whose log is at least
//     as up to date as its own; term and vote are written to .meta before they are shown. The
//     candidate that sees a quorum of votes leads and appends an initial entry of its term; one
//     that sees a higher term or a better candidate of its term, or no quorum of votes within
//     candidacyTimeout election timeouts, stands down. Leadership is sticky: nobody stands
//     while a leader is seen; a leader steps down only on seeing a higher term. Without a
//     quorum nobody is elected and a leader writes nothing.
//  3. Replication (replicate.go, follow.go). Only a leader appends the workload. A follower
//     fetches GET /sim/entries?partition&node&term&after&afterTerm&commit&flushed&max from the
//     leader's internal API port; the leader answers with the framed entries from after+1 as
//     they are in its segments (so the follower writes the same bytes), its term and commit
//     index; it waits up to longPoll when it has nothing new. The follower appends them with
//     their index, asqn and payload, applies their records as the leader did, and flushes on
//     its flush interval. A follower whose entry at after has another term than the leader's
//     (a divergent uncommitted tail) gets 409 with the leader's terms above its commit index,
//     truncates after the last matching entry (.meta's flushed index lowered first, the frame
//     byte of the first entry cut zeroed, later segments deleted), rebuilds its state from the
//     snapshot and the log, and fetches again. Entries at or below the commit index are never
//     cut.
//  4. Commit. A leader's commit index is the highest index that a quorum of the replicas,
//     itself included, have flushed, as followers report it with a log matching the leader's,
//     once that entry is of the leader's term. Followers learn it from the answers. Snapshots
//     hold the state at the last application entry at or below the commit index, so that no
//     truncation goes below a snapshot. 8.7+ writes min(commit, flushed) into .meta.
//
// Placement (placement.go). From 8.4 a broker's partitions, the replicas and priorities of each
// and the Raft members it writes to .conf come from <data>/.topology.meta when the file is
// there (§4.3); otherwise the static round-robin distribution over node ids 0..clusterSize-1
// (§5) decides, and from 8.4 it is written as the first .topology.meta. The gateway reports the
// topology's shape as an 8.4+ gateway does (members, partitions, the lowest replica count) and
// places the partitions as the topology does. So a cluster scaled at runtime runs: brokers
// 3, 4, 5 with clusterSize 3 in every configuration. The simulator neither gossips the topology
// nor runs a scale operation: simtest (Options.ClusterSize below Brokers) writes the topology a
// completed scale leaves (every member ACTIVE, the partitions redistributed round-robin over all
// of them) into each data folder before the first start; a broker with a node id at or above
// clusterSize and no .topology.meta refuses to start, as does any such broker before 8.4.
//
// Limits: the leader's log is compacted after its snapshots regardless of its followers; a
// follower that needs entries compacted away (410) logs it and retries, as the simulator does
// not replicate snapshots. Brokers stopped one by one, more than ElectionTimeout apart, may
// elect a leader on the way down and leave a follower with a divergent tail below its flushed
// index, as Zeebe may; it is cut at the next start. Peers are the contact points only.
// Membership never changes.
package sim
