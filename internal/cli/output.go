package cli

import (
	"encoding/json"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/recovery"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/verify"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// The --json shapes of the commands, documented in docs/json-output.md. They are this
// package's own types, built from the workflows' results, so that a refactor inside a workflow
// does not change what scripts read. Stored formats (the manifest, the lock's operation, an
// archive's summary, a finding) are printed as they are stored: they have their own json tags
// and are part of the repository format. Lists are never null; a value Zeebe leaves unset (a
// null index) is absent.

// errorOutput is what every command prints on standard output with --json when it fails
// without a result.
type errorOutput struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    int    `json:"code"`    // the exit status
	Message string `json:"message"` // the same message as on standard error
}

// verifyOutput is the result of verify.
type verifyOutput struct {
	ID       string          `json:"id"`
	Deep     bool            `json:"deep"`
	OK       bool            `json:"ok"`      // no damaged file and no error-level finding
	Damaged  []string        `json:"damaged"` // stored files whose size or checksum differ
	Brokers  []reportOutput  `json:"brokers"` // with --deep: each broker's data, by node id
	Findings []check.Finding `json:"findings"`
}

func newVerifyOutput(id string, deep bool, res *verify.Result) verifyOutput {
	out := verifyOutput{ID: id, Deep: deep, OK: len(res.Damaged) == 0 && len(res.Errors()) == 0,
		Damaged: nonNil(res.Damaged), Brokers: []reportOutput{}, Findings: nonNil(res.Findings)}
	for _, n := range slices.Sorted(maps.Keys(res.Reports)) {
		out.Brokers = append(out.Brokers, newReportOutput("", res.Reports[n]))
	}
	return out
}

// reportOutput is what inspect found in one data folder, and each broker of verify --deep.
type reportOutput struct {
	Dir          string            `json:"dir,omitempty"` // inspect: the folder read
	NodeID       *int              `json:"nodeId"`        // null when not known
	Group        string            `json:"group"`
	ZeebeVersion string            `json:"zeebeVersion,omitempty"` // highest in the records
	MigratedBy   string            `json:"migratedBy,omitempty"`
	Bytes        int64             `json:"bytes"`
	Partitions   []partitionOutput `json:"partitions"`
	Topology     *topologyOutput   `json:"topology,omitempty"`
	Findings     []check.Finding   `json:"findings"`
	Errors       int               `json:"errors"` // error-level findings
}

type partitionOutput struct {
	ID           int             `json:"id"`
	Journal      string          `json:"journal"`
	Segments     []segmentOutput `json:"segments"`
	FirstIndex   uint64          `json:"firstIndex"`
	LastIndex    uint64          `json:"lastIndex"`
	LastTerm     uint64          `json:"lastTerm"`
	LastPosition int64           `json:"lastPosition"`
	FlushedIndex *uint64         `json:"flushedIndex,omitempty"` // absent when null or no .meta
	CommitIndex  *uint64         `json:"commitIndex,omitempty"`  // absent when null or before 8.7
	Term         uint64          `json:"term"`
	VotedFor     string          `json:"votedFor,omitempty"`
	Members      []string        `json:"members"`
	Lock         string          `json:"lock,omitempty"`
	Snapshot     *snapshotOutput `json:"snapshot,omitempty"`
}

type segmentOutput struct {
	File       string `json:"file"`
	FileID     int64  `json:"fileId"`
	Size       int64  `json:"size"`
	Prepared   bool   `json:"prepared"`
	FirstIndex uint64 `json:"firstIndex"`
	LastIndex  uint64 `json:"lastIndex"`
	TornAt     *int64 `json:"tornAt,omitempty"`
}

type snapshotOutput struct {
	ID                string `json:"id"`
	Index             uint64 `json:"index"`
	Term              uint64 `json:"term"`
	ProcessedPosition int64  `json:"processedPosition"`
	ExportedPosition  int64  `json:"exportedPosition"`
	Files             int    `json:"files"`
	Bytes             int64  `json:"bytes"`
}

type topologyOutput struct {
	Version          int64            `json:"version"`
	ChangeInProgress bool             `json:"changeInProgress"`
	ClusterID        string           `json:"clusterId,omitempty"`
	Members          []topologyMember `json:"members"`
}

type topologyMember struct {
	NodeID     int                 `json:"nodeId"`
	Version    int64               `json:"version"`
	State      string              `json:"state"`
	Partitions []topologyPartition `json:"partitions"`
}

type topologyPartition struct {
	ID       int    `json:"id"`
	State    string `json:"state"`
	Priority int    `json:"priority"`
}

func newReportOutput(dir string, rep *check.Report) reportOutput {
	out := reportOutput{Dir: dir, Group: rep.Group, MigratedBy: rep.MigratedBy, Bytes: rep.Bytes,
		Partitions: []partitionOutput{}, Findings: nonNil(rep.Findings), Errors: len(rep.Errors())}
	if rep.NodeID >= 0 {
		out.NodeID = &rep.NodeID
	}
	if rep.VersionFound {
		out.ZeebeVersion = rep.Version.String()
	}
	for _, p := range rep.Partitions {
		po := partitionOutput{ID: p.ID, Journal: p.Journal, Segments: []segmentOutput{}, FirstIndex: p.FirstIndex, LastIndex: p.LastIndex,
			LastTerm: p.LastTerm, LastPosition: p.LastPosition, FlushedIndex: optIndex(p.FlushedIndex), CommitIndex: optIndex(p.CommitIndex),
			Term: p.Term, VotedFor: p.VotedFor, Members: nonNil(p.Members), Lock: p.Lock}
		for _, s := range p.Segments {
			po.Segments = append(po.Segments, segmentOutput{File: s.File, FileID: s.FileID, Size: s.Size, Prepared: s.Prepared,
				FirstIndex: s.FirstIndex, LastIndex: s.LastIndex, TornAt: s.TornAt})
		}
		if s := p.Snapshot; s != nil {
			po.Snapshot = &snapshotOutput{ID: s.ID, Index: s.Index, Term: s.Term, ProcessedPosition: s.ProcessedPosition,
				ExportedPosition: s.ExportedPosition, Files: s.Files, Bytes: s.Bytes}
		}
		out.Partitions = append(out.Partitions, po)
	}
	if t := rep.Topology; t != nil {
		to := &topologyOutput{Version: t.Version, ChangeInProgress: t.ChangeInProgress, ClusterID: t.ClusterID, Members: []topologyMember{}}
		for _, id := range slices.Sorted(maps.Keys(t.Members)) {
			m := t.Members[id]
			tm := topologyMember{NodeID: id, Version: m.Version, State: stateName(m.State), Partitions: []topologyPartition{}}
			for _, pid := range slices.Sorted(maps.Keys(m.Partitions)) {
				ps := m.Partitions[pid]
				tm.Partitions = append(tm.Partitions, topologyPartition{ID: pid, State: stateName(ps.State), Priority: ps.Priority})
			}
			to.Members = append(to.Members, tm)
		}
		out.Topology = to
	}
	return out
}

// optIndex is nil for Zeebe's null index.
func optIndex(i uint64) *uint64 {
	if i == zeebe.NullIndex {
		return nil
	}
	return &i
}

func stateName(s zeebe.MemberStateValue) string {
	switch s {
	case zeebe.StateJoining:
		return "joining"
	case zeebe.StateActive:
		return "active"
	case zeebe.StateLeaving:
		return "leaving"
	case zeebe.StateLeft:
		return "left"
	case zeebe.StateBootstrapping:
		return "bootstrapping"
	}
	return "unknown"
}

// restoreOutput is the result of restore.
type restoreOutput struct {
	ID string `json:"id"` // the backup restored ("latest" resolved)
	// Complete is false when the data is in place but the brokers did not all come up (exit 6).
	Complete bool             `json:"complete"`
	Stopped  time.Time        `json:"stopped"`         // when the stop of all brokers was requested
	Ready    *time.Time       `json:"ready,omitempty"` // when all were proven ready again
	Downtime int64            `json:"downtimeMs"`      // stopped to ready, or to the give-up
	Previous []previousOutput `json:"previous"`        // moved-aside data folders, by node id
	Backup   *repo.Manifest   `json:"backup"`          // the restored backup's manifest
}

type previousOutput struct {
	NodeID int    `json:"nodeId"`
	Dir    string `json:"dir"`
}

func newRestoreOutput(res *restore.Result, complete bool) restoreOutput {
	out := restoreOutput{ID: res.Manifest.ID, Complete: complete, Stopped: res.Stopped.UTC(), Previous: []previousOutput{}, Backup: res.Manifest}
	end := res.Ended
	if !res.Ready.IsZero() {
		ready := res.Ready.UTC()
		out.Ready, end = &ready, res.Ready
	}
	out.Downtime = end.Sub(res.Stopped).Milliseconds()
	for _, n := range slices.Sorted(maps.Keys(res.Previous)) {
		out.Previous = append(out.Previous, previousOutput{NodeID: n, Dir: res.Previous[n]})
	}
	return out
}

// recoverOutput is the result of recover.
type recoverOutput struct {
	Recovered bool `json:"recovered"` // false: nothing was left to do
	// Operation is what the interrupted run had written down, absent when nothing was left.
	Operation *repo.Operation `json:"operation,omitempty"`
	Started   []int           `json:"started"` // node ids started again
}

func newRecoverOutput(res *recovery.Result) recoverOutput {
	return recoverOutput{Recovered: !res.Nothing, Operation: res.Operation, Started: nonNil(res.Started)}
}

// statusOutput is the result of status.
type statusOutput struct {
	OK         bool                 `json:"ok"` // every broker ready and no unfinished operation
	Brokers    []brokerStatus       `json:"brokers"`
	Repository string               `json:"repository"`
	Unfinished *unfinishedOperation `json:"unfinished,omitempty"`
}

type brokerStatus struct {
	NodeID     int    `json:"nodeId"`
	Host       string `json:"host"`
	Health     string `json:"health"` // the management endpoint probed
	State      string `json:"state"`  // "ready", "not-ready" (answers, not ready) or "down"
	HTTPStatus int    `json:"httpStatus,omitempty"`
	DataDir    string `json:"dataDir"`
	Locked     string `json:"locked,omitempty"` // the run holding the broker's lock file
	// lockUnreadable: Locked says the lock file exists or may exist, but cannot be read.
	lockUnreadable bool
	// Kept are the folders restores left in or beside the data folder (staging, previous or
	// failed data), with their size.
	Kept []keptFolder `json:"kept,omitempty"`
}

type keptFolder struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// unfinishedOperation is the repository lock: a run in progress, or one that died.
type unfinishedOperation struct {
	Holder    repo.Holder     `json:"holder"`
	Operation *repo.Operation `json:"operation,omitempty"`
	Message   string          `json:"message"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
