package fleet

import "context"

// Driver stops and starts the brokers of a cluster. It is the seam between the workflows and
// the way a cluster is run: per-broker shell commands (Commands, the default), or, later, a
// Kubernetes StatefulSet scaled to 0 and back. Every driver passes fleettest.RunDriverSuite.
//
// A driver is told which members to act on; the workflows own the order of the steps around
// it (what is written down before a stop, the gateway's topology after a start).
type Driver interface {
	// Name names the driver for messages: "commands", "kubernetes".
	Name() string
	// StopAll stops the members at once and returns once each is proven fully down: nothing
	// answers for it, and no process holds anything below its data folder. A member already
	// down is not an error. stopping, when set, is called for a member right before its stop
	// begins; when it returns an error that member is not stopped, and the error is in what
	// StopAll returns. A member whose stop fails does not keep the others from being stopped;
	// the errors are joined, each naming its broker and saying what was seen last.
	StopAll(ctx context.Context, members []*Member, stopping func(*Member) error) error
	// StartAll starts the members at once, leaving alone those already ready, and returns once
	// each is proven ready. Members not given are not started. Errors name the broker and say
	// what was seen last.
	StartAll(ctx context.Context, members []*Member) error
}
