// Package archive turns a folder into one compressed tar stream and back, exactly and safely.
//
// It is the byte engine under every backup and restore: a broker's data folder is archived by
// [Write] and restored by [Extract]. Nothing in it knows about Zeebe or brokers.
//
// Invariants of the write side ([Write]):
//
//  1. The walk is deterministic: folders before their contents, entries sorted by name.
//  2. Regular files, folders (empty ones too), symbolic links and hard links are archived;
//     symbolic links are stored as they are and never followed. The first path of an inode
//     (keyed by device and inode number) is stored as a file, every later path as a hard link
//     to it. Sockets, FIFOs and device files are refused with an error naming the path.
//  3. Entries are PAX: long and non-ASCII names, mode (with setuid, setgid and sticky bits),
//     modification time to the nanosecond, numeric owner and owner names.
//  4. A file whose size, modification time or inode changes while it is read, or an entry that
//     appears or vanishes while its folder is walked, aborts the archive with an error that
//     wraps [ErrInUse]: something is still writing the folder.
//  5. The SHA-256 of the whole compressed stream and a digest of every entry are computed
//     while streaming; the data is read once.
//
// Invariants of the read side ([Extract]):
//
//  1. It writes only into a target folder that is absent or empty, through an [os.Root], so
//     no entry can reach outside it. Absolute names, names with "..", entries under a symbolic
//     link, hard links to anything but a file extracted before, symbolic links pointing out of
//     the target, device and FIFO entries, and absurd sizes are refused with an error naming the
//     entry.
//  2. Hard links are recreated as links and symbolic links as links; modes, modification times
//     and, when running as root, numeric ownership are restored.
//  3. Files are written fully allocated, never sparse, and everything is flushed to disk before
//     Extract returns without error.
//  4. On any error, everything this extraction created is removed again: the target is left as
//     it was found (absent or empty).
//
// Compression is a stream stage: zstd (default), gzip written in parallel, or none. The writer
// takes it from the archive's name ([CompressionForName]); the reader detects it by magic bytes,
// so archives made by hand with GNU tar or bsdtar are read as well.
package archive
