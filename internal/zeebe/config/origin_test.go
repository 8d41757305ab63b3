package config

import "testing"

// Origin names the key and source that give each setting its effective value, as Broker reads
// it: the environment over the file, camunda.* over the legacy key, a blank value as the
// default, and portOffset for the ports it shifts.
func TestOrigin(t *testing.T) {
	v := load(t, LoadOptions{
		Inline: []Inline{{Name: "/etc/zeebe/application.yaml", Data: []byte(`
server: {port: 8081}
management: {server: {port: 9601}}
camunda: {cluster: {node-id: 1}}
zeebe:
  broker:
    cluster: {nodeId: 2, clusterSize: 3, partitionsCount: ""}
    network: {portOffset: 1, internalApi: {port: 26602}}
`)}},
		Env: map[string]string{"MANAGEMENT_SERVER_PORT": "22002", "ZEEBE_BROKER_GATEWAY_NETWORK_PORT": "26600"},
	})
	for name, want := range map[string]string{
		ManagementPort:  "environment variable MANAGEMENT_SERVER_PORT",
		RESTPort:        "server.port in /etc/zeebe/application.yaml",
		NodeID:          "camunda.cluster.node-id in /etc/zeebe/application.yaml",
		ClusterSize:     "zeebe.broker.cluster.clusterSize in /etc/zeebe/application.yaml",
		PartitionsCount: "default",
		DataDirectory:   "default",
		GatewayPort:     "environment variable ZEEBE_BROKER_GATEWAY_NETWORK_PORT, shifted by 10×portOffset (zeebe.broker.network.portOffset in /etc/zeebe/application.yaml)",
		InternalAPIPort: "zeebe.broker.network.internalApi.port in /etc/zeebe/application.yaml, shifted by 10×portOffset (zeebe.broker.network.portOffset in /etc/zeebe/application.yaml)",
		CommandAPIPort:  "default, shifted by 10×portOffset (zeebe.broker.network.portOffset in /etc/zeebe/application.yaml)",
	} {
		o, err := v.Origin(name)
		if err != nil || o.String() != want {
			t.Errorf("Origin(%s) = %q, %v; want %q", name, o, err, want)
		}
	}
	b, err := v.Broker()
	if err != nil {
		t.Fatal(err)
	}
	if b.ManagementPort != 22002 || b.RESTPort != 8081 || b.NodeID != 1 || b.GatewayPort != 26610 || b.InternalAPIPort != 26612 {
		t.Errorf("Broker disagrees with Origin: %+v", b)
	}
	if _, err := v.Origin("zeebe.broker.nope"); err == nil {
		t.Error("Origin of an unknown setting: no error")
	}
}
