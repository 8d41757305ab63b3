// Package backup takes a cold backup of a whole cluster, as one unit:
//
//  1. Pre-flight, while the cluster runs (the hosts and configurations were read, and found to
//     agree with each other and with the description, by fleet.Resolve): every data folder is
//     there and readable, the configurations as the brokers run them agree with the
//     description, the description lists exactly the cluster's members (from .topology.meta, else the configured
//     clusterSize: a cluster scaled at runtime keeps its initial clusterSize), the backup id is
//     free, the repository has room. Any failure stops here; no broker is touched.
//  2. The operation is written down (the repository lock) before the first stop command runs.
//  3. All brokers are stopped at once and each is proven fully down.
//  4. Every data folder is archived, concurrently, straight into the repository, with each
//     broker's configuration and the index of every archived entry; the tool's own folders and
//     lost+found at its top are left out (workflow.NotZeebeData), and every symbolic link that
//     points outside it gets a warning.
//  5. All brokers are started again and proven ready. Whatever fails after step 3 — an
//     archive, the repository, Ctrl-C — the brokers that were stopped are started again.
//  6. The manifest is written last; only then does the backup exist.
package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fanout"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// Deps are what the workflow works with.
type Deps = workflow.Deps

// Options of one backup.
type Options struct {
	ID          string // "" for a UTC timestamp
	Compression archive.Compression
	// AllowFindings commits a backup even when Zeebe's checks find errors in the data.
	AllowFindings bool
}

// ErrFindings is wrapped when the archived data has error-level findings and the backup was
// therefore not committed.
var ErrFindings = errors.New("the data has errors Zeebe would refuse")

// ErrAborted is wrapped when the backup was given up after brokers were stopped; they were
// started again and nothing was committed.
var ErrAborted = errors.New("backup aborted")

type run struct {
	d       *cluster.Description
	deps    Deps
	opts    Options
	fleet   *fleet.Fleet
	shape   repo.ClusterShape
	m       *repo.Manifest
	op      *workflow.Operation // the locked operation, from workflow.Begin on
	reports map[int]*check.Report

	// effective are the brokers' configurations as they ran at the pre-flight, recorded in the
	// manifest (values and sources, never the environment).
	effective map[int]*fleet.Effective
}

func (r *run) emit(e progress.Event) { r.deps.Emit(e) }

func (r *run) hook(phase string) { r.deps.Phase(phase) }

// Run takes a backup of the resolved cluster f (fleet.Resolve): each broker's configuration
// as Resolve read it is the one backed up. It returns the committed manifest. When a broker
// does not come back after the backup, the manifest is committed and returned together with
// an error.
func Run(ctx context.Context, f *fleet.Fleet, deps Deps, opts Options) (*repo.Manifest, error) {
	deps.Defaults()
	if opts.Compression == "" {
		opts.Compression = archive.Zstd
	}
	r := &run{d: f.Description, fleet: f, deps: deps, opts: opts}
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	return r.coldBackup(ctx)
}

func (r *run) coldBackup(ctx context.Context) (*repo.Manifest, error) {
	op, err := workflow.Begin(ctx, &r.deps, r.fleet, "backup", r.m.ID)
	if err != nil {
		return nil, err
	}
	r.op = op
	// With the lock held, no other run writes backups: a folder still absent now is this
	// operation's, and recover may remove it whole.
	if err := r.idFree(ctx, r.m.ID); err != nil {
		return nil, errors.Join(err, r.release(ctx))
	}
	if err := op.Own(ctx, repo.Folder(r.m.ID)); err != nil {
		return nil, errors.Join(err, r.release(ctx))
	}

	r.hook("stopping")
	r.m.Times.StopRequested = r.deps.Now().UTC()
	r.emit(progress.Event{Phase: "stop", Broker: progress.Cluster, Message: fmt.Sprintf("stopping all %d brokers at once", len(r.fleet.Members))})
	err = op.StopAll(ctx)
	if err == nil {
		r.m.Times.AllDown = r.deps.Now().UTC()
		r.hook("archiving")
		err = r.archiveAll(ctx)
	}
	if err != nil {
		return nil, r.abort(ctx, err)
	}
	r.m.Times.DataCaptured = r.deps.Now().UTC()
	blocking := r.findings()

	startErr := r.startAgain(ctx)
	r.m.DowntimeMillis = r.deps.Now().Sub(r.m.Times.StopRequested).Milliseconds()
	if startErr == nil {
		r.m.Times.Ready = r.deps.Now().UTC()
	} else {
		r.m.Problems = append(r.m.Problems, startErr.Error())
	}
	cctx := context.WithoutCancel(ctx)
	if len(blocking) > 0 && !r.opts.AllowFindings {
		err := fmt.Errorf("%w, so backup %s was not committed: %s; fix the data or take the backup with --allow-findings",
			ErrFindings, r.m.ID, strings.Join(blocking, "; "))
		if cleanErr := r.deps.Repo.RemoveBackup(cctx, r.m.ID); cleanErr != nil || startErr != nil {
			// The lock keeps the operation, so that recover finishes it.
			return nil, fmt.Errorf("%w; %s", err, notBack(startErr, cleanErr))
		}
		return nil, errors.Join(err, r.release(cctx))
	}
	r.m.Times.Committed = r.deps.Now().UTC()
	if err := r.deps.Repo.Commit(cctx, r.m); err != nil {
		return nil, fmt.Errorf("write the manifest of backup %s: %w; the archives are stored but the backup does not exist; %s",
			r.m.ID, err, notBack(startErr, errors.New("its files are left in "+r.deps.Repo.FolderLocation(r.m.ID))))
	}
	r.emit(progress.Event{Phase: "commit", Broker: progress.Cluster, Message: fmt.Sprintf("backup %s committed: %d brokers, %d bytes stored, downtime %s", r.m.ID, len(r.m.Brokers), r.m.Size(), r.m.Downtime())})
	if startErr != nil {
		// The lock keeps the operation: recover starts the brokers that are down.
		return r.m, fmt.Errorf("backup %s is complete, but the cluster is not fully back: %w; %s", r.m.ID, startErr, notBack(startErr, nil))
	}
	if err := r.release(ctx); err != nil {
		return r.m, fmt.Errorf("backup %s is complete and the brokers run, but %w; run 'zeebe-backup recover' to release the locks", r.m.ID, err)
	}
	return r.m, nil
}

// notBack says what recover will do for an operation left in the lock because brokers did not
// come back (startErr) or its files could not be removed (cleanErr).
func notBack(startErr, cleanErr error) string {
	var what []string
	if startErr != nil {
		what = append(what, "start the brokers that are down")
	}
	if cleanErr != nil {
		what = append(what, "remove what the backup stored ("+cleanErr.Error()+")")
	}
	return "the operation stays recorded in the repository lock; once the cause is fixed, run 'zeebe-backup recover' to " + strings.Join(what, " and ")
}

// findings gathers the checks' findings into the manifest, with the cross-broker ones, takes
// the version from the data when nothing else gave it, and returns the error-level findings.
func (r *run) findings() []string {
	var reports []*check.Report
	var findings []check.Finding
	for _, b := range r.m.Brokers {
		rep := r.reports[b.NodeID]
		reports = append(reports, rep)
		findings = append(findings, rep.Findings...)
	}
	r.recordShape(reports)
	r.dataVersion(reports)
	findings = append(findings, check.Cluster(reports, r.shape.Real())...)
	r.m.Findings = storedFindings(findings)
	if r.m.ZeebeVersion == "" {
		r.emit(progress.Event{Level: progress.Warn, Phase: "check", Broker: progress.Cluster, Message: "the Zeebe version is unknown (no gateway, no version: in the cluster file, no record carries one); restores of this backup will need version: in their cluster file or --force=version"})
	}
	var blocking []string
	for _, f := range findings {
		level := progress.Info
		switch f.Severity {
		case check.Error:
			level = progress.Error
			blocking = append(blocking, f.String())
		case check.Warning:
			level = progress.Warn
		}
		r.emit(progress.Event{Level: level, Phase: "check", Broker: f.Broker, Message: fmt.Sprintf("%s [%s]", f.Message, f.Check)})
	}
	return blocking
}

// dataVersion records the version of the data: the highest of the brokers' records' and
// states' versions (verifier fact 10). It is the cluster's version when nothing else gave one;
// when it is newer than the version given, restores go by it, and the operator is told.
func (r *run) dataVersion(reports []*check.Report) {
	v, node, ok := check.HighestDataVersion(reports)
	if !ok {
		return
	}
	r.m.DataVersion = v.String()
	if r.m.ZeebeVersion == "" {
		r.m.ZeebeVersion, r.m.VersionSource = v.String(), "data"
		return
	}
	if given, err := zeebe.ParseVersion(r.m.ZeebeVersion); err == nil && zeebe.CompareVersions(v, given) > 0 {
		r.emit(progress.Event{Level: progress.Warn, Phase: "check", Broker: node, Message: fmt.Sprintf(
			"the data was written or migrated by Zeebe %s (records' brokerVersion or the state's migrated-by-version), newer than the cluster's version %s from the %s; restores of this backup check the target against %s",
			v, r.m.ZeebeVersion, r.m.VersionSource, v)})
	}
}

// startAgain starts every broker, on a context that outlives a cancelled run.
func (r *run) startAgain(ctx context.Context) error {
	r.hook("starting")
	r.m.Times.Started = r.deps.Now().UTC()
	return r.op.StartAll(ctx, r.fleet.Members, r.m.ZeebeVersion)
}

// abort starts the brokers again after a failure past the stop, removes what was stored and
// releases the lock.
func (r *run) abort(ctx context.Context, cause error) error {
	r.emit(progress.Event{Level: progress.Error, Phase: "abort", Broker: progress.Cluster, Message: "backup failed, starting the brokers again: " + cause.Error()})
	startErr := r.startAgain(ctx)
	cleanCtx := context.WithoutCancel(ctx)
	cleanErr := r.deps.Repo.RemoveBackup(cleanCtx, r.m.ID)
	err := fmt.Errorf("%w: %w", ErrAborted, cause)
	if startErr != nil {
		return fmt.Errorf("%w; starting the brokers again also failed: %v; %s", err, startErr, notBack(startErr, cleanErr))
	}
	if cleanErr != nil {
		return fmt.Errorf("%w; the brokers run again; %s", err, notBack(nil, cleanErr))
	}
	if relErr := r.release(cleanCtx); relErr != nil {
		return fmt.Errorf("%w; the brokers run again and nothing was committed, but %v; run 'zeebe-backup recover' to release the locks", err, relErr)
	}
	return fmt.Errorf("%w; the brokers run again and nothing was committed", err)
}

// release ends the locked operation.
func (r *run) release(ctx context.Context) error { return r.op.End(ctx) }

// archiveAll archives every broker concurrently.
func (r *run) archiveAll(ctx context.Context) error {
	records := make([]repo.BrokerRecord, len(r.fleet.Members))
	reports := make([]*check.Report, len(r.fleet.Members))
	err := fanout.Each(r.fleet.Members, func(i int, m *fleet.Member) (err error) {
		records[i], reports[i], err = r.archiveOne(ctx, m)
		return err
	})
	if err != nil {
		return err
	}
	r.m.Brokers = records
	r.reports = map[int]*check.Report{}
	for i, m := range r.fleet.Members {
		r.reports[m.Broker.NodeID] = reports[i]
	}
	return nil
}

func (r *run) archiveOne(ctx context.Context, m *fleet.Member) (repo.BrokerRecord, *check.Report, error) {
	n := m.Broker.NodeID
	rec := repo.BrokerRecord{
		NodeID: n, Host: m.Host.Name(), DataDir: m.DataDir,
		Config: repo.ConfigName(n), ConfigPath: m.Broker.Config,
		Archive: repo.ArchiveName(n, r.opts.Compression), Index: repo.IndexName(n),
	}
	if e := r.effective[n]; e != nil {
		rec.Effective, rec.EffectiveFrom = e.Settings(e.Broker, e.Values), e.From
	}
	cfg := m.ConfigData
	sum := sha256.Sum256(cfg)
	rec.ConfigSHA256 = hex.EncodeToString(sum[:])
	if _, err := r.deps.Repo.Put(ctx, r.m.ID, rec.Config, bytes.NewReader(cfg)); err != nil {
		return rec, nil, fmt.Errorf("%s: store its configuration: %w", m.Broker.Name(), err)
	}

	r.emit(progress.Event{Phase: "archive", Broker: n, Message: "archiving " + m.DataDir})
	pr, pw := io.Pipe()
	var summary *archive.Summary
	checker := check.New(check.Options{NodeID: n, Shape: r.shape.Real()})
	done := make(chan error, 1)
	go func() {
		var err error
		summary, err = m.Host.Archive(ctx, m.DataDir, archive.WriteOptions{
			Compression: r.opts.Compression,
			Observe:     checker,
			Skip:        workflow.SkipInDataFolder,
			Progress: func(p archive.Progress) {
				r.emit(progress.Event{Phase: "archive", Broker: n, Progress: true, Bytes: p.Bytes, Files: p.Files, Message: p.Path})
			},
		}, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	stored, putErr := r.deps.Repo.Put(ctx, r.m.ID, rec.Archive, pr)
	pr.CloseWithError(putErr)
	archErr := <-done
	switch {
	case archErr != nil && errors.Is(archErr, archive.ErrInUse):
		return rec, nil, fmt.Errorf("%s: %w", m.Broker.Name(), archErr)
	case archErr != nil:
		return rec, nil, fmt.Errorf("%s: archive %s: %w", m.Broker.Name(), m.DataDir, archErr)
	case putErr != nil:
		return rec, nil, fmt.Errorf("%s: store %s in %s: %w", m.Broker.Name(), rec.Archive, r.deps.Repo.Location(), putErr)
	case stored != summary.Size:
		return rec, nil, fmt.Errorf("%s: stored %d bytes of %s, the archive has %d", m.Broker.Name(), stored, rec.Archive, summary.Size)
	}
	for _, l := range archive.OutsideLinks(summary.Entries, m.DataDir) {
		r.emit(progress.Event{Level: progress.Warn, Phase: "archive", Broker: n, Message: fmt.Sprintf("%s is a symbolic link to %q, outside the data folder %s (%s): it is archived as a link; a restore needs --allow-external-symlinks and works only where %s exists",
			l.Path, l.Target, m.DataDir, l.Reason, l.Target)})
	}
	rec.ArchiveSize, rec.ArchiveSHA256 = summary.Size, summary.SHA256
	rec.Files, rec.Dirs, rec.Symlinks, rec.HardLinks, rec.Bytes = summary.Files, summary.Dirs, summary.Symlinks, summary.HardLinks, summary.Bytes

	indexSum, err := r.deps.Repo.PutIndex(ctx, r.m.ID, n, repo.NewIndex(summary.Entries))
	if err != nil {
		return rec, nil, fmt.Errorf("%s: store its index: %w", m.Broker.Name(), err)
	}
	rec.IndexSHA256 = indexSum
	report := checker.Finish() // its findings name broker n, the node id it was given
	if report.VersionFound {
		rec.DataVersion = report.Version.String()
	}
	rec.MigratedBy = report.MigratedBy
	for _, p := range report.Partitions {
		rec.Partitions = append(rec.Partitions, p.ID)
	}
	r.emit(progress.Event{Phase: "archive", Broker: n, Bytes: summary.Bytes, Files: int64(summary.Files),
		Message: fmt.Sprintf("archived %d files (%d bytes) into %s (%d bytes); Zeebe's checks: %d findings", summary.Files, summary.Bytes, rec.Archive, summary.Size, len(report.Findings))})
	return rec, report, nil
}

// storedFindings are the checks' findings as the manifest records them.
func storedFindings(fs []check.Finding) []repo.Finding {
	var out []repo.Finding
	for _, f := range fs {
		s := repo.Finding{Severity: string(f.Severity), Check: f.Check, Broker: f.Broker, Partition: f.Partition, File: f.File, Message: f.Message}
		if f.Offset != nil {
			s.Offset = new(int64)
			*s.Offset = *f.Offset
		}
		out = append(out, s)
	}
	return out
}
