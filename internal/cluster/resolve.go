package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Resolve reads the configuration of every local broker with internal/zeebe/config: its
// Config file with Env as the broker's environment (SPRING_CONFIG_ADDITIONAL_LOCATION
// included, relative entries against InstallDir). It returns each local broker's settings by
// node id and fills DataDir where the description leaves it empty, resolving a relative data
// directory against InstallDir as Zeebe does; a DataDir written in the description wins.
//
// A configuration whose node id differs from the description's is an error. Neither the node
// id nor the number of brokers is compared with its cluster size: Zeebe 8.4+ rejects only a
// negative node id, a cluster can be scaled at runtime, and the configured size is then only
// the initial one (zeebe-format.md §6). fleet.Build follows the same rule.
//
// Remote brokers are left alone: their files are on another host. Resolve changes nothing
// when it fails; its error names each broker and file that failed, all together.
func (d *Description) Resolve(ctx context.Context) (map[int]*config.Broker, error) {
	out := map[int]*config.Broker{}
	dirs := map[int]string{}
	var errs []error
	fail := func(b *Broker, format string, args ...any) {
		where := ""
		if d.Path != "" {
			where = fmt.Sprintf("%s:%d: ", displayName(d.Path), b.Line)
		}
		errs = append(errs, fmt.Errorf(where+b.Name()+": "+format, args...))
	}
	owner := map[string]*Broker{} // data folder -> broker
	for i := range d.Brokers {
		b := &d.Brokers[i]
		if !b.IsLocal() {
			continue
		}
		vals, err := config.LoadValues(ctx, config.LoadOptions{Files: []string{b.Config}, Env: b.Env, WorkDir: b.InstallDir})
		if err != nil {
			fail(b, "%w", err)
			continue
		}
		cb, err := vals.Broker()
		if err != nil {
			fail(b, "config %s: %w", b.Config, err)
			continue
		}
		if cb.NodeID != b.NodeID {
			fail(b, "config %s (with env) gives node id %d; the description says %d, fix one of them", b.Config, cb.NodeID, b.NodeID)
			continue
		}
		dir := b.DataDir
		if dir == "" {
			dir = cb.ResolveDataDirectory(b.InstallDir)
			dirs[b.NodeID] = dir
		}
		if o := owner[dir]; o != nil {
			fail(b, "data folder %s is also the one of %s; every broker needs its own (set dataDir or env)", dir, o.Name())
			continue
		}
		owner[dir] = b
		out[b.NodeID] = cb
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i := range d.Brokers {
		if dir, ok := dirs[d.Brokers[i].NodeID]; ok {
			d.Brokers[i].DataDir = dir
		}
	}
	return out, nil
}
