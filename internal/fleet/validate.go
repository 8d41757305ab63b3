package fleet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Validate checks what backup and restore both need of every member's data folder, with one
// set of rules, before anything is stopped, so that a cluster a backup accepts is one its
// restore accepts (CheckConfigs adds the configuration's side):
//
//  1. the data folder is resolved the way Zeebe's own file accesses resolve it (symbolic links
//     followed), and Member.DataDir becomes that real folder: the holders, the cluster lock,
//     the effective configuration, the archive, the staging and the swap all work on it, and a
//     link stays a link;
//  2. it is a folder; a symbolic link is named with its target when it leads nowhere or to
//     something else; with dataMustExist (a backup) it must exist, otherwise (a restore) its
//     parent must;
//  3. no two members share a real data folder;
//  4. none is a system folder (SystemFolders), and none is inside another's on the same host.
//
// All problems are reported together.
func (f *Fleet) Validate(ctx context.Context, dataMustExist bool) error {
	var errs []error
	owner := map[string]*Member{}
	for _, m := range f.Members {
		real, target, err := resolveDataDir(ctx, m, dataMustExist)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if real != m.DataDir {
			how := "resolves through symbolic links to"
			if target != "" {
				how = fmt.Sprintf("is a symbolic link to %s, which is", target)
			}
			f.emit(progress.Event{Phase: "preflight", Broker: m.Broker.NodeID, Message: fmt.Sprintf("data folder %s %s %s; working on %s as Zeebe does, the link is left as it is", m.DataDir, how, real, real)})
			m.DataDir = real
		}
		if o := owner[real]; o != nil {
			errs = append(errs, fmt.Errorf("%s: its data folder %s is also the one of %s (%s): every broker needs its own", m.Broker.Name(), m.Broker.DataDir, o.Broker.Name(), o.Broker.DataDir))
			continue
		}
		owner[real] = m
	}
	if len(errs) == 0 {
		errs = f.dangerous()
	}
	return errors.Join(errs...)
}

// CheckConfigs applies CheckConfig to every member's configuration as it runs (eff, the
// effective configuration, when it was read), else as the cluster file resolves it
// (Member.Config). Backup and restore call it after Validate.
func (f *Fleet) CheckConfigs(ctx context.Context, eff map[int]*Effective) error {
	var errs []error
	for _, m := range f.Members {
		cfg, source := m.Config, "its configuration "+m.Broker.Config
		if e := eff[m.Broker.NodeID]; e != nil {
			cfg = e.Broker
			if e.Running {
				source += fmt.Sprintf(" with the environment of process %d", e.PID)
			}
		}
		if cfg != nil {
			errs = append(errs, CheckConfig(ctx, m, cfg, source, "fix the cluster file or the configuration")...)
		}
	}
	return errors.Join(errs...)
}

// ResolveDataDirs makes every member's DataDir its real folder, as Validate does, for the
// commands that find what a run left (recover, status); an absent folder stays as written.
func (f *Fleet) ResolveDataDirs(ctx context.Context) error {
	var errs []error
	for _, m := range f.Members {
		real, err := realPath(ctx, m.Host, m.DataDir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: resolve data folder %s: %w", m.Broker.Name(), m.DataDir, err))
			continue
		}
		m.DataDir = real
	}
	return errors.Join(errs...)
}

// resolveDataDir checks a member's data folder and returns its real path, and what it points
// to when it is a symbolic link itself.
func resolveDataDir(ctx context.Context, m *Member, mustExist bool) (real, target string, err error) {
	name, dir := m.Broker.Name(), m.DataDir
	st, err := m.Host.Stat(ctx, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if mustExist {
			return "", "", fmt.Errorf("%s: data folder %s does not exist: correct dataDir in the cluster file or the broker's configuration", name, dir)
		}
		parent, err := m.Host.RealPath(ctx, filepath.Dir(dir))
		if err != nil {
			return "", "", fmt.Errorf("%s: the folder that holds data folder %s: %w", name, dir, err)
		}
		return filepath.Join(parent, filepath.Base(dir)), "", nil
	case err != nil:
		return "", "", fmt.Errorf("%s: data folder %s: %w", name, dir, err)
	}
	real, err = m.Host.RealPath(ctx, dir)
	if err != nil {
		if st.Target != "" && errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("%s: data folder %s is a symbolic link to %s, which does not exist: create the folder it points to or correct the link", name, dir, st.Target)
		}
		return "", "", fmt.Errorf("%s: resolve data folder %s: %w", name, dir, err)
	}
	target = st.Target
	if target != "" {
		if st, err = m.Host.Stat(ctx, real); err != nil {
			return "", "", fmt.Errorf("%s: data folder %s is a symbolic link to %s: %w", name, dir, target, err)
		}
	}
	if !st.IsDir {
		what := "is not a folder"
		switch {
		case target != "":
			what = fmt.Sprintf("is a symbolic link to %s, which is not a folder", target)
		case real != dir:
			what = fmt.Sprintf("resolves to %s, which is not a folder", real)
		}
		return "", "", fmt.Errorf("%s: data folder %s %s: correct dataDir in the cluster file or the broker's configuration", name, dir, what)
	}
	return real, target, nil
}

// realPath resolves every symbolic link of p; for an absent p, those of its parent.
func realPath(ctx context.Context, h broker.Host, p string) (string, error) {
	real, err := h.RealPath(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		parent, perr := h.RealPath(ctx, filepath.Dir(p))
		if perr != nil {
			return p, perr
		}
		return filepath.Join(parent, filepath.Base(p)), nil
	}
	return real, err
}

// CheckConfig compares a broker configuration (source names it, fix says how to correct it)
// with what the cluster file says of the member, whose DataDir is resolved: the data folder
// it gives Zeebe, with symbolic links resolved, and the health port of the health URL (which
// tells the brokers' endpoints apart: a health URL of another broker would have the tool prove
// the wrong broker down).
func CheckConfig(ctx context.Context, m *Member, cfg *config.Broker, source, fix string) []error {
	var errs []error
	name := m.Broker.Name()
	dir := cfg.ResolveDataDirectory(m.Broker.InstallDir)
	if real, err := realPath(ctx, m.Host, dir); err != nil {
		errs = append(errs, fmt.Errorf("%s: resolve the data folder %s that %s gives Zeebe: %w", name, dir, source, err))
	} else if real != m.DataDir {
		errs = append(errs, fmt.Errorf("%s: %s gives Zeebe the data folder %s, the cluster file's broker uses %s (zeebe.broker.data.directory, relative ones against installDir %s): the tool would work on a folder the broker does not use; %s",
			name, source, describePath(dir, real), describePath(m.Broker.DataDir, m.DataDir), m.Broker.InstallDir, fix))
	}
	if u, err := url.Parse(m.Broker.Health); err == nil {
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443"}[u.Scheme]
			if port == "" {
				port = "80"
			}
		}
		// 8.5+ serve health on management.server.port, 8.0–8.4 on server.port (HealthPort).
		if legacy := cfg.HealthPort(zeebe.Version{Major: 8, Minor: 4}); strconv.Itoa(cfg.ManagementPort) != port && strconv.Itoa(legacy) != port {
			errs = append(errs, fmt.Errorf("%s: %s serves health on port %d (management.server.port; %d before 8.5, server.port), the cluster file's health URL %s uses %s: it would be another broker's or none; %s",
				name, source, cfg.ManagementPort, legacy, m.Broker.Health, port, fix))
		}
	}
	return errs
}

// describePath names a path, and its real folder when a symbolic link leads there.
func describePath(p, real string) string {
	if p == real || real == "" {
		return p
	}
	return fmt.Sprintf("%s (which resolves to %s)", p, real)
}
