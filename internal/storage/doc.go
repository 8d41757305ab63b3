// Package storage is the blob store seam the backup repository is built on.
//
// A [Store] is a flat namespace of blobs addressed by keys. Backends live in subpackages: local
// (a folder on a file system), mem (in memory, for tests) and s3 (S3 and S3-compatible object
// stores). Every
// backend passes the one conformance suite in storagetest. Cross-cutting behaviour is a wrapper
// around a Store (faulty injects failures for tests); a wrapper keeps exactly the optional
// powers of the store it wraps.
//
// A [Registry] (built in main, one [Backend] per scheme) parses a repository location with the
// backend of its scheme (a plain path is scheme "file") and opens its store; it refuses an
// unknown scheme with the schemes it has, and a URL holding a password whatever its scheme,
// without repeating the password. [Options] written beside a location (the cluster file's
// repositoryOptions:) go to its backend, which refuses those it does not take.
//
// The contract every backend keeps:
//
//  1. Keys are slash-separated relative paths checked by [ValidKey]; List prefixes by
//     [ValidPrefix]. Every method refuses an invalid key with an error wrapping
//     [ErrInvalidKey] before touching the store. Segments starting with ".tmp-" are reserved
//     for backends' temporary files and never appear in List.
//  2. Put and PutIfAbsent are atomic: a reader of the key sees the previous blob or the whole
//     new one, never a part. A Put that fails before its commit point (the source fails, the
//     context is cancelled, the store refuses) leaves the key as it was and leaves nothing
//     visible to List. A failure after the commit point (a lost response, a failed folder
//     sync) cannot always be told apart; then the key holds the previous or the whole new blob.
//  3. PutIfAbsent is exclusive: of any number of racing callers for one key, exactly one wins;
//     the others get an error wrapping [ErrExists].
//  4. An absent key gives an error wrapping [fs.ErrNotExist] from Get and Stat; Delete of an
//     absent key succeeds.
//  5. List returns every blob whose key starts with the prefix (a plain string prefix, which
//     may end inside a segment), sorted by key.
//  6. A method called with a done context does nothing and returns an error wrapping
//     ctx.Err(). A Put whose context is cancelled while it reads its source fails like a Put
//     whose source failed.
//  7. A key that is also the folder of other keys ("a" and "a/b") is not portable: the local
//     and mem backends refuse the second Put; object stores may accept both. Callers must not
//     depend on either.
//
// Optional powers are small interfaces a caller discovers with a type assertion:
// [SpaceReporter], [Remnants], [Prober].
package storage
