package restore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// readEffective reads the configuration every target broker runs with: its configuration file
// with the environment of its running process on top (or, for a broker that is not running,
// the cluster file's env:).
func (r *run) readEffective(ctx context.Context) error {
	r.eff = map[int]*fleet.Effective{}
	var errs []error
	for _, m := range r.fleet.Members {
		e, err := fleet.ReadEffective(ctx, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !e.Running {
			r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: m.Broker.NodeID, Message: "not running: its configuration is read from " + e.From})
		}
		r.eff[m.Broker.NodeID] = e
	}
	return errors.Join(errs...)
}

// checkedSettings are the settings a restore must not change behind the user's back: who the
// broker is, where its data is, where it is reached.
var checkedSettings = []string{
	config.NodeID, config.DataDirectory, config.AdvertisedHost,
	config.CommandAPIPort, config.InternalAPIPort, config.GatewayPort, config.ManagementPort, config.RESTPort,
}

// checkConfigs resolves each configuration the restore would install, edits applied, with the
// environment the broker runs with (the restore does not change it), and compares what the
// broker would run with after the restore with what it runs with now. Only a value that really
// changes can be a reason to refuse: a new node id or data folder other than the cluster file's,
// a health port other than the cluster file's health URL, or any other checked port or the
// advertised host changed by the backed-up file rather than by a set: or --set entry. Finding
// out now beats a cluster that does not come up.
func (r *run) checkConfigs(ctx context.Context) error {
	if r.opts.KeepTargetConfig {
		return nil
	}
	var errs []error
	for _, m := range r.fleet.Members {
		n := m.Broker.NodeID
		cur := r.eff[n]
		if cur == nil {
			continue // not read: readEffective refused already
		}
		cfg, edits, err := r.configToInstall(ctx, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name := fmt.Sprintf("the backed-up configuration of broker %d", n)
		after, afterValues, err := cur.Resolve(ctx, name, cfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Broker.Name(), err))
			continue
		}
		plain := after
		if len(edits) > 0 {
			raw, err := r.backedUpConfig(ctx, m)
			if err == nil {
				plain, _, err = cur.Resolve(ctx, name, raw)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", m.Broker.Name(), err))
				continue
			}
		}
		errs = append(errs, compareInstalled(m, cur, after, afterValues, plain)...)
	}
	return errors.Join(errs...)
}

// backedUpConfig is a broker's configuration as backed up, without edits.
func (r *run) backedUpConfig(ctx context.Context, m *fleet.Member) ([]byte, error) {
	rc, err := r.deps.Repo.Get(ctx, r.m.ID, r.recs[m.Broker.NodeID].Config)
	if err != nil {
		return nil, fmt.Errorf("read the backed-up configuration: %w", err)
	}
	defer rc.Close()
	return limits.ReadAll(ctx, rc, limits.MaxYAMLBytes, "backed-up configuration")
}

// compareInstalled names every checked setting that the installed configuration would really
// change, where the change is not one the cluster file or the edits ask for.
func compareInstalled(m *fleet.Member, cur *fleet.Effective, after *config.Broker, afterValues *config.Values, plain *config.Broker) []error {
	n := m.Broker.NodeID
	dir := m.Broker.InstallDir
	healthPort, healthKey := healthOf(m.Broker.Health, cur.Broker)
	var errs []error
	for _, key := range checkedSettings {
		old, now := fleet.Value(cur.Broker, key, dir), fleet.Value(after, key, dir)
		if old == now {
			continue // what the restore does not change is never a reason
		}
		var expected, why string
		switch key {
		case config.NodeID:
			expected, why = strconv.Itoa(n), "the cluster file's node id"
		case config.DataDirectory:
			expected, why = m.DataDir, "the cluster file's data folder"
		case healthKey:
			expected, why = healthPort, fmt.Sprintf("the port of the cluster file's health URL %s", m.Broker.Health)
		default:
			if fleet.Value(plain, key, dir) != now {
				continue // a set: or --set entry asks for it
			}
		}
		if expected != "" && now == expected {
			continue
		}
		if key == config.DataDirectory && now == m.Broker.DataDir {
			continue // the cluster file's path to it, when that is a symbolic link (fleet.Validate)
		}
		oldFrom, _ := cur.Values.Origin(key)
		newFrom, _ := afterValues.Origin(key)
		msg := fmt.Sprintf("%s: %s would change from %s (%s) to %s (%s)", m.Broker.Name(), key, old, oldFrom, now, newFrom)
		if why != "" {
			msg += fmt.Sprintf(", which is not %s (%s)", why, expected)
		}
		setKey := key
		if newFrom.Source != "default" {
			setKey = newFrom.Key
		}
		msg += fmt.Sprintf("; to keep %s, add %s: %s to the broker's set: in the cluster file or pass --set %d.%s=%s, or keep the target's configuration with --keep-target-config",
			old, setKey, old, n, setKey, old)
		if key == healthKey {
			msg += fmt.Sprintf("; or, if the broker is to move to port %s, change its health URL in the cluster file", now)
		}
		if !cur.Running {
			msg += fmt.Sprintf(" (broker %d is not running, so the environment it runs with is not known: compared using %s)", n, cur.From)
		}
		errs = append(errs, errors.New(msg))
	}
	return errs
}

// healthOf returns the port of the health URL and the setting that serves it: the management
// port (8.5+), or server.port when that is the one the broker answers on now (8.0–8.4 serve
// health on server.port, docs/zeebe-format.md §6).
func healthOf(health string, cur *config.Broker) (port, key string) {
	u, err := url.Parse(health)
	if err != nil {
		return "", config.ManagementPort
	}
	port = u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	if strconv.Itoa(cur.ManagementPort) != port && strconv.Itoa(cur.RESTPort) == port {
		return port, config.RESTPort
	}
	return port, config.ManagementPort
}
