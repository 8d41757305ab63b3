package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// full is the example of the package documentation plus a remote broker.
const full = `repository: file:///var/backups/zeebe     # a location a storage backend takes
gateway: 10.0.0.10:26500                   # optional, gRPC address of a gateway
version: 8.5.3                             # optional, the cluster's Zeebe version
brokers:
  - nodeId: 1
    host: ssh://zeebe@10.0.0.11:2222
    config: /opt/zeebe/config/application.yaml
    stop: systemctl stop zeebe
    start: systemctl start zeebe
    health: https://10.0.0.11:9600/
  - nodeId: 0
    host: local                            # a host a host kind takes
    config: /opt/zeebe/config/application.yaml
    dataDir: /opt/zeebe/data/              # optional: else read from the config and env
    installDir: /opt/zeebe                 # optional
    env: {ZEEBE_BROKER_DATA_DIRECTORY: /data, JAVA_OPTS: "-Xmx2g  -Xms2g", EMPTY: ""}
    stop: systemctl stop zeebe             # a shell command run on that host
    start: {run: systemctl start zeebe, timeout: 90s}
    health: http://10.0.0.10:9600
    set:                                   # optional, used by restore
      zeebe.broker.network.advertisedHost: 10.0.0.20
      zeebe.broker.cluster.clusterSize: 2
`

func TestParseFullFile(t *testing.T) {
	d, err := Parse(context.Background(), []byte(full), "zeebe-backup.yaml", withSSH())
	if err != nil {
		t.Fatal(err)
	}
	want := &Description{
		Path:       "zeebe-backup.yaml",
		Repository: "file:///var/backups/zeebe",
		Gateway:    "10.0.0.10:26500",
		Version:    "8.5.3",
		Brokers: []Broker{{
			NodeID:     0,
			Host:       "local",
			Config:     "/opt/zeebe/config/application.yaml",
			DataDir:    "/opt/zeebe/data",
			InstallDir: "/opt/zeebe",
			Env:        map[string]string{"ZEEBE_BROKER_DATA_DIRECTORY": "/data", "JAVA_OPTS": "-Xmx2g  -Xms2g", "EMPTY": ""},
			Stop:       Command{Run: "systemctl stop zeebe", Timeout: 2 * time.Minute},
			Start:      Command{Run: "systemctl start zeebe", Timeout: 90 * time.Second},
			Health:     "http://10.0.0.10:9600",
			Set: map[string]string{
				"zeebe.broker.network.advertisedHost": "10.0.0.20",
				"zeebe.broker.cluster.clusterSize":    "2",
			},
			Line: 11,
		}, {
			NodeID:     1,
			Host:       "ssh://zeebe@10.0.0.11:2222",
			Config:     "/opt/zeebe/config/application.yaml",
			InstallDir: "/opt/zeebe", // the folder above the config's folder
			Env:        map[string]string{},
			Stop:       Command{Run: "systemctl stop zeebe", Timeout: DefaultStopTimeout},
			Start:      Command{Run: "systemctl start zeebe", Timeout: DefaultStartTimeout},
			Health:     "https://10.0.0.11:9600",
			Set:        map[string]string{},
			Line:       5,
		}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", d, want)
	}
	if got := d.Brokers[0].Name(); got != "broker 0 (local)" {
		t.Errorf("Name = %q", got)
	}
	if got := d.Brokers[1].Name(); got != "broker 1 (ssh://zeebe@10.0.0.11:2222)" {
		t.Errorf("Name = %q", got)
	}
	if !d.Brokers[0].IsLocal() || d.Brokers[1].IsLocal() {
		t.Errorf("IsLocal wrong: %v %v", d.Brokers[0].IsLocal(), d.Brokers[1].IsLocal())
	}
	if b := d.Broker(1); b == nil || b.Line != 5 {
		t.Errorf("Broker(1) = %+v", b)
	}
	if d.Broker(2) != nil {
		t.Error("Broker(2) found")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DefaultFile)
	if err := os.WriteFile(path, []byte(full), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), path, withSSH())
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != path || len(d.Brokers) != 2 {
		t.Errorf("Load: Path %q, %d brokers", d.Path, len(d.Brokers))
	}

	_, err = Load(context.Background(), filepath.Join(dir, "missing.yaml"), withSSH())
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(full, "nodeId: 1", "nodeId: 0", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(context.Background(), bad, withSSH())
	var de *DescriptionError
	if !errors.As(err, &de) || !strings.HasPrefix(de.Problems[0].String(), bad+":") {
		t.Errorf("bad file: %v", err)
	}
}

func TestCommandForms(t *testing.T) {
	src := base
	src = strings.Replace(src, "stop: systemctl stop zeebe", `stop: "kill $(cat /run/zeebe.pid)"`, 1)
	src = strings.Replace(src, "start: systemctl start zeebe", "start:\n      run: systemctl start zeebe\n", 1)
	d := mustParse(t, src, checks())
	b := d.Brokers[0]
	if b.Stop != (Command{Run: "kill $(cat /run/zeebe.pid)", Timeout: 2 * time.Minute}) {
		t.Errorf("stop = %+v", b.Stop)
	}
	if b.Start != (Command{Run: "systemctl start zeebe", Timeout: 2 * time.Minute}) {
		t.Errorf("start = %+v", b.Start)
	}

	src = strings.Replace(base, "stop: systemctl stop zeebe", "stop: {run: systemctl stop zeebe, timeout: 1m30s}", 1)
	if got := mustParse(t, src, checks()).Brokers[0].Stop; got != (Command{Run: "systemctl stop zeebe", Timeout: 90 * time.Second}) {
		t.Errorf("stop mapping = %+v", got)
	}
}

func TestRepositoryOverride(t *testing.T) {
	noRepo := strings.Replace(base, "repository: /var/backups/zeebe", "# no repository", 1)
	d := mustParse(t, noRepo, withRepo("/srv/backups//zeebe/"))
	if d.Repository != "/srv/backups/zeebe" {
		t.Errorf("Repository = %q, want the flag as the check returns it", d.Repository)
	}

	// The flag wins over the file, whose value is then not checked.
	badRepo := strings.Replace(base, "repository: /var/backups/zeebe", "repository: gs://elsewhere", 1)
	if d := mustParse(t, badRepo, withRepo("/srv/backups")); d.Repository != "/srv/backups" {
		t.Errorf("Repository = %q", d.Repository)
	}

	// A bad flag is named as the flag; a relative one was to be made absolute by the caller.
	for flag, want := range map[string]string{
		"gs://bucket": `--repo: "gs://bucket": scheme gs is not supported`,
		"backups":     `--repo: "backups" is a relative path`,
	} {
		problems := parseProblems(t, base, withRepo(flag))
		if len(problems) != 1 || !strings.HasPrefix(problems[0], want) {
			t.Errorf("--repo %s: %q, want %s...", flag, problems, want)
		}
	}

	// Without the flag the file must name it.
	problems := parseProblems(t, noRepo, checks())
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "zeebe-backup.yaml:2: repository: required; where backups go") {
		t.Errorf("no repository: %q", problems)
	}
}

func TestRepositoryForms(t *testing.T) {
	for in, want := range map[string]string{
		"/var/backups//zeebe/":               "/var/backups/zeebe",
		"file:///var/backups/zeebe":          "file:///var/backups/zeebe",
		"file://localhost/var/backups/zeebe": "file://localhost/var/backups/zeebe",
	} {
		src := strings.Replace(base, "/var/backups/zeebe", in, 1)
		if got := mustParse(t, src, checks()).Repository; got != want {
			t.Errorf("repository %q: got %q, want %q", in, got, want)
		}
	}
}

// repositoryOptions go to the repository's check with the location; a refused option is
// reported on its own line, and with --repo the file's options are neither checked nor kept.
func TestRepositoryOptions(t *testing.T) {
	var got map[string]string
	opts := checks()
	opts.CheckRepository = func(loc string, options map[string]string) (string, error) {
		got = options
		if v, ok := options["partSize"]; ok && v != "16MiB" {
			return "", &storage.OptionError{Name: "partSize", Err: fmt.Errorf("%q is not a size; write e.g. 16MiB", v)}
		}
		if _, ok := options["secretKey"]; ok {
			return "", errors.New(`s3 repositories take no option secretKey`)
		}
		return loc, nil
	}
	withOptions := strings.Replace(base, "repository: /var/backups/zeebe", "repository: s3://bucket/zeebe\nrepositoryOptions:\n  region: eu-west-1\n  partSize: 16MiB\n  pathStyle: true", 1)
	d := mustParse(t, withOptions, opts)
	want := map[string]string{"region": "eu-west-1", "partSize": "16MiB", "pathStyle": "true"}
	if !maps.Equal(d.RepositoryOptions, want) || !maps.Equal(got, want) {
		t.Errorf("RepositoryOptions = %v, the check got %v; want %v", d.RepositoryOptions, got, want)
	}

	for src, want := range map[string]string{
		strings.Replace(withOptions, "partSize: 16MiB", "partSize: fast", 1):               `zeebe-backup.yaml:4: repositoryOptions.partSize: "fast" is not a size; write e.g. 16MiB`,
		strings.Replace(withOptions, "region: eu-west-1", "secretKey: x", 1):               "zeebe-backup.yaml:1: repository: s3 repositories take no option secretKey",
		strings.Replace(withOptions, "region: eu-west-1", "region: [a, b]", 1):             "zeebe-backup.yaml:3: repositoryOptions.region: found a list; want a single value",
		strings.Replace(withOptions, "region: eu-west-1", "region:", 1):                    "zeebe-backup.yaml:3: repositoryOptions.region: no value; write one, or remove the option",
		strings.Replace(base, "repository: /var/backups/zeebe", "repositoryOptions: x", 1): "zeebe-backup.yaml:1: repositoryOptions: found a single value; want a mapping",
	} {
		problems := parseProblems(t, src, opts)
		if len(problems) == 0 || !strings.HasPrefix(problems[0], want) {
			t.Errorf("problems %q, want %s...", problems, want)
		}
	}

	// The local backend takes no options.
	problems := parseProblems(t, strings.Replace(base, "repository: /var/backups/zeebe", "repository: /var/backups/zeebe\nrepositoryOptions: {region: x}", 1), checks())
	if len(problems) != 1 || problems[0] != "zeebe-backup.yaml:2: repositoryOptions.region: file repositories take no options; remove it" {
		t.Errorf("options of a folder: %q", problems)
	}

	// --repo wins, and the file's options are not the flag's.
	got = nil
	opts.Repository = "s3://other/x"
	if d := mustParse(t, strings.Replace(withOptions, "partSize: 16MiB", "partSize: fast", 1), opts); d.Repository != "s3://other/x" || d.RepositoryOptions != nil || got != nil {
		t.Errorf("with --repo: %q %v, the check got %v; want the flag without options", d.Repository, d.RepositoryOptions, got)
	}
}

// Without checks (LoadOptions' zero value) the values are taken as written: the package
// itself knows no storage backend and no host kind.
func TestWithoutChecksValuesAreKeptAsWritten(t *testing.T) {
	src := strings.Replace(base, "repository: /var/backups/zeebe", "repository: s3://bucket//x", 1)
	src = strings.Replace(src, "host: local", "host: k8s://ns/zeebe-0", 1)
	d := mustParse(t, src, LoadOptions{})
	if d.Repository != "s3://bucket//x" || d.Brokers[0].Host != "k8s://ns/zeebe-0" {
		t.Errorf("repository %q, host %q", d.Repository, d.Brokers[0].Host)
	}
}

func TestHostForms(t *testing.T) {
	if got := mustParse(t, base, checks()).Brokers[0].Host; got != "local" {
		t.Errorf("host local: got %q", got)
	}
	// A host of another kind is kept as written when its kind takes it.
	for _, host := range []string{"ssh://10.0.0.1", "ssh://zeebe@10.0.0.1", "ssh://zeebe@host.example:2222", "ssh://[fe80::1]:22"} {
		src := strings.Replace(base, "host: local", "host: "+host, 1)
		if got := mustParse(t, src, withSSH()).Brokers[0].Host; got != host {
			t.Errorf("host %q: got %q", host, got)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	src := `repository: /var/backups/zeebe
brokers:
  - &first
    nodeId: 0
    host: local
    config: /opt/zeebe0/config/application.yaml
    stop: systemctl stop zeebe
    start: {run: systemctl start zeebe, timeout: 3m}
    health: http://localhost:9600
    env: &env {JAVA_OPTS: -Xmx1g}
  - <<: *first
    nodeId: 1
    config: /opt/zeebe1/config/application.yaml
    health: http://localhost:9601
    env:
      <<: *env
      EXTRA: "1"
`
	d := mustParse(t, src, checks())
	b := d.Brokers[1]
	if b.NodeID != 1 || b.Config != "/opt/zeebe1/config/application.yaml" || b.Health != "http://localhost:9601" ||
		b.Start.Timeout != 3*time.Minute || b.Stop.Run != "systemctl stop zeebe" || b.Host != "local" {
		t.Errorf("merged broker = %+v", b)
	}
	if !reflect.DeepEqual(b.Env, map[string]string{"JAVA_OPTS": "-Xmx1g", "EXTRA": "1"}) {
		t.Errorf("merged env = %v", b.Env)
	}
}

func TestBrokersSortedByNodeID(t *testing.T) {
	d := mustParse(t, brokersWithIDs("2", "0", "1"), checks())
	for i, b := range d.Brokers {
		if b.NodeID != i {
			t.Fatalf("brokers not sorted: %d at %d", b.NodeID, i)
		}
	}
	if d.Brokers[0].Line != 9 {
		t.Errorf("broker 0 line = %d, want 9", d.Brokers[0].Line)
	}
}
