// Package verify re-reads a stored backup without touching any broker:
//
//  1. every archive, configuration and index is streamed from the repository and its size and
//     SHA-256 compared with the manifest;
//  2. with Deep, each archive is read in the same pass through Zeebe's checks (journal,
//     snapshots, Raft files, topology, lock files) without writing anything to disk;
//  3. with Deep, the checks across brokers follow (a quorum of replicas per partition, Raft log
//     matching);
//  4. with Deep, every symbolic link of an archive is checked as a restore's extraction checks
//     it (archive.OutsideLinks), against the data folder the archive would be restored into:
//     a link pointing outside it is an error-level finding (CheckOutsideLink), which a restore
//     accepts only with --allow-external-symlinks.
//
// Archives are verified concurrently, one reader each, so the work spreads over the cores.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/fanout"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// Options of a verification.
type Options struct {
	Deep bool
	// DataDir gives the data folder a backed-up broker's archive would be restored into (the
	// target's, never the manifest's); "" or nil means unknown, and then every absolute
	// symbolic link points outside.
	DataDir func(backedUp int) string
	Events  progress.Sink
}

// CheckOutsideLink is the finding of a symbolic link that points outside the data folder.
const CheckOutsideLink = "archive.symlink-outside"

// Result is what a verification found.
type Result struct {
	// Damaged lists stored files whose size or checksum is not the manifest's, or that could
	// not be read: the backup cannot be trusted.
	Damaged []string
	// Reports are the deep checks' reports by node id.
	Reports map[int]*check.Report
	// Findings are every broker's findings and the cross-broker ones, errors first.
	Findings []check.Finding
}

// Errors are the error-level findings.
func (r *Result) Errors() []check.Finding { return check.Errors(r.Findings) }

// Backup verifies backup m of repository r. The deep checks hold the data to the backup's real
// shape (repo.ClusterShape.Real): a restore checks that its target has that shape first.
func Backup(ctx context.Context, r *repo.Repo, m *repo.Manifest, opts Options) (*Result, error) {
	emit := opts.Events.Emit
	res := &Result{Reports: map[int]*check.Report{}}
	var mu sync.Mutex
	err := fanout.Each(m.Brokers, func(_ int, b repo.BrokerRecord) error {
		damaged, report, err := verifyBroker(ctx, r, m, b, opts, emit)
		mu.Lock()
		defer mu.Unlock()
		res.Damaged = append(res.Damaged, damaged...)
		if report != nil {
			res.Reports[b.NodeID] = report
			res.Findings = append(res.Findings, report.Findings...)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if opts.Deep && len(res.Damaged) == 0 {
		var reports []*check.Report
		for _, b := range m.Brokers {
			if rep := res.Reports[b.NodeID]; rep != nil {
				reports = append(reports, rep)
			}
		}
		res.Findings = append(res.Findings, check.Cluster(reports, m.Cluster.Real())...)
	}
	check.SortAcross(res.Findings)
	sort.Strings(res.Damaged)
	return res, nil
}

// verifyBroker checks one broker's files; a stored file that does not match is reported in
// damaged, not as an error.
func verifyBroker(ctx context.Context, r *repo.Repo, m *repo.Manifest, b repo.BrokerRecord, opts Options, emit func(progress.Event)) (damaged []string, report *check.Report, err error) {
	for _, f := range []struct{ name, sum string }{{b.Config, b.ConfigSHA256}, {b.Index, b.IndexSHA256}} {
		if _, msg := checkSum(ctx, r, m.ID, f.name, f.sum, -1, nil); msg != "" {
			damaged = append(damaged, fmt.Sprintf("broker %d: %s", b.NodeID, msg))
		}
	}
	var checker *check.Checker
	if opts.Deep {
		checker = check.New(check.Options{NodeID: b.NodeID, Shape: m.Cluster.Real()})
	}
	emit(progress.Event{Phase: "verify", Broker: b.NodeID, Total: b.ArchiveSize, Message: "reading " + b.Archive})
	var obs archive.Observer // a nil *Checker must not become a non-nil Observer
	if checker != nil {
		obs = checker
	}
	sum, msg := checkSum(ctx, r, m.ID, b.Archive, b.ArchiveSHA256, b.ArchiveSize, obs)
	if msg != "" {
		damaged = append(damaged, fmt.Sprintf("broker %d: %s", b.NodeID, msg))
		return damaged, nil, ctx.Err()
	}
	if sum != nil && len(damaged) == 0 {
		// The archive's entries are the index's: a restore checks what it extracts against
		// the index after the stop, so a disagreement must be found before.
		index, err := r.Index(ctx, m.ID, b.NodeID)
		if err != nil {
			damaged = append(damaged, fmt.Sprintf("broker %d: %s cannot be read: %v", b.NodeID, b.Index, err))
		} else if msg := archive.Mismatch(index.ArchiveEntries(), sum.Entries, "the index", "the archive"); msg != "" {
			damaged = append(damaged, fmt.Sprintf("broker %d: %s and %s disagree: %s", b.NodeID, b.Archive, b.Index, msg))
		}
	}
	if checker != nil {
		report = checker.Finish()
		root := ""
		if opts.DataDir != nil {
			root = opts.DataDir(b.NodeID)
		}
		// The checker names the broker in its findings, being told its node id.
		report.Findings = append(report.Findings, outsideLinks(b.NodeID, sum, root)...)
		emit(progress.Event{Phase: "verify", Broker: b.NodeID, Message: fmt.Sprintf("%s: checksum and Zeebe checks done, %d findings", b.Archive, len(report.Findings))})
	} else {
		emit(progress.Event{Phase: "verify", Broker: b.NodeID, Message: b.Archive + ": checksum verified"})
	}
	return damaged, report, ctx.Err()
}

// checkSum streams a stored file, through obs when it is an archive to check, and compares
// its size (when size ≥ 0) and SHA-256 with the manifest's. It returns what is wrong, or "".
func checkSum(ctx context.Context, r *repo.Repo, id, name, want string, size int64, obs archive.Observer) (*archive.Summary, string) {
	rc, err := r.Get(ctx, id, name)
	if err != nil {
		return nil, fmt.Sprintf("%s: %v", name, err)
	}
	defer rc.Close()
	h := sha256.New()
	counted := &counter{}
	tee := io.TeeReader(rc, io.MultiWriter(h, counted))
	var sum *archive.Summary
	if obs != nil {
		if sum, err = archive.Read(ctx, tee, obs, 0); err != nil {
			return nil, fmt.Sprintf("%s: %v", name, err)
		}
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, fmt.Sprintf("%s: %v", name, err)
	}
	if size >= 0 && counted.n != size {
		return nil, fmt.Sprintf("%s has %d bytes, the manifest says %d", name, counted.n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return nil, fmt.Sprintf("%s has SHA-256 %s, the manifest says %s", name, got, want)
	}
	return sum, ""
}

// outsideLinks turns the archive's symbolic links that point outside root into findings of
// the broker.
func outsideLinks(broker int, sum *archive.Summary, root string) []check.Finding {
	if sum == nil {
		return nil
	}
	where := "the data folder it is restored into"
	if root != "" {
		where = root
	}
	var out []check.Finding
	for _, l := range archive.OutsideLinks(sum.Entries, root) {
		out = append(out, check.Finding{Severity: check.Error, Check: CheckOutsideLink, Broker: broker, File: l.Path,
			Message: fmt.Sprintf("symbolic link to %q points outside %s (%s): a restore refuses it unless --allow-external-symlinks, and it only works where %s exists", l.Target, where, l.Reason, l.Target)})
	}
	return out
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
