// Package broker controls brokers and does the work that must happen next to their data.
//
// A Host is where a broker runs. It is composed of four roles, each with its own written
// contract (see their documentation):
//   - Commands runs the broker's stop and start commands and ends what a gone run left running;
//   - Files reads and writes the broker's files and folders;
//   - Processes tells which processes hold a folder and what configures a process;
//   - Mover archives and extracts a data folder next to it.
//
// The workflows only talk to Hosts, so a broker on this machine (Local) and, later, one reached
// over SSH or through a helper pod are driven the same way. Every Host passes the conformance
// suite in package hosttest, which checks each contract through the Host alone. A [Registry]
// (built in main, one [Kind] per scheme) checks a broker's host value with its kind and opens
// the Host.
//
// Invariants common to every role:
//  1. Paths are absolute paths on the host, never on the machine running zeebe-backup.
//  2. Only an error that wraps fs.ErrNotExist means "absent"; any other error is a failure to
//     find out, never taken for absence.
//  3. Nothing a Host returns is interpreted but through its documented fields: command output
//     is for messages.
package broker
