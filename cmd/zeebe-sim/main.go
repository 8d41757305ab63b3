// Command zeebe-sim is a Zeebe broker simulator: a test instrument, not Zeebe. One process is
// one broker. It writes Zeebe's on-disk format (journal, snapshots, Raft meta and
// configuration, persisted topology) for the configured Zeebe version, serves the health,
// readiness and topology endpoints, stops on SIGTERM as Zeebe does, and refuses to start on
// data Zeebe would refuse.
//
//	zeebe-sim --config config/application.yaml
//
// Its configuration is Zeebe's (zeebe.broker.* or camunda.*, environment variables override),
// plus a zeebe.sim section:
//
//	zeebe.sim.version            the Zeebe version it pretends to be (default 8.5.3)
//	zeebe.sim.recordsPerSecond   records written per partition per second (default 200)
//	zeebe.sim.recordSize         bytes of each record's value (default 256)
//	zeebe.sim.seed               the workload's random seed (default 1)
//	zeebe.sim.stateSize          bytes of state in each snapshot (default 256KB)
//	zeebe.sim.startupDelay       from recovered to ready (default 300ms)
//	zeebe.sim.flushInterval      how often the journal is flushed (default 100ms)
//	zeebe.sim.positionsFile      where positions are written on stop (default beside the data folder)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

func main() {
	os.Exit(run())
}

func run() int {
	fl := flag.NewFlagSet("zeebe-sim", flag.ContinueOnError)
	cfgPath := fl.String("config", "", "the broker's application.yaml (also SPRING_CONFIG_ADDITIONAL_LOCATION)")
	installDir := fl.String("install-dir", "", "what a relative data directory is resolved against (default: the folder above the config's folder)")
	if err := fl.Parse(os.Args[1:]); err != nil {
		return 2
	}
	opts, err := options(*cfgPath, *installDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zeebe-sim:", err)
		return 2
	}
	b, err := sim.New(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zeebe-sim:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := b.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "zeebe-sim:", err)
		return 1
	}
	return 0
}

func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

func options(cfgPath, installDir string) (sim.Options, error) {
	var files []string
	if cfgPath != "" {
		files = append(files, cfgPath)
		if installDir == "" {
			abs, err := filepath.Abs(cfgPath)
			if err != nil {
				return sim.Options{}, err
			}
			installDir = filepath.Dir(filepath.Dir(abs))
		}
	}
	if installDir == "" {
		installDir, _ = os.Getwd()
	}
	v, err := config.LoadValues(context.Background(), config.LoadOptions{Files: files, Env: environ()})
	if err != nil {
		return sim.Options{}, err
	}
	b, err := v.Broker()
	if err != nil {
		return sim.Options{}, err
	}
	o := sim.Options{Config: b, DataDir: b.ResolveDataDirectory(installDir), Log: os.Stdout}
	if b.RuntimeDirectory != "" {
		o.RuntimeDir = b.ResolveRuntimeDirectory(installDir)
	}
	if o.Version, err = zeebe.ParseVersion(v.String("zeebe.sim.version", "8.5.3")); err != nil {
		return o, fmt.Errorf("zeebe.sim.version: %w", err)
	}
	var errs []error
	keep := func(err error) { errs = append(errs, err) }
	rate, err := v.Int("zeebe.sim.recordsPerSecond", 200)
	keep(err)
	o.RecordsPerSecond = float64(rate)
	o.Workload.RecordSize, err = v.Int("zeebe.sim.recordSize", 256)
	keep(err)
	seed, err := v.Int("zeebe.sim.seed", 1)
	keep(err)
	o.Workload.Seed = uint64(seed)
	state, err := v.DataSize("zeebe.sim.stateSize", 256<<10)
	keep(err)
	o.StateSize = int(state)
	o.StartupDelay, err = v.Duration("zeebe.sim.startupDelay", 300*time.Millisecond)
	keep(err)
	o.FlushInterval, err = v.Duration("zeebe.sim.flushInterval", 100*time.Millisecond)
	keep(err)
	o.PositionsFile = v.String("zeebe.sim.positionsFile", filepath.Join(filepath.Dir(o.DataDir), fmt.Sprintf("zeebe-sim-positions-%d.json", b.NodeID)))
	for _, e := range errs {
		if e != nil {
			return o, e
		}
	}
	return o, nil
}
