package config

import (
	"fmt"
	"strings"
)

// Names of the settings Broker resolves, as messages and records name them: the ≤ 8.7 key.
const (
	NodeID            = "zeebe.broker.cluster.nodeId"
	ClusterSize       = "zeebe.broker.cluster.clusterSize"
	PartitionsCount   = "zeebe.broker.cluster.partitionsCount"
	ReplicationFactor = "zeebe.broker.cluster.replicationFactor"
	ClusterName       = "zeebe.broker.cluster.clusterName"
	DataDirectory     = "zeebe.broker.data.directory"
	AdvertisedHost    = "zeebe.broker.network.advertisedHost"
	CommandAPIPort    = "zeebe.broker.network.commandApi.port"
	InternalAPIPort   = "zeebe.broker.network.internalApi.port"
	GatewayPort       = "zeebe.broker.gateway.network.port"
	ManagementPort    = "management.server.port"
	RESTPort          = "server.port"
)

// settingKeys are the keys of each named setting in precedence order, as Broker reads them.
var settingKeys = map[string][]string{
	NodeID: keysNodeID, ClusterSize: keysClusterSize, PartitionsCount: keysPartitions,
	ReplicationFactor: keysReplication, ClusterName: keysClusterName, DataDirectory: keysDataDir,
	AdvertisedHost: append(append([]string{}, keysAdvertised...), keysHost...),
	CommandAPIPort: keysCommandPort, InternalAPIPort: keysInternalPort, GatewayPort: keysGatewayPort,
	ManagementPort: keysManagement, RESTPort: keysREST,
}

// offsetPorts are shifted by 10×portOffset.
var offsetPorts = map[string]bool{CommandAPIPort: true, InternalAPIPort: true, GatewayPort: true}

// Origin says where the value of a named setting came from.
type Origin struct {
	Key    string // the key that was set; for a default, the setting's name
	Source string // a file path (or an inline configuration's name), "environment variable NAME", or "default"
	Shift  string // for a port shifted by portOffset: where portOffset is set; "" otherwise
}

// String says it for messages: "environment variable SERVER_PORT", "server.port in
// /etc/zeebe/application.yaml", "default".
func (o Origin) String() string {
	s := o.Source
	if s != "default" && !strings.HasPrefix(s, "environment variable ") {
		s = fmt.Sprintf("%s in %s", o.Key, s)
	}
	if o.Shift != "" {
		s += ", shifted by 10×portOffset (" + o.Shift + ")"
	}
	return s
}

// Origin returns where a named setting (NodeID, ManagementPort, …) gets its value: the first
// of its keys that is set, with its source, or "default". A blank value counts as the default,
// as Broker reads it. For the ports portOffset shifts, a set portOffset is named too.
func (v *Values) Origin(name string) (Origin, error) {
	keys, ok := settingKeys[name]
	if !ok {
		return Origin{}, fmt.Errorf("no setting %q", name)
	}
	o := Origin{Key: name, Source: "default"}
	if s, set := v.pick(keys...); set && !isBlank(s.value) {
		o = Origin{Key: s.key, Source: s.source}
	}
	if offsetPorts[name] {
		if s, set := v.pick(keysPortOffset...); set && !isBlank(s.value) {
			o.Shift = Origin{Key: s.key, Source: s.source}.String()
		}
	}
	return o, nil
}
