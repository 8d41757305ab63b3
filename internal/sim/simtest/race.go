//go:build race

package simtest

// raceEnabled builds the simulator with the race detector when the tests run with it.
const raceEnabled = true
