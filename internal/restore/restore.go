// Package restore puts a backup onto a (replacement) cluster:
//
//  1. Pre-flight, before any broker is stopped: the target has the backup's brokers (same
//     count, same node ids), partitions count and replication factor; every archive,
//     configuration and index matches its checksum in the manifest; each data folder's
//     filesystem has room for the restored data; no leftover of an earlier restore is in the
//     way; the configuration to install, resolved with the environment each broker runs with,
//     changes no node id, data folder, port or advertised host that the cluster file or the
//     edits do not ask for. Refusals spell out the difference.
//  2. The operation is written down (the repository lock).
//  3. All target brokers are stopped at once and proven fully down.
//  4. Each archive is extracted into a staging folder on the filesystem of its data folder and
//     checked against the backup's index (every file's digest).
//  5. Swap: the previous data is moved aside on the same filesystem and the staged data takes
//     its place (swap.go: beside the data folder, or inside it when it is a mount point). The
//     previous data is never deleted here.
//  6. The backed-up configuration is installed, adjusted by the `set:` entries and --set, unless
//     the target's own is kept; the target's previous configuration is kept beside it.
//  7. All brokers are started and proven ready. If they do not come up, the operation record
//     stays and `zeebe-backup recover` rolls back to the previous data.
//  8. Commit: the record says the restored cluster was proven ready; from then on `recover`
//     rolls forward, never back. Only then, with --discard-previous, are the previous data
//     folders removed, each recorded as gone once it is.
//
// A failure before the swap leaves every data folder untouched; a failure during the swap is
// rolled back at once; in both cases the brokers are started again.
package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/yamledit"
)

// Deps are what the workflow works with.
type Deps = workflow.Deps

// Options of one restore.
type Options struct {
	ID string
	// KeepTargetConfig leaves the target's configuration files as they are.
	KeepTargetConfig bool
	// Sets are configuration edits per node id (from --set), applied after the cluster file's.
	Sets map[int][]yamledit.Edit
	// DiscardPrevious deletes the previous data folders once the restored cluster is ready.
	DiscardPrevious bool
	// Force names restore gates to override (ForceChecks).
	Force []string
	// AllowExternalSymlinks restores symbolic links that point outside the data folder.
	AllowExternalSymlinks bool
	// NoLock only reads the repository: its lock is not taken and the operation is recorded
	// in memory only (so 'recover' cannot finish a run that is killed); the lock beside each
	// data folder is still taken. For a repository that cannot be written.
	NoLock bool
}

// Result says where things are after a restore.
type Result struct {
	Manifest *repo.Manifest
	// Previous are the moved-aside data folders by node id (absent when discarded).
	Previous map[int]string
	// Stopped is when the stop of all brokers was requested; Ready when all were proven ready
	// again (zero when they did not come up); Ended when the restore returned. The downtime is
	// Ready (else Ended) minus Stopped.
	Stopped, Ready, Ended time.Time
}

// ErrRefused is wrapped by every pre-flight refusal: nothing was stopped or changed.
var ErrRefused = errors.New("restore refused, nothing was stopped or changed")

type run struct {
	d     *cluster.Description
	deps  Deps
	opts  Options
	m     *repo.Manifest
	fleet *fleet.Fleet
	// op is the locked operation, from workflow.Begin on.
	op   *workflow.Operation
	recs map[int]repo.BrokerRecord
	// eff is each target broker's configuration as it runs, read before the stop.
	eff map[int]*fleet.Effective
	// layouts say where each broker stages and keeps the previous data (swap.go).
	layouts map[int]layout
}

func (r *run) emit(e progress.Event) { r.deps.Emit(e) }

func (r *run) hook(phase string) { r.deps.Phase(phase) }

// Run restores backup opts.ID onto the resolved cluster f (fleet.Resolve).
func Run(ctx context.Context, f *fleet.Fleet, deps Deps, opts Options) (*Result, error) {
	deps.Defaults()
	r := &run{d: f.Description, fleet: f, deps: deps, opts: opts, recs: map[int]repo.BrokerRecord{}, layouts: map[int]layout{}}
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	if opts.NoLock {
		r.deps.LockRepo = repo.Open(mem.New())
		r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("--no-lock: %s is only read and not locked; the operation is recorded in memory only, so if this run is killed, 'recover' cannot roll it back: the previous data folders are then beside (or, for a mount point, inside) each data folder, named for backup %s", r.deps.Repo.Location(), r.m.ID)})
	}
	op, err := workflow.Begin(ctx, &r.deps, r.fleet, "restore", r.m.ID)
	if err != nil {
		if !opts.NoLock && unwritable(err) {
			return nil, fmt.Errorf("%w; the repository %s cannot be written, so it cannot be locked: restore with --no-lock to only read it (the lock beside each data folder is still taken, but a killed run cannot be recovered with 'recover')", err, r.deps.Repo.Location())
		}
		return nil, err
	}
	r.op = op

	r.hook("stopping")
	stopped := r.deps.Now()
	r.emit(progress.Event{Phase: "stop", Broker: progress.Cluster, Message: fmt.Sprintf("stopping all %d target brokers at once", len(r.fleet.Members))})
	if err := op.StopAll(ctx); err != nil {
		return nil, r.giveUp(ctx, err)
	}

	r.hook("extracting")
	if err := r.stageAll(ctx); err != nil {
		return nil, r.giveUp(ctx, err)
	}
	r.hook("swapping")
	if err := r.swapAll(ctx); err != nil {
		return nil, r.giveUp(ctx, err)
	}
	if !opts.KeepTargetConfig {
		if err := r.installConfigs(ctx); err != nil {
			return nil, r.giveUp(ctx, err)
		}
	}

	r.hook("starting")
	res := &Result{Manifest: r.m, Previous: map[int]string{}, Stopped: stopped}
	defer func() { res.Ended = r.deps.Now() }()
	for _, b := range op.Record().Brokers {
		if b.Previous != "" {
			res.Previous[b.NodeID] = b.Previous
		}
	}
	if err := op.StartAll(ctx, r.fleet.Members, ""); err != nil {
		return res, fmt.Errorf("the restored cluster did not come up: %w; the previous data folders are kept (%s); "+
			"run 'zeebe-backup recover' to roll back to them, or fix the cause and start the brokers", err, describePrevious(res.Previous))
	}
	res.Ready = r.deps.Now()
	// The point of no return: from here on recover rolls forward, never back.
	if err := op.Commit(context.WithoutCancel(ctx), opts.DiscardPrevious); err != nil {
		return res, fmt.Errorf("the restored cluster is ready, but recording that failed: %w; the previous data folders are kept (%s); run 'zeebe-backup recover' once the repository is writable", err, describePrevious(res.Previous))
	}
	if opts.DiscardPrevious {
		r.hook("discarding")
		r.discardPrevious(context.WithoutCancel(ctx), res)
	}
	if err := r.release(ctx); err != nil {
		return res, err
	}
	r.emit(progress.Event{Phase: "ready", Broker: progress.Cluster, Message: fmt.Sprintf("backup %s restored onto %d brokers", r.m.ID, len(r.fleet.Members))})
	return res, nil
}

func describePrevious(prev map[int]string) string {
	if len(prev) == 0 {
		return "there were none"
	}
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(prev)) {
		parts = append(parts, fmt.Sprintf("broker %d: %s", n, prev[n]))
	}
	return strings.Join(parts, ", ")
}

// giveUp undoes what was done (Rollback), starts the brokers again and releases the lock.
func (r *run) giveUp(ctx context.Context, cause error) error {
	r.emit(progress.Event{Level: progress.Error, Phase: "rollback", Broker: progress.Cluster, Message: "restore failed, putting the previous data back: " + cause.Error()})
	fctx := context.WithoutCancel(ctx)
	rec := r.op.Record()
	if err := Rollback(fctx, r.fleet, &rec, r.op.Updater(fctx)); err != nil {
		return fmt.Errorf("%w; putting the previous data back also failed: %v; run 'zeebe-backup recover' once the cause is fixed", cause, err)
	}
	r.hook("rolled back")
	if err := r.op.StartAll(fctx, r.fleet.Members, ""); err != nil {
		return fmt.Errorf("%w; the previous data is back but the brokers did not all start: %v; run 'zeebe-backup recover' once the cause is fixed", cause, err)
	}
	if err := r.release(fctx); err != nil {
		return fmt.Errorf("%w; %v", cause, err)
	}
	return fmt.Errorf("%w; the previous data is back in place and the brokers run again", cause)
}

// release ends the locked operation.
func (r *run) release(ctx context.Context) error { return r.op.End(ctx) }

// stageAll extracts every archive into its staging folder, concurrently, and checks it.
func (r *run) stageAll(ctx context.Context) error {
	return fleet.Each(r.fleet.Members, func(m *fleet.Member) error { return r.stage(ctx, m) })
}

func (r *run) stage(ctx context.Context, m *fleet.Member) error {
	n := m.Broker.NodeID
	rec := r.recs[n]
	staging := r.layouts[n].staging
	if err := r.op.Update(ctx, n, func(b *repo.OpBroker) { b.Staging = staging }); err != nil {
		return err
	}
	rc, err := r.deps.Repo.Get(ctx, r.m.ID, rec.Archive)
	if err != nil {
		return fmt.Errorf("%s: open %s: %w", m.Broker.Name(), rec.Archive, err)
	}
	defer rc.Close()
	r.emit(progress.Event{Phase: "extract", Broker: n, Total: rec.Bytes, Message: "extracting " + rec.Archive + " into " + staging})
	sum, err := m.Host.Extract(ctx, rc, staging, archive.ExtractOptions{
		// Absolute links are checked against the data folder the tree goes to, never against
		// the one the manifest names.
		SourceRoot:            m.DataDir,
		AllowExternalSymlinks: r.opts.AllowExternalSymlinks,
		Progress: func(p archive.Progress) {
			r.emit(progress.Event{Phase: "extract", Broker: n, Progress: true, Bytes: p.Bytes, Files: p.Files, Total: rec.Bytes, Message: p.Path})
		},
	})
	if err != nil {
		return fmt.Errorf("%s: extract %s: %w", m.Broker.Name(), rec.Archive, err)
	}
	index, err := r.deps.Repo.Index(ctx, r.m.ID, n)
	if err != nil {
		return fmt.Errorf("%s: read %s: %w", m.Broker.Name(), rec.Index, err)
	}
	if msg := archive.Mismatch(index.ArchiveEntries(), sum.Entries, "the index", "the extraction"); msg != "" {
		return fmt.Errorf("%s: the extracted data differs from the backup: %s", m.Broker.Name(), msg)
	}
	r.emit(progress.Event{Phase: "extract", Broker: n, Bytes: sum.Bytes, Files: int64(sum.Files), Message: fmt.Sprintf("staged %d files, %d bytes, every digest checked", sum.Files, sum.Bytes)})
	return nil
}

// configToInstall is a broker's backed-up configuration with its edits applied.
func (r *run) configToInstall(ctx context.Context, m *fleet.Member) ([]byte, []yamledit.Edit, error) {
	n := m.Broker.NodeID
	rc, err := r.deps.Repo.Get(ctx, r.m.ID, r.recs[n].Config)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read the backed-up configuration: %w", m.Broker.Name(), err)
	}
	cfg, err := limits.ReadAll(ctx, rc, limits.MaxYAMLBytes, "backed-up configuration")
	rc.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read the backed-up configuration %s: %w", m.Broker.Name(), r.recs[n].Config, err)
	}
	edits, err := editsFor(m.Broker, r.opts.Sets[n])
	if err != nil {
		return nil, nil, err
	}
	if len(edits) > 0 {
		if cfg, err = yamledit.Apply(ctx, cfg, edits); err != nil {
			return nil, nil, fmt.Errorf("%s: adjust the configuration: %w", m.Broker.Name(), err)
		}
	}
	return cfg, edits, nil
}

// installConfigs installs each broker's backed-up configuration with its edits.
func (r *run) installConfigs(ctx context.Context) error {
	for _, m := range r.fleet.Members {
		n := m.Broker.NodeID
		cfg, edits, err := r.configToInstall(ctx, m)
		if err != nil {
			return err
		}
		previous := PreviousConfig(m.Broker.Config, r.m.ID)
		perm, owner, current, err := currentConfig(ctx, m)
		if err != nil {
			return err
		}
		if current != nil {
			if err := m.Host.WriteFile(ctx, previous, current, perm, owner); err != nil {
				return fmt.Errorf("%s: keep the previous configuration: %w", m.Broker.Name(), err)
			}
			if err := r.op.Update(ctx, n, func(b *repo.OpBroker) { b.PreviousConfig = previous }); err != nil {
				return err
			}
		}
		if err := r.op.Update(ctx, n, func(b *repo.OpBroker) { b.ConfigInstalled = true }); err != nil {
			return err
		}
		if err := m.Host.WriteFile(ctx, m.Broker.Config, cfg, perm, owner); err != nil {
			return fmt.Errorf("%s: install the configuration at %s: %w", m.Broker.Name(), m.Broker.Config, err)
		}
		r.emit(progress.Event{Phase: "config", Broker: n, Message: fmt.Sprintf("installed the backed-up configuration at %s with %d edits; the previous one is at %s", m.Broker.Config, len(edits), previous)})
	}
	return nil
}

// currentConfig reads a broker's configuration file as it is before the restore, with the mode
// and owner that the installed file and the kept copy get: configurations hold passwords, so a
// 0600 file stays 0600. A configuration that does not exist gives nil data, mode 0600 and the
// owner of its folder; a symbolic link (replaced by the installed file) gives 0600 and the
// link's owner.
func currentConfig(ctx context.Context, m *fleet.Member) (fs.FileMode, *broker.Owner, []byte, error) {
	path := m.Broker.Config
	info, err := m.Host.Stat(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		dir, err := m.Host.Stat(ctx, filepath.Dir(path))
		if err != nil {
			return 0, nil, nil, fmt.Errorf("%s: the folder of its configuration %s: %w", m.Broker.Name(), path, err)
		}
		return 0o600, &broker.Owner{UID: dir.UID, GID: dir.GID}, nil, nil
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: its configuration %s: %w", m.Broker.Name(), path, err)
	}
	perm := info.Mode.Perm()
	if info.Mode&fs.ModeSymlink != 0 {
		perm = 0o600
	}
	data, err := m.Host.ReadFile(ctx, path)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: read its configuration %s to keep it: %w", m.Broker.Name(), path, err)
	}
	return perm, &broker.Owner{UID: info.UID, GID: info.GID}, data, nil
}

// editsFor merges the cluster file's set: entries, in the order of their keys, with the --set
// ones after them (which win), in the order given. Edits apply in order, so the same cluster
// file and flags install the same configuration every run. Two set: entries that name one
// setting in two forms (advertisedHost, advertised-host) with different values are refused:
// which one is meant cannot be told.
func editsFor(b cluster.Broker, flags []yamledit.Edit) ([]yamledit.Edit, error) {
	var out []yamledit.Edit
	seen := map[string]string{} // canonical key -> the first key written for it
	for _, k := range slices.Sorted(maps.Keys(b.Set)) {
		c := config.CanonicalKey(k)
		if first, dup := seen[c]; dup && b.Set[first] != b.Set[k] {
			return nil, fmt.Errorf("%s: set: entries %q and %q name the same setting with different values; keep one in the cluster file", b.Name(), first, k)
		} else if !dup {
			seen[c] = k
		}
		out = append(out, yamledit.Edit{Key: k, Value: b.Set[k]})
	}
	return append(out, flags...), nil
}

func (r *run) discardPrevious(ctx context.Context, res *Result) {
	for _, m := range r.fleet.Members {
		if p, ok := res.Previous[m.Broker.NodeID]; ok {
			if err := m.Host.RemoveAll(ctx, p); err != nil {
				r.emit(progress.Event{Level: progress.Warn, Phase: "ready", Broker: m.Broker.NodeID, Message: "could not remove the previous data " + p + ": " + err.Error()})
				continue
			}
			if err := r.op.Update(ctx, m.Broker.NodeID, func(b *repo.OpBroker) { b.Previous = "" }); err != nil {
				r.emit(progress.Event{Level: progress.Warn, Phase: "ready", Broker: m.Broker.NodeID, Message: "removed the previous data " + p + ", but recording that failed: " + err.Error()})
			}
			delete(res.Previous, m.Broker.NodeID)
		}
	}
}

// unwritable tells whether err is a write refused by the filesystem: read-only, or not
// permitted.
func unwritable(err error) bool {
	return !errors.Is(err, repo.ErrLocked) && !errors.Is(err, fleet.ErrClusterLocked) &&
		(errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission))
}
