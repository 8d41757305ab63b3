package fleet

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Effective is a broker's configuration as Zeebe resolved it: its configuration file with the
// environment of the running broker process on top (Spring lets environment variables override
// the file: SERVER_PORT, MANAGEMENT_SERVER_PORT, ZEEBE_BROKER_*). When the broker is not
// running, no process environment can be read: the cluster file's env: for the broker stands in,
// and Running is false.
//
// The environment itself stays unexported and in memory: it may hold secrets. Only the values
// the tool uses leave this type (Settings).
type Effective struct {
	Broker *config.Broker
	Values *config.Values
	// Running says that Env came from the running broker's process PID.
	Running bool
	PID     int
	// From says whose environment was used, for messages and the manifest.
	From string

	installDir string
	env        map[string]string
	workDir    string
	host       broker.Host // where the files the environment names are read
}

// ReadEffective resolves a member's configuration file (as Resolve read it: m comes from
// Resolve) with the
// environment of the process that holds its data folder, any further file it names being read
// on the member's host. A process whose configuration does not put its data in the member's
// data folder is passed over for one that does; when none does, the first is used and From
// says so.
func ReadEffective(ctx context.Context, m *Member) (*Effective, error) {
	if m.Config == nil {
		return nil, fmt.Errorf("%s: its configuration %s was not read (the member is not from fleet.Resolve)", m.Broker.Name(), m.Broker.Config)
	}
	data := m.ConfigData
	procs, err := broker.Candidates(ctx, m.Host, m.DataDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Broker.Name(), err)
	}
	if len(procs) == 0 {
		e := &Effective{From: fmt.Sprintf("the configuration file with the cluster file's env: (no process holds %s, so the broker's own environment could not be read)", m.DataDir),
			installDir: m.Broker.InstallDir, env: m.Broker.Env, workDir: m.Broker.InstallDir, host: m.Host}
		if err := e.load(ctx, m, data); err != nil {
			return nil, err
		}
		return e, nil
	}
	var first *Effective
	var errs []error
	for _, p := range procs {
		e := &Effective{Running: true, PID: p.PID, From: fmt.Sprintf("the configuration file with the environment of process %d, which holds %s", p.PID, m.DataDir),
			installDir: m.Broker.InstallDir, env: p.Env, workDir: p.WorkDir, host: m.Host}
		if err := e.load(ctx, m, data); err != nil {
			errs = append(errs, fmt.Errorf("process %d: %w", p.PID, err))
			continue
		}
		if e.Broker.ResolveDataDirectory(m.Broker.InstallDir) == m.DataDir {
			return e, nil
		}
		if first == nil {
			first = e
		}
	}
	if first == nil {
		return nil, fmt.Errorf("%s: resolve its configuration %s with the environment of the process running it: %w", m.Broker.Name(), m.Broker.Config, errors.Join(errs...))
	}
	first.From += fmt.Sprintf(" (its configuration puts the data in %s, not in %s)", first.Broker.ResolveDataDirectory(m.Broker.InstallDir), m.DataDir)
	return first, nil
}

func (e *Effective) load(ctx context.Context, m *Member, data []byte) error {
	b, v, err := e.Resolve(ctx, m.Broker.Config, data)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Broker.Name(), err)
	}
	e.Broker, e.Values = b, v
	return nil
}

// Resolve resolves another configuration (the one a restore would install) with the same
// environment: what the broker would run with when started with it. name names it in messages.
func (e *Effective) Resolve(ctx context.Context, name string, data []byte) (*config.Broker, *config.Values, error) {
	v, err := config.LoadValues(ctx, config.LoadOptions{Inline: []config.Inline{{Name: name, Data: data}}, Env: e.env, WorkDir: e.workDir, ReadFile: hostReader(ctx, e.host)})
	if err != nil {
		return nil, nil, err
	}
	b, err := v.Broker()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, v, nil
}

// tracked are the settings the tool uses, in the order they are listed, each with its effective
// value as text.
var tracked = []struct {
	name  string
	value func(b *config.Broker, installDir string) string
}{
	{config.NodeID, number(func(b *config.Broker) int { return b.NodeID })},
	{config.ClusterSize, number(func(b *config.Broker) int { return b.ClusterSize })},
	{config.PartitionsCount, number(func(b *config.Broker) int { return b.PartitionsCount })},
	{config.ReplicationFactor, number(func(b *config.Broker) int { return b.ReplicationFactor })},
	{config.ClusterName, func(b *config.Broker, _ string) string { return b.ClusterName }},
	{config.DataDirectory, func(b *config.Broker, dir string) string { return b.ResolveDataDirectory(dir) }},
	{config.AdvertisedHost, func(b *config.Broker, _ string) string { return b.AdvertisedHost }},
	{config.CommandAPIPort, number(func(b *config.Broker) int { return b.CommandAPIPort })},
	{config.InternalAPIPort, number(func(b *config.Broker) int { return b.InternalAPIPort })},
	{config.GatewayPort, number(func(b *config.Broker) int { return b.GatewayPort })},
	{config.ManagementPort, number(func(b *config.Broker) int { return b.ManagementPort })},
	{config.RESTPort, number(func(b *config.Broker) int { return b.RESTPort })},
}

func number(get func(*config.Broker) int) func(*config.Broker, string) string {
	return func(b *config.Broker, _ string) string { return strconv.Itoa(get(b)) }
}

// Settings lists the tracked values of a resolved configuration with their origins; relative
// data directories are resolved against the broker's install folder.
func (e *Effective) Settings(b *config.Broker, v *config.Values) []repo.Setting {
	out := make([]repo.Setting, 0, len(tracked))
	for _, t := range tracked {
		o, err := v.Origin(t.name)
		if err != nil {
			continue // every tracked name is known to config
		}
		out = append(out, repo.Setting{Name: t.name, Value: t.value(b, e.installDir), Source: o.String()})
	}
	return out
}

// Value is a tracked setting's effective value as text; "" for a setting that is not tracked.
func Value(b *config.Broker, name, installDir string) string {
	for _, t := range tracked {
		if t.name == name {
			return t.value(b, installDir)
		}
	}
	return ""
}
