// Package workflow holds what backup, restore and recover share: their dependencies (Deps),
// the one way they emit events, and the locked operation (Operation), which owns the
// repository lock with its operation record, the fleet with its brokers' locks, the events and
// the phase hook, from Begin (or, for recover, Resume) to End.
package workflow

import (
	"context"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Deps are what a workflow works with.
type Deps struct {
	Repo *repo.Repo
	// LockRepo is where the operation is locked and recorded; nil: Repo. A restore with
	// --no-lock from a repository that cannot be written keeps it in memory.
	LockRepo *repo.Repo
	Events   progress.Sink
	Topology func(ctx context.Context, addr string) (zeebe.Topology, error)
	Now      func() time.Time
	// ToolVersion and Command are recorded in manifests and locks.
	ToolVersion, Command string
	// Hook, when set, is called as each phase begins; tests use it to stop the tool there.
	Hook func(phase string)
}

// Defaults fills what was left unset.
func (d *Deps) Defaults() {
	if d.Now == nil {
		d.Now = time.Now
	}
}

// Emit sends an event, stamped with the workflow's clock (progress.Sink.Emit gives the level).
func (d *Deps) Emit(e progress.Event) {
	if d.Now != nil {
		e.Time = d.Now()
	}
	d.Events.Emit(e)
}

// Phase announces a phase to the hook.
func (d *Deps) Phase(name string) {
	if d.Hook != nil {
		d.Hook(name)
	}
}
