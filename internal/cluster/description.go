package cluster

import (
	"fmt"
	"time"
)

// DefaultFile is the description's file name when the user names none.
const DefaultFile = "zeebe-backup.yaml"

// Defaults for a command written without a timeout.
const (
	DefaultStopTimeout  = 2 * time.Minute // stop: how long the stop command may run
	DefaultStartTimeout = 2 * time.Minute // start: how long the start command may run
)

// Local is the host of a broker that runs on this machine.
const Local = "local"

// Description is a validated cluster description.
type Description struct {
	Path       string // the file it came from, "" when parsed from bytes
	Repository string // a location the storage registry took: a path cleaned, a URL as written
	// RepositoryOptions are the repository's settings (repositoryOptions:) as written, which
	// its backend took; nil when none are written or --repo overrides the repository.
	RepositoryOptions map[string]string
	Gateway           string // host:port of a gateway's gRPC API, "" when not given
	Version           string // the cluster's Zeebe version as written, "" when not given
	Brokers           []Broker
}

// Command is a shell command run on a broker's host.
type Command struct {
	Run     string
	Timeout time.Duration // positive; DefaultStopTimeout or DefaultStartTimeout when not written
}

// Broker is one broker of the cluster as the user described it.
type Broker struct {
	NodeID     int
	Host       string            // Local, or a host the host registry took, e.g. ssh://zeebe@10.0.0.12
	Config     string            // absolute path of the broker's application.yaml on its host
	DataDir    string            // "" until fleet.Resolve unless written; absolute when set
	InstallDir string            // absolute; defaults to the folder above Config's folder
	Env        map[string]string // the broker's environment as its service sets it; never nil
	Stop       Command
	Start      Command
	Health     string            // http(s) base URL of the management API, without trailing slash
	Set        map[string]string // config keys (as written) to set on restore; never nil
	Line       int               // line of this broker's entry in the file, for messages
}

// IsLocal says whether the broker runs on this machine.
func (b Broker) IsLocal() bool { return b.Host == Local }

// Name is how messages name the broker: "broker 0 (local)", "broker 2 (ssh://zeebe@10.0.0.12)".
func (b Broker) Name() string { return fmt.Sprintf("broker %d (%s)", b.NodeID, b.Host) }

// Broker returns the broker with the node id, or nil.
func (d *Description) Broker(nodeID int) *Broker {
	for i := range d.Brokers {
		if d.Brokers[i].NodeID == nodeID {
			return &d.Brokers[i]
		}
	}
	return nil
}

// Where locates a broker's entry for messages, as "file:line", or "" when the description was
// not read from a file.
func (d *Description) Where(b Broker) string {
	if d.Path == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", displayName(d.Path), b.Line)
}
