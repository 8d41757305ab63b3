package storagetest

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Run runs the conformance suite, one subtest each with a fresh store from newStore, which
// must return an empty store and arrange its clean-up with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"RoundTripOddReaders", testRoundTripOddReaders},
		{"Overwrite", testOverwrite},
		{"StatSizes", testStatSizes},
		{"NotExist", testNotExist},
		{"Delete", testDelete},
		{"List", testList},
		{"ListEmpty", testListEmpty},
		{"PutIfAbsent", testPutIfAbsent},
		{"PutIfAbsentRace", testPutIfAbsentRace},
		{"FailingSource", testFailingSource},
		{"CancelledContext", testCancelledContext},
		{"CancelledMidway", testCancelledMidway},
		{"NothingPartialVisible", testNothingPartialVisible},
		{"AtomicOverwrite", testAtomicOverwrite},
		{"InvalidKeys", testInvalidKeys},
		{"InvalidPrefixes", testInvalidPrefixes},
		{"ValidKeys", testValidKeys},
		{"FileFolderConflict", testFileFolderConflict},
		{"ConcurrentPuts", testConcurrentPuts},
		{"PutDeleteChurn", testPutDeleteChurn},
		{"SpaceReporter", testSpaceReporter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}
