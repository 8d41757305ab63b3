// Package storagetest is the conformance suite every storage.Store passes (after restic's
// backend test suite and rclone's fstests).
//
// A backend's test calls [Run] with a function that returns a new, empty store. The suite
// checks the contract written in package storage: round trips of empty, tiny and multi-MiB
// blobs; overwrites; Stat and List sizes; List order and prefix filtering (prefixes ending
// inside a segment too); absent keys wrapping fs.ErrNotExist; idempotent Delete; exclusive
// PutIfAbsent, sequential and raced; Puts whose source fails or whose context is cancelled
// leaving nothing; nothing partial visible while a Put is under way; invalid keys refused by
// every method; concurrent Puts and Deletes.
//
// The suite uses only the Store interface, so a backend's own properties (files on disk,
// permissions, escapes from a root folder) are tested in the backend's package.
package storagetest
