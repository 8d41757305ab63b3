package sim_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/gateway"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// A cluster scaled from 3 to 6 brokers (clusterSize 3 in every configuration, brokers 3, 4, 5
// beyond it): each broker holds the partitions its .topology.meta gives it, with .conf members
// from it, and the gateway reports the topology's shape (6 brokers) with every partition led.
func TestScaledClusterFollowsTheTopology(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{Brokers: 6, ClusterSize: 3, Partitions: 6, Replication: 3, RecordsPerSecond: 100})
	c.Start(t)

	var topo gateway.Topology
	deadline := time.Now().Add(15 * time.Second)
	for {
		getJSON(t, "http://127.0.0.1:"+strconv.Itoa(c.Brokers[4].RESTPort)+"/v2/topology", &topo)
		if zeebe.Healthy(topo, "8.5.3") == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := zeebe.Healthy(topo, "8.5.3"); err != nil {
		t.Fatalf("topology of the scaled cluster: %v\n%+v", err, topo)
	}
	if topo.ClusterSize != 6 || topo.PartitionsCount != 6 || topo.ReplicationFactor != 3 {
		t.Errorf("gateway reports clusterSize %d, partitionsCount %d, replicationFactor %d; want the topology's 6, 6, 3", topo.ClusterSize, topo.PartitionsCount, topo.ReplicationFactor)
	}
	want := zeebe.Distribute(zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}, true)
	for _, b := range topo.Brokers {
		var got []int
		for _, p := range b.Partitions {
			got = append(got, p.PartitionID)
		}
		if w := zeebe.PartitionsOf(want, b.NodeID); !slices.Equal(got, w) {
			t.Errorf("gateway: broker %d holds %v, the topology gives it %v", b.NodeID, got, w)
		}
	}
	c.Stop(t)

	for _, b := range c.Brokers {
		dir := filepath.Join(b.DataDir, "raft-partition", "partitions")
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var folders []int
		for _, e := range entries {
			n, _ := strconv.Atoi(e.Name())
			folders = append(folders, n)
		}
		slices.Sort(folders)
		mine := zeebe.PartitionsOf(want, b.NodeID)
		if !slices.Equal(folders, mine) {
			t.Errorf("broker %d has partition folders %v, the topology gives it %v", b.NodeID, folders, mine)
		}
		for _, p := range mine {
			raw, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(p), zeebe.JournalName("raft-partition", p)+".conf"))
			if err != nil {
				t.Fatal(err)
			}
			conf, err := zeebe.ParseConf(raw)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for _, m := range conf.NewMembers {
				n, _ := strconv.Atoi(m.ID)
				ids = append(ids, n)
			}
			slices.Sort(ids)
			var wantIDs []int
			for _, r := range want[p] {
				wantIDs = append(wantIDs, r.NodeID)
			}
			slices.Sort(wantIDs)
			if !slices.Equal(ids, wantIDs) {
				t.Errorf("broker %d partition %d: .conf members %v, the topology's replicas %v", b.NodeID, p, ids, wantIDs)
			}
		}
		raw, err := os.ReadFile(filepath.Join(b.DataDir, zeebe.TopologyMetaFile))
		if err != nil {
			t.Fatal(err)
		}
		pt, err := zeebe.ParseTopologyMeta(raw)
		if err != nil || !slices.Equal(slices.Sorted(maps.Keys(pt.Members)), []int{0, 1, 2, 3, 4, 5}) {
			t.Errorf("broker %d: .topology.meta members %v (%v): the simulator must keep the scaled topology", b.NodeID, slices.Sorted(maps.Keys(pt.Members)), err)
		}
	}
}
