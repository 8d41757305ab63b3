package e2e_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// envCluster is a cluster whose brokers get their management, REST and command API ports from
// the environment of their start command, as systemd units, Docker and Helm set them: the
// configuration files say the defaults (9600, 8080, 26501). Each broker's environment also
// holds an exporter password, which must never leave it. The cluster file names no gateway,
// so the target's version comes from the brokers' REST API.
type envCluster struct {
	*env
	secret string
}

func newEnvCluster(t *testing.T) *envCluster {
	t.Helper()
	e := &envCluster{env: newEnv(t, simtest.Options{})}
	raw := make([]byte, 12)
	rand.Read(raw)
	e.secret = "s3cr3t-" + hex.EncodeToString(raw)
	for _, b := range e.c.Brokers {
		cfg := e.c.Config(b)
		for _, r := range []struct{ re, with string }{
			{`(?m)^server:\n  port: \d+\n`, ""},
			{`(?m)^management:\n  server:\n    port: \d+\n`, ""},
			{`(?m)^(      commandApi:\n        port: )\d+$`, "${1}26501"},
		} {
			edited := regexp.MustCompile(r.re).ReplaceAllString(cfg, r.with)
			if edited == cfg {
				t.Fatalf("broker %d: %s not found in its configuration:\n%s", b.NodeID, r.re, cfg)
			}
			cfg = edited
		}
		if err := os.WriteFile(b.ConfigPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.writeClusterFile(e.clusterFile, func(y *brokerYAML) { y.Start = e.envStart(e.c.Brokers[y.NodeID]) })
	raw, err := os.ReadFile(e.clusterFile)
	if err != nil {
		t.Fatal(err)
	}
	noGateway := regexp.MustCompile(`(?m)^gateway: .*\n`).ReplaceAll(raw, nil)
	if err := os.WriteFile(e.clusterFile, noGateway, 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// envStart is a broker's start command with its ports and the secret in the environment.
func (e *envCluster) envStart(b *simtest.Broker) string {
	return fmt.Sprintf("env SERVER_PORT=%d MANAGEMENT_SERVER_PORT=%d ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT=%d ZEEBE_BROKER_EXPORTERS_ELASTICSEARCH_ARGS_AUTHENTICATION_PASSWORD=%s %s",
		b.RESTPort, b.ManagementPort, b.CmdPort, e.secret, e.startCmd(b))
}

func (e *envCluster) start(b *simtest.Broker) {
	e.t.Helper()
	if out, err := exec.Command("/bin/sh", "-c", e.envStart(b)).CombinedOutput(); err != nil {
		e.t.Fatalf("start broker %d: %v\n%s", b.NodeID, err, out)
	}
}

func (e *envCluster) startAll() {
	e.t.Helper()
	for _, b := range e.c.Brokers {
		e.start(b)
	}
	for _, b := range e.c.Brokers {
		e.waitReady(b)
	}
}

// noSecret fails when the secret appears in any file below dir or in any of the texts.
func (e *envCluster) noSecret(dir string, texts ...string) {
	e.t.Helper()
	for i, s := range texts {
		if strings.Contains(s, e.secret) {
			e.t.Errorf("output %d holds the broker's exporter password", i)
		}
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(data, []byte(e.secret)) {
			e.t.Errorf("%s holds the broker's exporter password", p)
		}
		return nil
	})
	if err != nil || files == 0 {
		e.t.Fatalf("read %s: %d files, %v", dir, files, err)
	}
}

// A backup and an in-place restore of a cluster whose ports come from the environment: the
// manifest records the configuration each broker really ran with, and the restore of the same
// configuration files onto the same cluster needs no flag.
func TestRestoreInPlaceWithPortsFromEnvironment(t *testing.T) {
	e := newEnvCluster(t)
	e.startAll()
	code, out1, err1 := e.run("backup", "--id", "envports")
	if code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, err1)
	}
	ms := e.manifests()
	if len(ms) != 1 {
		t.Fatalf("%d backups listed", len(ms))
	}
	for _, rec := range ms[0].Brokers {
		b := e.c.Brokers[rec.NodeID]
		want := []repo.Setting{
			{Name: "management.server.port", Value: fmt.Sprint(b.ManagementPort), Source: "environment variable MANAGEMENT_SERVER_PORT"},
			{Name: "server.port", Value: fmt.Sprint(b.RESTPort), Source: "environment variable SERVER_PORT"},
			{Name: "zeebe.broker.network.commandApi.port", Value: fmt.Sprint(b.CmdPort), Source: "environment variable ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT"},
			{Name: "zeebe.broker.gateway.network.port", Value: fmt.Sprint(b.GatewayPort), Source: "zeebe.broker.gateway.network.port in " + b.ConfigPath},
			{Name: "zeebe.broker.data.directory", Value: b.DataDir, Source: "zeebe.broker.data.directory in " + b.ConfigPath},
			{Name: "zeebe.broker.cluster.nodeId", Value: fmt.Sprint(b.NodeID), Source: "zeebe.broker.cluster.nodeId in " + b.ConfigPath},
		}
		for _, w := range want {
			found := false
			for _, s := range rec.Effective {
				found = found || s == w
			}
			if !found {
				t.Errorf("broker %d: the manifest does not record %+v; it records %+v", rec.NodeID, w, rec.Effective)
			}
		}
		if !strings.Contains(rec.EffectiveFrom, "environment of process") {
			t.Errorf("broker %d: effectiveFrom %q does not name the broker's process", rec.NodeID, rec.EffectiveFrom)
		}
	}

	code, out2, err2 := e.run("restore", "envports")
	if code != 0 {
		t.Fatalf("restore onto the same cluster: exit %d\n%s", code, err2)
	}
	if !strings.Contains(err2, "REST API") {
		t.Errorf("the target's version was not read from the brokers' REST API:\n%s", err2)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the restore:\n%s", b.NodeID, b.Log())
		}
	}
	e.noSecret(e.repoDir, out1, err1, out2, err2)
}

// A restore that would really change a port is refused, naming the broker, the key, the value
// it runs with and where that comes from, the value it would get and the fixes; the fix it
// names works.
func TestRestoreRefusesARealPortChange(t *testing.T) {
	e := newEnvCluster(t)
	e.startAll()
	if code, _, stderr := e.run("backup", "--id", "moved"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	// Broker 1's gateway moves to another port after the backup.
	b := e.c.Brokers[1]
	moved := simtest.FreePorts(t, 1)[0]
	cfg, err := os.ReadFile(b.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	old := fmt.Sprintf("      network:\n        port: %d\n", b.GatewayPort)
	if !bytes.Contains(cfg, []byte(old)) {
		t.Fatalf("no gateway port in %s:\n%s", b.ConfigPath, cfg)
	}
	cfg = bytes.Replace(cfg, []byte(old), []byte(fmt.Sprintf("      network:\n        port: %d\n", moved)), 1)
	if err := os.WriteFile(b.ConfigPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/bin/sh", "-c", e.stopCmd(b)).CombinedOutput(); err != nil {
		t.Fatalf("stop broker 1: %v\n%s", err, out)
	}
	e.start(b)
	e.waitReady(b)

	code, out, stderr := e.run("restore", "moved")
	key := "zeebe.broker.gateway.network.port"
	for _, want := range []string{
		"broker 1 (local)",
		fmt.Sprintf("%s would change from %d (%s in %s) to %d (%s in the backed-up configuration of broker 1)", key, moved, key, b.ConfigPath, b.GatewayPort, key),
		fmt.Sprintf("--set 1.%s=%d", key, moved), "set:", "--keep-target-config",
	} {
		if code != cli.ExitRefused || !strings.Contains(stderr, want) {
			t.Fatalf("restore onto a broker whose gateway port moved: exit %d, want %q in:\n%s", code, want, stderr)
		}
	}
	for _, wrong := range []string{"management.server.port", "server.port", "commandApi", "unknown", "broker 0 (local)", "broker 2 (local)"} {
		if strings.Contains(stderr, wrong) {
			t.Errorf("the refusal names %q, which the restore does not change:\n%s", wrong, stderr)
		}
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d was touched by the refused restore", b.NodeID)
		}
	}

	code, out2, stderr2 := e.run("restore", "moved", "--set", fmt.Sprintf("1.%s=%d", key, moved))
	if code != 0 {
		t.Fatalf("restore with the fix the refusal names: exit %d\n%s", code, stderr2)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the restore:\n%s", b.NodeID, b.Log())
		}
	}
	e.noSecret(e.repoDir, out, stderr, out2, stderr2)
}
