// Package faulty wraps a [storage.Store] and injects failures, for tests of the code built on
// the store (after Kopia's blobtesting faulty storage).
//
// A test adds [Fault]s; each names a method ([Op]), optionally a key pattern, and which
// matching call it hits (every one, or only the Nth). A fault can:
//
//   - fail the call at once with an error (default [ErrInjected]), without reaching the
//     wrapped store;
//   - fail midway (AfterBytes > 0): a Put reaches the wrapped store, whose source yields
//     AfterBytes bytes and then fails, so the wrapped store's own clean-up runs; a Get opens
//     the blob and its reader fails after AfterBytes bytes (a shorter blob or source is not
//     hit);
//   - block (Block): instead of failing, wait until the call's context is done and return an
//     error wrapping the context's error, at once or after AfterBytes bytes.
//
// Calls no fault hits pass through unchanged, so the wrapper passes the storage conformance
// suite. Faults stay installed until Clear; the Nth call is counted per fault from when it
// was added. The wrapper is safe for concurrent use.
//
// The wrapper has the optional powers of the store it wraps, and only those: over a store
// with [storage.SpaceReporter] it is one (and its FreeSpace can be hit by a fault), over one
// without it is not, so that a check that depends on a power (the free-space pre-flight of a
// backup) runs through the wrapper exactly when it runs on the wrapped store. The same holds
// for [storage.Remnants] and [storage.Prober].
package faulty
