// Package cli holds the zeebe-backup commands: thin cobra commands that parse flags into an
// options struct and call one function that does the work. Nothing here calls os.Exit; main maps
// the returned error to an exit code with [ExitCode].
package cli
