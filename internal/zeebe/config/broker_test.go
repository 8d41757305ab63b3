package config

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

func broker(t *testing.T, opts LoadOptions) *Broker {
	t.Helper()
	b, err := load(t, opts).Broker()
	if err != nil {
		t.Fatalf("Broker: %v", err)
	}
	return b
}

func TestBrokerDefaults(t *testing.T) {
	b := broker(t, LoadOptions{})
	want := &Broker{
		NodeID: 0, Shape: zeebe.Shape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1},
		ClusterName:          "zeebe-cluster",
		InitialContactPoints: []string{},
		DataDirectory:        "data",
		LogSegmentSize:       128 << 20,
		SnapshotPeriod:       5 * time.Minute,
		Host:                 "0.0.0.0", AdvertisedHost: "0.0.0.0",
		CommandAPIPort: 26501, InternalAPIPort: 26502,
		GatewayEnabled: true, GatewayPort: 26500,
		ManagementPort: 9600, RESTPort: 8080,
	}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", b, want)
	}
	if got := b.ResolveDataDirectory("/usr/local/zeebe"); got != "/usr/local/zeebe/data" {
		t.Errorf("ResolveDataDirectory = %q", got)
	}
	if got := b.ResolveRuntimeDirectory("/usr/local/zeebe"); got != "" {
		t.Errorf("ResolveRuntimeDirectory of unset = %q", got)
	}
}

func TestResolveDataDirectory(t *testing.T) {
	for _, tc := range []struct{ dir, install, want string }{
		{"data", "/usr/local/zeebe", "/usr/local/zeebe/data"},
		{"./data/", "/usr/local/camunda", "/usr/local/camunda/data"},
		{"../shared/data", "/opt/zeebe", "/opt/shared/data"},
		{"/var/lib/zeebe//data/", "/usr/local/zeebe", "/var/lib/zeebe/data"},
	} {
		b := &Broker{DataDirectory: tc.dir, RuntimeDirectory: tc.dir}
		if got := b.ResolveDataDirectory(tc.install); got != tc.want {
			t.Errorf("ResolveDataDirectory(%q in %q) = %q, want %q", tc.dir, tc.install, got, tc.want)
		}
		if got := b.ResolveRuntimeDirectory(tc.install); got != tc.want {
			t.Errorf("ResolveRuntimeDirectory(%q in %q) = %q, want %q", tc.dir, tc.install, got, tc.want)
		}
	}
}

func TestUnifiedKeysWinOverLegacy(t *testing.T) {
	file := writeFile(t, t.TempDir(), "application.yaml", `
zeebe.broker:
  cluster: {nodeId: 1, clusterSize: 3, partitionsCount: 3, replicationFactor: 3, clusterName: legacy,
            initialContactPoints: [legacy:26502]}
  data: {directory: /legacy, runtimeDirectory: /legacy-rt, snapshotPeriod: 1m, logSegmentSize: 16MB}
  gateway.network.port: 1111
camunda:
  cluster:
    node-id: 2
    size: 5
    partition-count: 7
    replication-factor: 5
    name: unified
    cluster-id: 5b1bd0f1-5d7c-4a0e-8d55-3d0c8a3e0b52
    initial-contact-points: [u0:26502, u1:26502]
  data:
    snapshot-period: 10m
    primary-storage:
      directory: /unified
      runtime-directory: /unified-rt
      log-stream.log-segment-size: 64MB
  api.grpc.port: 2222
`)
	b := broker(t, LoadOptions{Files: []string{file}})
	want := &Broker{
		NodeID: 2, Shape: zeebe.Shape{ClusterSize: 5, PartitionsCount: 7, ReplicationFactor: 5},
		ClusterName: "unified", ClusterID: "5b1bd0f1-5d7c-4a0e-8d55-3d0c8a3e0b52",
		InitialContactPoints: []string{"u0:26502", "u1:26502"},
		DataDirectory:        "/unified", RuntimeDirectory: "/unified-rt",
		LogSegmentSize: 64 << 20, SnapshotPeriod: 10 * time.Minute,
		Host: "0.0.0.0", AdvertisedHost: "0.0.0.0",
		CommandAPIPort: 26501, InternalAPIPort: 26502,
		GatewayEnabled: true, GatewayPort: 2222,
		ManagementPort: 9600, RESTPort: 8080,
	}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("unified over legacy:\n got %+v\nwant %+v", b, want)
	}

	// A legacy environment variable still loses to a unified key from a file…
	b = broker(t, LoadOptions{Files: []string{file}, Env: map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": "4"}})
	if b.NodeID != 2 {
		t.Errorf("legacy env over unified file: NodeID = %d, want 2", b.NodeID)
	}
	// …and a unified environment variable, in either env form, beats the file.
	for _, name := range []string{"CAMUNDA_CLUSTER_NODEID", "CAMUNDA_CLUSTER_NODE_ID"} {
		b = broker(t, LoadOptions{Files: []string{file}, Env: map[string]string{name: "4"}})
		if b.NodeID != 4 {
			t.Errorf("%s: NodeID = %d, want 4", name, b.NodeID)
		}
	}
}

// A broker of a cluster scaled at runtime (8.4+) has a node id at or above the configured
// clusterSize, which stays the initial size: Zeebe's ClusterCfg.init rejects only a negative
// node id (zeebe-format.md §6), and so does the loader.
func TestBrokerOfAScaledClusterLoads(t *testing.T) {
	file := writeFile(t, t.TempDir(), "application.yaml",
		"zeebe.broker.cluster: {clusterSize: 3, partitionsCount: 6, replicationFactor: 3}\n")
	for _, id := range []string{"3", "5", "11"} {
		b, err := load(t, LoadOptions{Files: []string{file}, Env: map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": id}}).Broker()
		if err != nil {
			t.Fatalf("node id %s with clusterSize 3: %v", id, err)
		}
		if strconv.Itoa(b.NodeID) != id || b.ClusterSize != 3 || b.PartitionsCount != 6 || b.ReplicationFactor != 3 {
			t.Errorf("node id %s: got %+v", id, b)
		}
	}
}

func TestBrokerValidation(t *testing.T) {
	file := writeFile(t, t.TempDir(), "application.yaml", "zeebe.broker.cluster.clusterSize: 3\n")
	for _, tc := range []struct {
		name  string
		env   map[string]string
		parts []string
	}{
		{"negative node id", map[string]string{"CAMUNDA_CLUSTER_NODEID": "-1"},
			[]string{"camunda.cluster.node-id: -1 (from environment variable CAMUNDA_CLUSTER_NODEID) must not be negative"}},
		{"blank node id", map[string]string{"CAMUNDA_CLUSTER_NODEID": " "},
			[]string{"camunda.cluster.node-id", "environment variable CAMUNDA_CLUSTER_NODEID", "empty"}},
		{"cluster size zero", map[string]string{"ZEEBE_BROKER_CLUSTER_CLUSTERSIZE": "0"},
			[]string{"zeebe.broker.cluster.clusterSize: 0 (from environment variable ZEEBE_BROKER_CLUSTER_CLUSTERSIZE) must be at least 1"}},
		{"no partitions", map[string]string{"ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT": "0"},
			[]string{"zeebe.broker.cluster.partitionsCount: 0 (from environment variable ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT) must be at least 1"}},
		{"replication above size", map[string]string{"ZEEBE_BROKER_CLUSTER_REPLICATIONFACTOR": "4"},
			[]string{"zeebe.broker.cluster.replicationFactor: 4 (from environment variable ZEEBE_BROKER_CLUSTER_REPLICATIONFACTOR) must be between 1 and clusterSize 3"}},
		{"replication zero", map[string]string{"ZEEBE_BROKER_CLUSTER_REPLICATIONFACTOR": "0"},
			[]string{"replicationFactor: 0", "must be between 1 and clusterSize 3"}},
		{"segment size", map[string]string{"ZEEBE_BROKER_DATA_LOGSEGMENTSIZE": "0KB"},
			[]string{"zeebe.broker.data.logSegmentSize: 0KB (from environment variable ZEEBE_BROKER_DATA_LOGSEGMENTSIZE) must be a positive size"}},
		{"bad segment size", map[string]string{"ZEEBE_BROKER_DATA_LOGSEGMENTSIZE": "lots"},
			[]string{`zeebe.broker.data.logSegmentSize: "lots" (from environment variable ZEEBE_BROKER_DATA_LOGSEGMENTSIZE) is not a data size`}},
		{"bad period", map[string]string{"ZEEBE_BROKER_DATA_SNAPSHOTPERIOD": "often"},
			[]string{`zeebe.broker.data.snapshotPeriod: "often"`, "is not a duration"}},
		{"port too large", map[string]string{"ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT": "70000"},
			[]string{"zeebe.broker.network.commandApi.port: 70000 (from environment variable ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT) must be a port between 1 and 65535"}},
		{"port zero", map[string]string{"MANAGEMENT_SERVER_PORT": "0"},
			[]string{"management.server.port: 0 (from environment variable MANAGEMENT_SERVER_PORT) must be a port between 1 and 65535"}},
		{"rest port", map[string]string{"SERVER_PORT": "-1"},
			[]string{"server.port: -1 (from environment variable SERVER_PORT) must be a port"}},
		{"offset pushes out of range", map[string]string{"ZEEBE_BROKER_NETWORK_PORTOFFSET": "4000"},
			[]string{"zeebe.broker.network.commandApi.port: 26501 (default) with portOffset 4000 (from environment variable ZEEBE_BROKER_NETWORK_PORTOFFSET) gives port 66501"}},
		{"bad gateway flag", map[string]string{"ZEEBE_BROKER_GATEWAY_ENABLE": "maybe"},
			[]string{`zeebe.broker.gateway.enable: "maybe" (from environment variable ZEEBE_BROKER_GATEWAY_ENABLE) is not a boolean`}},
		{"two problems at once", map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": "-7", "SERVER_PORT": "99999"},
			[]string{"nodeId: -7 (from environment variable ZEEBE_BROKER_CLUSTER_NODEID) must not be negative", "server.port: 99999"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := load(t, LoadOptions{Files: []string{file}, Env: tc.env}).Broker()
			if b != nil {
				t.Errorf("got a broker with an error: %+v", b)
			}
			wantErr(t, err, tc.parts...)
		})
	}

	// Defaults are named as such.
	_, err := load(t, LoadOptions{Env: map[string]string{"ZEEBE_BROKER_CLUSTER_REPLICATIONFACTOR": "2"}}).Broker()
	wantErr(t, err, "must be between 1 and clusterSize 1 (default)")

	// A disabled gateway's port is not checked.
	if _, err := load(t, LoadOptions{Env: map[string]string{
		"ZEEBE_BROKER_GATEWAY_ENABLE": "false", "ZEEBE_BROKER_GATEWAY_NETWORK_PORT": "0",
	}}).Broker(); err != nil {
		t.Errorf("disabled gateway with port 0: %v", err)
	}
}

func TestPortOffset(t *testing.T) {
	b := broker(t, LoadOptions{Env: map[string]string{
		"ZEEBE_BROKER_NETWORK_PORTOFFSET":       "2",
		"ZEEBE_BROKER_NETWORK_INTERNALAPI_PORT": "30000",
	}})
	if b.PortOffset != 2 || b.CommandAPIPort != 26521 || b.InternalAPIPort != 30020 || b.GatewayPort != 26520 {
		t.Errorf("ports with offset 2: %+v", b)
	}
	if b.ManagementPort != 9600 || b.RESTPort != 8080 {
		t.Errorf("Spring server ports must not move with portOffset: %+v", b)
	}
}

// The Helm chart 8.5 ConfigMap, with the environment the StatefulSet and startup.sh give pod 2.
const helm85 = `
zeebe:
  broker:
    exporters:
      elasticsearch:
        className: "io.camunda.zeebe.exporter.ElasticsearchExporter"
        args:
          url: "http://camunda-elasticsearch:9200"
          index:
            prefix: "zeebe-record"
    gateway:
      enable: true
      network:
        port: 26500
      security:
        enabled: false
        authentication:
          mode: none
    network:
      host: 0.0.0.0
      commandApi:
        port: 26501
      internalApi:
        port: 26502
      monitoringApi:
        port: "9600"
    cluster:
      clusterSize: "3"
      replicationFactor: "3"
      partitionsCount: "3"
      clusterName: camunda-zeebe
    threads:
      cpuThreadCount: "3"
      ioThreadCount: "3"
`

func TestRealisticZeebe85(t *testing.T) {
	file := writeFile(t, t.TempDir(), "config/application.yaml", helm85)
	env := map[string]string{
		"ZEEBE_BROKER_CLUSTER_NODEID":                  "2",
		"ZEEBE_BROKER_NETWORK_ADVERTISEDHOST":          "camunda-zeebe-2.camunda-zeebe",
		"ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS":    "camunda-zeebe-0.camunda-zeebe:26502,camunda-zeebe-1.camunda-zeebe:26502,camunda-zeebe-2.camunda-zeebe:26502",
		"ZEEBE_BROKER_DATA_SNAPSHOTPERIOD":             "5m",
		"ZEEBE_BROKER_DATA_DISK_FREESPACE_REPLICATION": "2GB",
		"ZEEBE_BROKER_DATA_DISK_FREESPACE_PROCESSING":  "3GB",
		"K8S_NAME":          "camunda-zeebe-2",
		"K8S_SERVICE_NAME":  "camunda-zeebe",
		"ZEEBE_LOG_LEVEL":   "info",
		"JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=25.0",
	}
	b := broker(t, LoadOptions{Files: []string{file}, Env: env})
	want := &Broker{
		NodeID: 2, Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3},
		ClusterName: "camunda-zeebe",
		InitialContactPoints: []string{"camunda-zeebe-0.camunda-zeebe:26502",
			"camunda-zeebe-1.camunda-zeebe:26502", "camunda-zeebe-2.camunda-zeebe:26502"},
		DataDirectory: "data", LogSegmentSize: 128 << 20, SnapshotPeriod: 5 * time.Minute,
		Host: "0.0.0.0", AdvertisedHost: "camunda-zeebe-2.camunda-zeebe",
		CommandAPIPort: 26501, InternalAPIPort: 26502,
		GatewayEnabled: true, GatewayPort: 26500,
		ManagementPort: 9600, RESTPort: 8080,
	}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("8.5:\n got %+v\nwant %+v", b, want)
	}
	if got := b.ResolveDataDirectory("/usr/local/zeebe"); got != "/usr/local/zeebe/data" {
		t.Errorf("data directory = %q", got)
	}
}

// The Helm chart 8.8 unified ConfigMap (orchestration, broker profile), rendered for three
// brokers, plus what startup.sh and the StatefulSet add for pod 1.
const helm88 = `
spring:
  profiles:
    active: "broker,admin"
server:
  address: 0.0.0.0
  port: 8080
management:
  server:
    address: 0.0.0.0
    port: 9600
    base-path: ""
camunda:
  license:
    key: "${VALUES_ORCHESTRATION_LICENSE_KEY}"
  system:
    cpu-thread-count: 3
    io-thread-count: 3
  cluster:
    node-id: "${VALUES_ORCHESTRATION_NODE_ID:}"
    size: "3"
    replication-factor: "3"
    partition-count: "3"
  api:
    grpc:
      address: 0.0.0.0
      port: 26500
  data:
    snapshot-period: "5m"
    primary-storage:
      disk:
        free-space:
          processing: "2GB"
          replication: "1GB"
    secondary-storage:
      autoconfigure-camunda-exporter: true
      type: "elasticsearch"
      elasticsearch:
        url: "http://camunda-elasticsearch:9200"
        password: "${VALUES_ELASTICSEARCH_PASSWORD:}"
zeebe:
  host: 0.0.0.0
  broker:
    gateway:
      enable: true
    network:
      advertisedHost: "${K8S_NAME}.${K8S_SERVICE_NAME}"
      host: 0.0.0.0
      commandApi:
        port: 26501
      internalApi:
        port: 26502
    cluster:
      initialContactPoints:
        - camunda-zeebe-0.${K8S_SERVICE_NAME}:26502
        - camunda-zeebe-1.${K8S_SERVICE_NAME}:26502
        - camunda-zeebe-2.${K8S_SERVICE_NAME}:26502
      clusterName: camunda-zeebe
`

func TestRealisticCamunda88(t *testing.T) {
	file := writeFile(t, t.TempDir(), "config/application.yaml", helm88)
	env := map[string]string{
		"VALUES_ORCHESTRATION_NODE_ID":          "1",
		"K8S_NAME":                              "camunda-zeebe-1",
		"K8S_SERVICE_NAME":                      "camunda-zeebe",
		"CAMUNDA_DATA_PRIMARYSTORAGE_DIRECTORY": "/usr/local/camunda/data",
		"KUBERNETES_SERVICE_HOST":               "10.96.0.1",
		"KUBERNETES_SERVICE_PORT":               "443",
	}
	b := broker(t, LoadOptions{Files: []string{file}, Env: env})
	want := &Broker{
		NodeID: 1, Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3},
		ClusterName: "camunda-zeebe",
		InitialContactPoints: []string{"camunda-zeebe-0.camunda-zeebe:26502",
			"camunda-zeebe-1.camunda-zeebe:26502", "camunda-zeebe-2.camunda-zeebe:26502"},
		DataDirectory: "/usr/local/camunda/data", LogSegmentSize: 128 << 20, SnapshotPeriod: 5 * time.Minute,
		Host: "0.0.0.0", AdvertisedHost: "camunda-zeebe-1.camunda-zeebe",
		CommandAPIPort: 26501, InternalAPIPort: 26502,
		GatewayEnabled: true, GatewayPort: 26500,
		ManagementPort: 9600, RESTPort: 8080, ServerPortSet: true,
	}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("8.8:\n got %+v\nwant %+v", b, want)
	}
	if got := b.ResolveDataDirectory("/usr/local/camunda"); got != "/usr/local/camunda/data" {
		t.Errorf("data directory = %q", got)
	}

	// Without what startup.sh exports the node id is unknown: an error, never a silent 0.
	delete(env, "VALUES_ORCHESTRATION_NODE_ID")
	_, err := load(t, LoadOptions{Files: []string{file}, Env: env}).Broker()
	wantErr(t, err, "camunda.cluster.node-id", file, "VALUES_ORCHESTRATION_NODE_ID")
	if err != nil && strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("want exactly one problem, got %q", err)
	}
}
