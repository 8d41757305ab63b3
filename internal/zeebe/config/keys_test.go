package config

import "testing"

func TestCanonicalKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"zeebe.broker.cluster.nodeId", "zeebe.broker.cluster.nodeid"},
		{"zeebe.broker.cluster.node-id", "zeebe.broker.cluster.nodeid"},
		{"zeebe.broker.cluster.node_id", "zeebe.broker.cluster.nodeid"},
		{"ZEEBE.BROKER.CLUSTER.NODEID", "zeebe.broker.cluster.nodeid"},
		{"camunda.data.primary-storage.directory", "camunda.data.primarystorage.directory"},
		{"points[1]", "points.1"},
		{"a.[x.y].b", "a.x.y.b"},
		{"a..b.", "a.b"},
		{"", ""},
	} {
		if got := canonicalKey(tc.in); got != tc.want {
			t.Errorf("canonicalKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEnvKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ZEEBE_BROKER_DATA_LOGSEGMENTSIZE", canonicalKey("zeebe.broker.data.logSegmentSize")},
		{"CAMUNDA_DATA_PRIMARYSTORAGE_DIRECTORY", canonicalKey("camunda.data.primary-storage.directory")},
		{"ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS_0", "zeebe.broker.cluster.initialcontactpoints.0"},
		{"MANAGEMENT_SERVER_PORT", "management.server.port"},
		{"A__B", "a.b"},
		{"zeebe.broker.cluster.nodeId", "zeebe.broker.cluster.nodeid"},
	} {
		if got := envKey(tc.in); got != tc.want {
			t.Errorf("envKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLegacyEnvName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"zeebe.broker.data.logSegmentSize", "ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE"},
		{"camunda.data.primary-storage.directory", "CAMUNDA_DATA_PRIMARY_STORAGE_DIRECTORY"},
		{"camunda.cluster.node_id", "CAMUNDA_CLUSTER_NODE_ID"},
		{"zeebe.broker.cluster.nodeid", ""}, // no word boundaries: same as the standard name
		{"server.port", ""},
	} {
		if got := legacyEnvName(tc.in); got != tc.want {
			t.Errorf("legacyEnvName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
