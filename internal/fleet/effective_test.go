package fleet

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

func setting(t *testing.T, settings []repo.Setting, name string) repo.Setting {
	t.Helper()
	for _, s := range settings {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no %s in %+v", name, settings)
	return repo.Setting{}
}

// A running broker's configuration is its file with its process's environment on top; a broker
// that is not running falls back to the cluster file's env:, and says so. The recorded settings
// never hold the environment's other values.
func TestReadEffective(t *testing.T) {
	install := t.TempDir()
	cfgPath := filepath.Join(install, "config", "application.yaml")
	os.MkdirAll(filepath.Dir(cfgPath), 0o755)
	os.WriteFile(cfgPath, []byte("zeebe: {broker: {cluster: {nodeId: 1, clusterSize: 2}, gateway: {network: {port: 26600}}}}\n"), 0o644)
	data := filepath.Join(install, "data")
	os.MkdirAll(data, 0o755)
	seg := filepath.Join(data, "segment.log")
	os.WriteFile(seg, make([]byte, 4096), 0o644)
	d := &cluster.Description{Brokers: []cluster.Broker{{NodeID: 1, Host: cluster.Local, Config: cfgPath, InstallDir: install,
		Env: map[string]string{"SERVER_PORT": "7000"}}}}
	f, err := Resolve(context.Background(), d, localHosts)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Members[0]

	down, err := ReadEffective(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if down.Running || down.Broker.RESTPort != 7000 || !strings.Contains(down.From, "no process holds "+data) {
		t.Errorf("down broker: running %v, REST port %d, from %q", down.Running, down.Broker.RESTPort, down.From)
	}

	const secret = "hunter2-exporter-password"
	cmd := exec.Command("/bin/sh", "-c", `exec 3<"$SEG"; echo ready; exec sleep 30`)
	cmd.Env = append(os.Environ(), "SEG="+seg, "SERVER_PORT=8123", "MANAGEMENT_SERVER_PORT=9700",
		"ZEEBE_BROKER_EXPORTERS_ES_ARGS_AUTHENTICATION_PASSWORD="+secret, "DB_PASSWORD="+secret)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}

	up, err := ReadEffective(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if !up.Running || up.PID != cmd.Process.Pid || !strings.Contains(up.From, "environment of process") {
		t.Fatalf("running broker: running %v, pid %d (want %d), from %q", up.Running, up.PID, cmd.Process.Pid, up.From)
	}
	settings := up.Settings(up.Broker, up.Values)
	for name, want := range map[string]repo.Setting{
		"server.port":                       {Value: "8123", Source: "environment variable SERVER_PORT"},
		"management.server.port":            {Value: "9700", Source: "environment variable MANAGEMENT_SERVER_PORT"},
		"zeebe.broker.gateway.network.port": {Value: "26600", Source: "zeebe.broker.gateway.network.port in " + cfgPath},
		"zeebe.broker.data.directory":       {Value: data, Source: "default"},
		"zeebe.broker.cluster.nodeId":       {Value: "1", Source: "zeebe.broker.cluster.nodeId in " + cfgPath},
	} {
		want.Name = name
		if got := setting(t, settings, name); got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	raw, _ := json.Marshal(struct {
		S    []repo.Setting
		From string
	}{settings, up.From})
	if strings.Contains(string(raw), secret) {
		t.Errorf("the recorded configuration holds a secret of the environment: %s", raw)
	}

	// Another configuration resolved with the same environment: the restore's "after".
	b, _, err := up.Resolve(context.Background(), "the backed-up configuration", []byte("server: {port: 1}\nmanagement: {server: {port: 2}}\nzeebe: {broker: {cluster: {nodeId: 1, clusterSize: 2}}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b.RESTPort != 8123 || b.ManagementPort != 9700 {
		t.Errorf("the environment does not override the other configuration: REST %d, management %d", b.RESTPort, b.ManagementPort)
	}
}
