package config

// How Zeebe's Spring Boot resolves a broker's configuration, case by case, each taken from the
// Zeebe, Camunda or Spring Boot document or source named in its cite field. The broker
// simulator reads its configuration with this package, so a misreading here would pass every
// simulator test; these cases check the resolver on its own.
//
// Sources cited:
//   - [spring-env]: Spring Boot reference, "Externalized Configuration", section "Binding From
//     Environment Variables" (replace dots with underscores, remove dashes, uppercase; list
//     elements as _N_), and the Spring Boot wiki "Relaxed Binding 2.0".
//   - [spring-order]: Spring Boot reference, "Externalized Configuration": OS environment
//     variables override config data (application.yaml); within a multi-document file later
//     documents override earlier ones; spring.config.additional-location overrides the default
//     locations.
//   - [spring-relaxed]: Spring Boot reference, "Relaxed Binding": kebab-case, camelCase and
//     underscore notation in YAML are one property.
//   - [spring-profiles]: Spring Boot reference, "Profiles" and "Activation Properties"
//     (spring.config.activate.on-profile, "!" negation, on-cloud-platform); Spring Framework
//     AbstractEnvironment: the default profile applies only when no profile is active.
//   - [spring-mapper]: Spring Boot SystemEnvironmentPropertyMapper: a property is also looked up
//     under its legacy name, dashes turned into underscores.
//   - [spring-types]: Spring Boot reference, "Properties Conversion": DataSize units (MB =
//     1024² bytes), Duration simple format (15m), comma-separated lists.
//   - [zeebe-env]: docs.camunda.io, Zeebe "Configuration" / "Environment variables": each key
//     has an environment variable, e.g. ZEEBE_BROKER_CLUSTER_NODEID.
//   - [zeebe-defaults]: Zeebe DataCfg, ClusterCfg, NetworkCfg and broker.yaml.template (note
//     §6): nodeId 0, clusterSize/partitionsCount/replicationFactor 1, clusterName
//     zeebe-cluster, data directory "data", logSegmentSize 128MB, snapshotPeriod 5m, ports
//     26501/26502/26500, management 9600 (8.5+), server.port 8080; portOffset shifts the
//     command, internal and gateway ports by 10 × portOffset.
//   - [broker-profile]: StandaloneBroker adds the "broker" Spring profile
//     (.profiles(Profile.BROKER...)); the 8.8+ StandaloneCamunda has broker in its default
//     spring.profiles.active (note §6).
//   - [camunda-mapping]: docs.camunda.io, "Property changes in Camunda 8.8/8.9" (configuration
//     mapping): for a direct mapping, the new camunda.* property is used when defined, else the
//     legacy property; env names per note §6 (CAMUNDA_CLUSTER_NODEID,
//     CAMUNDA_DATA_PRIMARYSTORAGE_DIRECTORY).

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

func TestResolverCases(t *testing.T) {
	type doc = string
	cases := []struct {
		name, cite string
		files      []doc // application.yaml, then files of SPRING_CONFIG_ADDITIONAL_LOCATION
		env        map[string]string
		check      func(b *Broker) (got, want any)
	}{
		{"nothing set: the documented defaults", "[zeebe-defaults]", nil, nil,
			func(b *Broker) (any, any) {
				return []any{b.NodeID, b.ClusterSize, b.PartitionsCount, b.ReplicationFactor, b.ClusterName, b.DataDirectory,
						b.LogSegmentSize, b.SnapshotPeriod, b.CommandAPIPort, b.InternalAPIPort, b.GatewayPort, b.ManagementPort, b.RESTPort},
					[]any{0, 1, 1, 1, "zeebe-cluster", "data", int64(128 << 20), 5 * time.Minute, 26501, 26502, 26500, 9600, 8080}
			}},
		{"env var binds by relaxed name: ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT is zeebe.broker.network.commandApi.port",
			"[spring-env] [zeebe-env]", nil, map[string]string{"ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT": "26601"},
			func(b *Broker) (any, any) { return b.CommandAPIPort, 26601 }},
		{"env var over the file", "[spring-order]",
			[]doc{"zeebe.broker.cluster:\n  nodeId: 1\n  clusterSize: 3\n"},
			map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": "2"},
			func(b *Broker) (any, any) { return []int{b.NodeID, b.ClusterSize}, []int{2, 3} }},
		{"relaxed names in YAML: kebab-case, snake_case, camelCase, dotted and nested", "[spring-relaxed]",
			[]doc{"zeebe:\n  broker.data:\n    log-segment-size: 64MB\n  broker:\n    cluster:\n      partitions_count: 4\n      replicationFactor: 2\n      CLUSTERSIZE: 5\n"},
			nil,
			func(b *Broker) (any, any) {
				return []any{b.LogSegmentSize, b.PartitionsCount, b.ReplicationFactor, b.ClusterSize}, []any{int64(64 << 20), 4, 2, 5}
			}},
		{"legacy env name with the words split: ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE", "[spring-mapper]",
			nil, map[string]string{"ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE": "32MB"},
			func(b *Broker) (any, any) { return b.LogSegmentSize, int64(32 << 20) }},
		{"data sizes and durations in Spring's formats", "[spring-types]",
			[]doc{"zeebe.broker.data:\n  logSegmentSize: 512MB\n  snapshotPeriod: 15m\n"}, nil,
			func(b *Broker) (any, any) {
				return []any{b.LogSegmentSize, b.SnapshotPeriod}, []any{int64(512 << 20), 15 * time.Minute}
			}},
		{"comma-separated list from an env var", "[spring-types] [zeebe-env]", nil,
			map[string]string{"ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS": "zeebe-0.zeebe:26502,zeebe-1.zeebe:26502"},
			func(b *Broker) (any, any) {
				return b.InitialContactPoints, []string{"zeebe-0.zeebe:26502", "zeebe-1.zeebe:26502"}
			}},
		{"list element from an env var: _0_ is [0]", "[spring-env]", nil,
			map[string]string{"ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS_0": "a:26502", "ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS_1": "b:26502"},
			func(b *Broker) (any, any) { return b.InitialContactPoints, []string{"a:26502", "b:26502"} }},
		{"a later document of the file overrides an earlier one", "[spring-order]",
			[]doc{"zeebe.broker.cluster.clusterSize: 3\n---\nzeebe.broker.cluster.clusterSize: 4\n"}, nil,
			func(b *Broker) (any, any) { return b.ClusterSize, 4 }},
		{"an additional location overrides application.yaml", "[spring-order]",
			[]doc{"zeebe.broker.cluster.clusterSize: 3\n", "zeebe.broker.cluster.clusterSize: 6\n"}, nil,
			func(b *Broker) (any, any) { return b.ClusterSize, 6 }},
		{"the broker profile is always active: on-profile: broker applies", "[broker-profile] [spring-profiles]",
			[]doc{"zeebe.broker.cluster.clusterSize: 3\n---\nspring.config.activate.on-profile: broker\nzeebe.broker.cluster.clusterSize: 5\n"}, nil,
			func(b *Broker) (any, any) { return b.ClusterSize, 5 }},
		{"the default profile is never active for a broker", "[broker-profile] [spring-profiles]",
			[]doc{"zeebe.broker.cluster.clusterSize: 3\n---\nspring.config.activate.on-profile: default\nzeebe.broker.cluster.clusterSize: 7\n"}, nil,
			func(b *Broker) (any, any) { return b.ClusterSize, 3 }},
		{"spring.profiles.default does not matter either", "[broker-profile] [spring-profiles]",
			[]doc{"spring.profiles.default: dev\nzeebe.broker.cluster.clusterSize: 3\n---\nspring.config.activate.on-profile: dev\nzeebe.broker.cluster.clusterSize: 7\n"}, nil,
			func(b *Broker) (any, any) { return b.ClusterSize, 3 }},
		{"a negated broker profile never applies", "[broker-profile] [spring-profiles]",
			[]doc{"zeebe.broker.cluster.clusterSize: 3\n---\nspring.config.activate.on-profile: \"!broker\"\nzeebe.broker.cluster.clusterSize: 7\n"}, nil,
			func(b *Broker) (any, any) { return b.ClusterSize, 3 }},
		{"SPRING_PROFILES_ACTIVE adds profiles; broker stays; documents apply in file order", "[spring-env] [spring-profiles] [broker-profile]",
			[]doc{"zeebe.broker.cluster:\n  clusterSize: 3\n  partitionsCount: 1\n---\nspring.config.activate.on-profile: prod\nzeebe.broker.cluster.partitionsCount: 8\nzeebe.broker.cluster.clusterSize: 9\n---\nspring.config.activate.on-profile: broker\nzeebe.broker.cluster.clusterSize: 5\n"},
			map[string]string{"SPRING_PROFILES_ACTIVE": "prod"},
			func(b *Broker) (any, any) { return []int{b.PartitionsCount, b.ClusterSize}, []int{8, 5} }},
		{"on-cloud-platform: kubernetes applies where the Kubernetes service env vars are", "[spring-profiles]",
			[]doc{"zeebe.broker.cluster.clusterSize: 3\n---\nspring.config.activate.on-cloud-platform: kubernetes\nzeebe.broker.cluster.clusterSize: 4\n"},
			map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"},
			func(b *Broker) (any, any) { return b.ClusterSize, 4 }},
		{"camunda.* over zeebe.* in the same file (8.8+)", "[camunda-mapping]",
			[]doc{"camunda.cluster:\n  node-id: 2\n  size: 3\nzeebe.broker.cluster:\n  nodeId: 1\n  clusterSize: 5\n"}, nil,
			func(b *Broker) (any, any) { return []int{b.NodeID, b.ClusterSize}, []int{2, 3} }},
		{"camunda.* env vars over zeebe.* env vars (8.8+)", "[camunda-mapping] [spring-env]", nil,
			map[string]string{"CAMUNDA_CLUSTER_NODEID": "2", "ZEEBE_BROKER_CLUSTER_NODEID": "1", "CAMUNDA_CLUSTER_SIZE": "3",
				"CAMUNDA_DATA_PRIMARYSTORAGE_DIRECTORY": "/usr/local/camunda/data", "ZEEBE_BROKER_DATA_DIRECTORY": "/other"},
			func(b *Broker) (any, any) {
				return []any{b.NodeID, b.DataDirectory}, []any{2, "/usr/local/camunda/data"}
			}},
		{"a camunda.* key in the file beats a zeebe.* env var: the new property is used when defined", "[camunda-mapping]",
			[]doc{"camunda.cluster.partition-count: 3\n"}, map[string]string{"ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT": "6"},
			func(b *Broker) (any, any) { return b.PartitionsCount, 3 }},
		{"zeebe.* is used when the camunda.* key is not defined", "[camunda-mapping]",
			[]doc{"camunda.cluster.size: 3\nzeebe.broker.cluster.replicationFactor: 3\n"}, nil,
			func(b *Broker) (any, any) { return []int{b.ClusterSize, b.ReplicationFactor}, []int{3, 3} }},
		{"SERVER_PORT and MANAGEMENT_SERVER_PORT", "[spring-env] (note §6 table)", nil,
			map[string]string{"SERVER_PORT": "8081", "MANAGEMENT_SERVER_PORT": "9601"},
			func(b *Broker) (any, any) { return []int{b.RESTPort, b.ManagementPort}, []int{8081, 9601} }},
		{"portOffset shifts command, internal and gateway ports by 10 per step", "[zeebe-defaults]",
			[]doc{"zeebe.broker.network.portOffset: 2\n"}, nil,
			func(b *Broker) (any, any) {
				return []int{b.CommandAPIPort, b.InternalAPIPort, b.GatewayPort, b.ManagementPort}, []int{26521, 26522, 26520, 9600}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := LoadOptions{Env: map[string]string{}}
			for k, v := range c.env {
				opts.Env[k] = v
			}
			for i, content := range c.files {
				path := writeFile(t, dir, []string{"config/application.yaml", "extra/override.yaml"}[min(i, 1)], content)
				if i == 0 {
					opts.Files = []string{path}
				} else {
					opts.Env[additionalLocationEnv] = path
				}
			}
			v, err := LoadValues(context.Background(), opts)
			if err != nil {
				t.Fatalf("%s: LoadValues: %v", c.cite, err)
			}
			b, err := v.Broker()
			if err != nil {
				t.Fatalf("%s: Broker: %v", c.cite, err)
			}
			if got, want := c.check(b); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %v, want %v", c.cite, got, want)
			}
		})
	}
}

// Health and readiness are on management.server.port from 8.5; 8.0–8.4 have no separate
// management server and serve them on server.port, whose default there is 9600 (note §6, §7:
// MonitoringRestController on server.port=9600; BrokerHealthRoutes on management.server.port).
func TestHealthPortCases(t *testing.T) {
	for _, c := range []struct {
		version string
		env     map[string]string
		want    int
	}{
		{"8.4.9", nil, 9600},
		{"8.4.9", map[string]string{"SERVER_PORT": "19600", "MANAGEMENT_SERVER_PORT": "29600"}, 19600},
		{"8.3.0", map[string]string{"MANAGEMENT_SERVER_PORT": "29600"}, 9600},
		{"8.5.0", nil, 9600},
		{"8.5.3", map[string]string{"SERVER_PORT": "18080", "MANAGEMENT_SERVER_PORT": "29600"}, 29600},
		{"8.8.2", map[string]string{"SERVER_PORT": "18080"}, 9600},
	} {
		v, err := LoadValues(context.Background(), LoadOptions{Env: c.env})
		if err != nil {
			t.Fatal(err)
		}
		b, err := v.Broker()
		if err != nil {
			t.Fatal(err)
		}
		if got := b.HealthPort(zeebe.MustVersion(c.version)); got != c.want {
			t.Errorf("%s with %v: health port %d, want %d", c.version, c.env, got, c.want)
		}
	}
}
