// Package gcs is a [storage.Store] in a Google Cloud Storage bucket, through Google's client of
// the JSON API (google.golang.org/api/storage/v1, with its transport and credentials).
//
// A repository is written gs://bucket or gs://bucket/prefix; the key "a/b" is the object
// "prefix/a/b". Settings (endpoint, CA file, storage class, KMS key, chunk size) are
// [Options]; credentials are never an option, a flag or part of the location: they come from
// Google's standard chain (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default
// credentials, the metadata server on GCE and GKE with workload identity), or there are none
// when STORAGE_EMULATOR_HOST points at an emulator.
//
// Invariants:
//
//  1. Put streams: a resumable upload sends the source chunk by chunk (ChunkSize, 16 MiB by
//     default), so a Put holds one chunk in memory whatever the object's size; a source that
//     fits in one chunk is sent whole in one request. A failed chunk is sent again from that
//     buffer with exponential backoff, for at most the retry deadline (32 s) since the server
//     last took one; every other request is retried likewise on the errors Cloud Storage
//     documents as transient (408, 429, 5xx, broken connections). A refused connection (no
//     server listens: a wrong endpoint, a stopped emulator) is retried for 5 s only, so that
//     a workflow whose server went away fails in seconds.
//  2. Cloud Storage commits an object only when the upload's last chunk arrives: until then
//     readers see the previous object or none, and List does not show the key. A Put whose
//     source fails or whose context is cancelled aborts its upload and never commits, so it
//     leaves nothing (the unfinished session expires on its own; it is never listed).
//  3. While it sends, Put computes the size and CRC32C of the bytes it reads from the source.
//     The library sends its own CRC32C of the whole object with the last chunk (or with the
//     object sent whole), which Cloud Storage checks before it commits. After the commit, Put
//     checks the size and CRC32C Cloud Storage reports for the object against its own: a
//     mismatch removes the object (that generation only) and fails. Cloud Storage knows no
//     SHA-256 and takes an object's metadata only when an upload starts, so the store records
//     none: the repository records the SHA-256 of every file it stores in the manifest, which
//     verify --deep and restore check. The commit is Put's last request: once the object is
//     listed, the Put has nothing left that can fail.
//  4. PutIfAbsent uploads with ifGenerationMatch=0: of racing callers, Cloud Storage commits
//     exactly one; the others get an error wrapping storage.ErrExists. The object carries a
//     random token of its writer, so a retried create whose first try succeeded unseen knows
//     the object is its own instead of taking it for someone else's lock.
//  5. Get streams the current generation. A download that breaks is resumed with a ranged
//     request of that generation where it stopped; a whole read is checked against the size
//     and the CRC32C Cloud Storage sent (X-Goog-Hash). An absent object is fs.ErrNotExist.
//  6. List reads every page (1000 names each) of the objects below the prefix and sorts the
//     keys; objects whose names are no valid key (a console's "folder/" placeholder) are left
//     out. Delete of an absent object succeeds.
//  7. Errors name the key and say what to do: an unreachable endpoint, refused credentials,
//     a missing bucket, a missing permission. They quote no credentials and no query string
//     of a URL (an upload session's URL lets whoever has it write the object).
//  8. A key may be both an object and the prefix of others ("a" and "a/b"): Cloud Storage has
//     no folders.
//
// The store has one optional power, [storage.Prober] (the pre-flight's check of the endpoint,
// the credentials and the bucket), and no other: Cloud Storage has no free space to report and
// leaves no temporary objects.
package gcs
