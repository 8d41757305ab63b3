// Package progress carries what a workflow reports while it runs: events, which the command
// line renders as a live display on a terminal, log lines elsewhere, or JSON lines. Workflows
// emit events and never print.
package progress

import "time"

// Level is how much an event matters.
type Level string

// Levels of events.
const (
	Info  Level = "info"
	Warn  Level = "warn"
	Error Level = "error"
)

// Event is one thing that happened.
type Event struct {
	Time  time.Time `json:"time"`
	Level Level     `json:"level"`
	// Phase names the step: preflight, stop, down, archive, start, ready, commit, verify,
	// extract, swap, config, rollback.
	Phase string `json:"phase"`
	// Broker is the node id the event is about, -1 for the whole cluster.
	Broker  int    `json:"broker"`
	Message string `json:"message"`
	// Bytes and Files count work done in a long step; Total is the expected bytes, 0 if unknown.
	Bytes int64 `json:"bytes,omitempty"`
	Files int64 `json:"files,omitempty"`
	Total int64 `json:"total,omitempty"`
	// Progress marks an update of a running count rather than a step.
	Progress bool `json:"progress,omitempty"`
}

// Sink receives events; it must be safe for concurrent use.
type Sink func(Event)

// Discard drops every event.
func Discard(Event) {}

// Cluster is the Broker value of events about the whole cluster.
const Cluster = -1

// Emit sends e to the sink, when there is one: the one way events are sent. An event without a
// time is stamped now, one without a level is Info.
func (s Sink) Emit(e Event) {
	if s == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Level == "" {
		e.Level = Info
	}
	s(e)
}
