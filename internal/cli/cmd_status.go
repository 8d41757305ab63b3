package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

func newStatusCmd(s Streams, p Plugins) *cobra.Command {
	var o clusterOptions
	c := &cobra.Command{
		Use:   "status [flags]",
		Short: "Show each broker up or down, and any unfinished operation",
		Long: `Probe each broker's management endpoint and read the repository lock and each broker's
lock file. The exit status is usable in monitoring: 0 when every broker is ready and no
operation is unfinished, 7 when an operation is unfinished (a run in progress, or one that
died: see 'zeebe-backup recover'), 6 when a broker is not ready.`,
		Example: `  zeebe-backup status
  zeebe-backup status --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runStatus(cmd.Context(), s, o) },
	}
	o.register(c, p, "print the status as JSON")
	return c
}

func runStatus(ctx context.Context, s Streams, o clusterOptions) error {
	f, err := o.loadCluster(ctx)
	if err != nil {
		return err
	}
	st := statusOutput{Brokers: []brokerStatus{}, Repository: f.Description.Repository}
	notReady := 0
	var unreadable []string // brokers whose lock file could not be read
	for _, m := range f.Members {
		b := m.Broker
		p := broker.ProbeHealth(ctx, b.Health)
		if !p.Answering {
			// One lost answer (a busy host) is not a broker down: monitoring acts on this.
			p = broker.ProbeHealth(ctx, b.Health)
		}
		bs := brokerStatus{NodeID: b.NodeID, Host: b.Host, Health: b.Health, State: "down", DataDir: b.DataDir}
		switch {
		case p.Ready:
			bs.State = "ready"
		case p.Answering:
			bs.State, bs.HTTPStatus = "not-ready", p.Status
		}
		if !p.Ready {
			notReady++
		}
		if err := readBrokerFiles(ctx, m, &bs); err != nil {
			return err
		}
		if bs.lockUnreadable {
			unreadable = append(unreadable, fmt.Sprintf("broker %d's lock file %s", b.NodeID, fleet.LockPath(m.DataDir)))
		}
		st.Brokers = append(st.Brokers, bs)
	}
	r, err := o.plugins.openRepository(ctx, f.Description.Repository, f.Description.RepositoryOptions)
	if err != nil {
		return err
	}
	l, err := r.ReadLock(ctx)
	if errors.Is(err, repo.ErrLocked) {
		return outcomeError{ExitLocked, err}
	}
	if err != nil {
		return fmt.Errorf("status: read the lock of %s: %w", r.Location(), err)
	}
	if l != nil {
		u := &unfinishedOperation{Holder: l.Holder, Operation: l.Operation, Message: fmt.Sprintf("locked by %s", l.Holder)}
		if l.Operation != nil {
			u.Message += fmt.Sprintf(": a %s of backup %s; if that run is gone, run 'zeebe-backup recover'", l.Operation.Kind, l.Operation.ID)
		}
		st.Unfinished = u
	}
	st.OK = notReady == 0 && st.Unfinished == nil && len(unreadable) == 0
	var verdict error
	switch {
	case st.Unfinished != nil:
		verdict = outcomeError{ExitLocked, errors.New("unfinished operation: " + st.Unfinished.Message)}
	case len(unreadable) > 0:
		verdict = outcomeError{ExitLocked, errors.New("cannot read " + strings.Join(unreadable, ", ") + ", which locks the broker all the same; look at it, and fix or remove it once no run is in progress")}
	case notReady > 0:
		verdict = outcomeError{ExitIncomplete, fmt.Errorf("%d of %d brokers are not ready", notReady, len(st.Brokers))}
	}
	if o.json {
		if err := printJSON(s.Out, st); err != nil && verdict == nil {
			return err
		}
		return verdict
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tHOST\tSTATE\tHEALTH\tDATA FOLDER")
	for _, b := range st.Brokers {
		state := b.State
		if b.HTTPStatus != 0 {
			state += fmt.Sprintf(" (%d)", b.HTTPStatus)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", b.NodeID, b.Host, state, b.Health, b.DataDir)
	}
	tw.Flush()
	for _, b := range st.Brokers {
		if b.Locked != "" {
			fmt.Fprintf(s.Out, "broker %d is locked: %s\n", b.NodeID, b.Locked)
		}
		for _, k := range b.Kept {
			fmt.Fprintf(s.Out, "broker %d keeps %s (%s): remove it once it is no longer needed\n", b.NodeID, k.Path, humanBytes(k.Bytes))
		}
	}
	switch {
	case st.Unfinished != nil:
		fmt.Fprintf(s.Out, "\nunfinished operation: %s\n", st.Unfinished.Message)
	case len(unreadable) > 0:
		fmt.Fprintf(s.Out, "\nunknown whether an operation is unfinished: cannot read %s\n", strings.Join(unreadable, ", "))
	default:
		fmt.Fprintf(s.Out, "\nno unfinished operation in %s\n", st.Repository)
	}
	return verdict
}

// readBrokerFiles fills in what a broker's files say: the run its lock file names and the
// folders restores kept. m.DataDir becomes the real folder, as backups and restores work on
// it. Only a lock file that does not exist means no lock: one that cannot be read is shown as
// such (lockUnreadable), as it locks the broker all the same.
func readBrokerFiles(ctx context.Context, m *fleet.Member, bs *brokerStatus) error {
	if real, err := m.Host.RealPath(ctx, m.DataDir); err == nil {
		m.DataDir = real
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: resolve data folder %s: %w", m.Broker.Name(), m.DataDir, err)
	}
	l, err := fleet.ReadLock(ctx, m)
	switch {
	case err == nil:
		bs.Locked = fmt.Sprintf("%s by %s (repository %s)", l.Operation, l.Holder, l.Repository)
	case !errors.Is(err, fs.ErrNotExist):
		bs.Locked, bs.lockUnreadable = fmt.Sprintf("its lock file %s cannot be read: %v", fleet.LockPath(m.DataDir), err), true
	}
	if bs.Kept, err = keptFolders(ctx, m.Host, m.DataDir); err != nil {
		return fmt.Errorf("%s: list what restores kept at %s: %w", m.Broker.Name(), m.Broker.DataDir, err)
	}
	return nil
}

// keptFolders lists what restores keep inside a data folder (workflow.ToolPrefix) and beside
// it (<data>.restore-, .pre-restore-, .failed-restore-<id>), with the space each takes.
func keptFolders(ctx context.Context, h broker.Host, data string) ([]keptFolder, error) {
	var paths []string
	inside, err := h.ReadDir(ctx, data)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, name := range inside {
		if strings.HasPrefix(name, workflow.ToolPrefix) {
			paths = append(paths, filepath.Join(data, name))
		}
	}
	beside, err := h.ReadDir(ctx, filepath.Dir(data))
	if err != nil {
		return nil, err
	}
	base := filepath.Base(data)
	for _, name := range beside {
		for _, kind := range []string{".restore-", ".pre-restore-", ".failed-restore-"} {
			if strings.HasPrefix(name, base+kind) {
				paths = append(paths, filepath.Join(filepath.Dir(data), name))
			}
		}
	}
	var out []keptFolder
	for _, p := range paths {
		n, err := h.Usage(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, keptFolder{Path: p, Bytes: n})
	}
	return out, nil
}
