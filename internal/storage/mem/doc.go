// Package mem is an in-memory [storage.Store] for unit tests.
//
// It keeps the storage contract exactly, so code tested against it behaves the same on the
// local backend:
//
//  1. Put reads its source fully into a private buffer and publishes it under the lock only
//     when the source ended without error and the context is not done; nothing partial is
//     ever visible. Blobs are never modified after publishing, so readers returned by Get
//     keep reading the blob they opened.
//  2. PutIfAbsent checks and publishes under the same lock, so exactly one racer wins.
//  3. Like the local backend, it refuses a key that is also the folder of another key ("a"
//     and "a/b").
//  4. Keys and prefixes are validated with storage.ValidKey and storage.ValidPrefix.
//
// It holds everything in memory and has no size limit; use it for small blobs.
package mem
