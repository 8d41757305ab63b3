package restore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/verify"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// The checks --force can override, one by one.
const (
	ForceVersion    = "version"    // the target's Zeebe version against the backup's
	ForceNodeID     = "node-id"    // the archive's lock files against the node it goes to
	ForcePartitions = "partitions" // the archive's partition folders against the node's
	ForceFindings   = "findings"   // other error-level findings in the backed-up data
)

// ForceChecks lists the names --force accepts.
var ForceChecks = []string{ForceVersion, ForceNodeID, ForcePartitions, ForceFindings}

// gates verifies the stored backup deeply and applies the gates of docs/zeebe-format.md
// ("Facts a restore pre-flight can check"): the version rule, the node ids in the lock files,
// the partition folders of each node, and the data's own findings. A damaged stored file is
// never overridable.
func (r *run) gates(ctx context.Context, shape fleet.Shape) error {
	dataDirs := map[int]string{}
	for _, m := range r.fleet.Members {
		dataDirs[m.Broker.NodeID] = m.DataDir
	}
	// The data is checked against the backup's real shape, which compareShape found the
	// target's partitions count and replication factor to be.
	res, err := verify.Backup(ctx, r.deps.Repo, r.m, verify.Options{Deep: true, Events: r.deps.Events,
		DataDir: func(n int) string { return dataDirs[n] }})
	if err != nil {
		return err
	}
	if len(res.Damaged) > 0 {
		return fmt.Errorf("the stored backup is damaged: %s", strings.Join(res.Damaged, "; "))
	}
	var errs []error
	if err := r.versionGate(ctx, res); err != nil {
		errs = append(errs, err)
	}
	byGate := map[string][]string{}
	var outside []string
	for _, f := range res.Errors() {
		if f.Check == verify.CheckOutsideLink {
			outside = append(outside, f.String())
			continue
		}
		gate := ForceFindings
		if f.Check == "lock.node-id" {
			gate = ForceNodeID
		}
		byGate[gate] = append(byGate[gate], f.String())
	}
	for _, b := range r.m.Brokers {
		if msg := r.partitionGate(b.NodeID, res.Reports[b.NodeID], shape); msg != "" {
			byGate[ForcePartitions] = append(byGate[ForcePartitions], msg)
		}
	}
	switch {
	case len(outside) == 0:
	case r.opts.AllowExternalSymlinks:
		r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: progress.Cluster, Message: "--allow-external-symlinks: restoring " + strings.Join(outside, "; ")})
	default:
		errs = append(errs, fmt.Errorf("%s (restore with --allow-external-symlinks if each target exists on the broker's host)", strings.Join(outside, "; ")))
	}
	for _, gate := range ForceChecks[1:] {
		problems := byGate[gate]
		if len(problems) == 0 {
			continue
		}
		if r.forced(gate) {
			r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("--force=%s: ignoring %s", gate, strings.Join(problems, "; "))})
			continue
		}
		errs = append(errs, fmt.Errorf("%s (override with --force=%s only if you know why)", strings.Join(problems, "; "), gate))
	}
	for _, f := range res.Findings {
		if f.Severity == check.Warning {
			r.emit(progress.Event{Level: progress.Warn, Phase: "verify", Broker: f.Broker, Message: f.String()})
		}
	}
	return errors.Join(errs...)
}

func (r *run) forced(gate string) bool { return slices.Contains(r.opts.Force, gate) }

// partitionGate compares the partition folders in a broker's archive with those the target
// node must hold: from the archive's .topology.meta when it has one (8.4+), else from the
// persisted topology the backup recorded for the cluster (another broker's), and only when the
// cluster has none from the round-robin distribution over the configured clusterSize.
func (r *run) partitionGate(nodeID int, rep *check.Report, shape fleet.Shape) string {
	if rep == nil {
		return ""
	}
	var have []int
	for _, p := range rep.Partitions {
		have = append(have, p.ID)
	}
	var want []int
	var source string
	switch {
	case rep.Topology != nil:
		source = "its " + zeebe.TopologyMetaFile
		m, ok := rep.Topology.Members[nodeID]
		if !ok {
			return fmt.Sprintf("broker %d: node %d is not a member of the archive's %s: the data is of another cluster or node", nodeID, nodeID, zeebe.TopologyMetaFile)
		}
		want = slices.Sorted(maps.Keys(m.Partitions))
	case r.m.Cluster.MembersFrom == repo.MembersFromTopology:
		source = "the cluster's " + zeebe.TopologyMetaFile + " as the backup recorded it"
		var ok bool
		if want, ok = r.m.Cluster.PartitionsOf(nodeID); !ok {
			return fmt.Sprintf("broker %d: node %d is not a member of the cluster's %s as the backup recorded it", nodeID, nodeID, zeebe.TopologyMetaFile)
		}
	default:
		source = "round-robin"
		want = zeebe.PartitionsOf(zeebe.Distribute(shape.Shape, true), nodeID)
	}
	slices.Sort(have)
	slices.Sort(want)
	if slices.Equal(have, want) {
		return ""
	}
	return fmt.Sprintf("broker %d: the archive holds partitions %v, node %d must hold %v (%s)", nodeID, have, nodeID, want, source)
}

// versionGate applies §8's rule to the backup's version and the target's: same or next minor,
// no downgrade, no pre-release unless identical. The backup's version is that of its data when
// higher than the cluster's recorded one (backupVersion). With the target's version known, the
// findings that depend on it (check.ForTarget) join the verification's.
func (r *run) versionGate(ctx context.Context, res *verify.Result) error {
	fv, fromSource, fromFound, err := backupVersion(r.m, res.Reports)
	if err != nil {
		return err
	}
	from := ""
	if fromFound {
		from = fv.String()
	}
	to, toSource := r.targetVersion(ctx)
	tv, toErr := zeebe.ParseVersion(to)
	if to != "" && toErr == nil {
		var reports []*check.Report
		for _, b := range r.m.Brokers {
			reports = append(reports, res.Reports[b.NodeID])
		}
		res.Findings = append(res.Findings, check.ForTarget(reports, tv)...)
	}
	if r.forced(ForceVersion) {
		r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("--force=version: not checking backup version %q against target version %q", from, to)})
		return nil
	}
	if from == "" || to == "" {
		return fmt.Errorf("the Zeebe version of the %s is unknown, so the rule 'same or next minor version' cannot be checked: give version: in the cluster file, or a gateway (override with --force=%s)",
			map[bool]string{true: "backup", false: "target"}[from == ""], ForceVersion)
	}
	if toErr != nil {
		return fmt.Errorf("target version %q (from %s): %w", to, toSource, toErr)
	}
	if c, reason := zeebe.CheckUpgrade(fv, tv); c == zeebe.Incompatible {
		return fmt.Errorf("backup %s was taken from Zeebe %s (%s); the target runs %s (%s): %s; restore onto the same or the next minor version (override with --force=%s)",
			r.m.ID, fv, fromSource, tv, toSource, reason, ForceVersion)
	}
	r.emit(progress.Event{Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("version: backup %s (%s), target %s (%s): allowed", fv, fromSource, tv, toSource)})
	return nil
}

// targetVersion finds the target cluster's Zeebe version: its gateway's topology, the cluster
// file's version:, or the REST topology of its running brokers, on the REST port each runs with
// (server.port with the process environment on top; the configuration file's for a broker
// that is not running).
func (r *run) targetVersion(ctx context.Context) (string, string) {
	if r.d.Gateway != "" && r.deps.Topology != nil {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		t, err := r.deps.Topology(tctx, r.d.Gateway)
		cancel()
		if err == nil {
			for _, b := range t.Brokers {
				return b.Version, "the target's gateway"
			}
		}
	}
	if r.d.Version != "" {
		return r.d.Version, "the cluster file"
	}
	for _, m := range r.fleet.Members {
		b := m.Broker
		port := m.Config.RESTPort
		if e := r.eff[b.NodeID]; e != nil {
			port = e.Broker.RESTPort
		}
		u, err := url.Parse(b.Health)
		if port == 0 || err != nil {
			continue
		}
		for _, path := range []string{"/v2/topology", "/v1/topology"} {
			if v := restVersion(ctx, "http://"+net.JoinHostPort(u.Hostname(), strconv.Itoa(port))+path, b.NodeID); v != "" {
				return v, fmt.Sprintf("broker %d's REST API", b.NodeID)
			}
		}
	}
	return "", ""
}

// restVersion asks a REST topology endpoint for one broker's version.
func restVersion(ctx context.Context, u string, nodeID int) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var t struct {
		Brokers []struct {
			NodeID  int    `json:"nodeId"`
			Version string `json:"version"`
		} `json:"brokers"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&t) != nil {
		return ""
	}
	for _, b := range t.Brokers {
		if b.NodeID == nodeID || b.Version != "" {
			return b.Version
		}
	}
	return ""
}
