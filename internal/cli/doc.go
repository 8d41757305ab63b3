// Package cli holds the zeebe-backup commands: thin cobra commands that parse flags into an
// options struct and call one function that does the work. Nothing here calls os.Exit; main maps
// the returned error to an exit code with [ExitCode].
//
// Each command has its file, cmd_<command>.go (archive create: cmd_archive_create.go); the
// flags they share, and what those open, are in flags.go; the --json shapes in output.go; the
// plain-text forms several commands print in text.go; the one terminal renderer of events and
// progress in render.go.
package cli
