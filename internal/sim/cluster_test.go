package sim_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/gateway"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

func TestMain(m *testing.M) { simtest.Main(m) }

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// Three simulators on loopback form a cluster that the REST API and a real Zeebe Go client see
// as 3 brokers, every partition with a leader, all healthy; SIGTERM stops each as Zeebe does.
func TestThreeBrokersFormACluster(t *testing.T) {
	c := simtest.NewCluster(t, t.TempDir(), simtest.Options{})
	c.Start(t)

	var topo gateway.Topology
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code := getJSON(t, "http://127.0.0.1:"+strconv.Itoa(c.Brokers[1].RESTPort)+"/v2/topology", &topo); code != http.StatusOK {
			t.Fatalf("/v2/topology answered %d", code)
		}
		if zeebe.Healthy(topo, "8.5.3") == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := zeebe.Healthy(topo, "8.5.3"); err != nil {
		t.Fatalf("REST topology: %v", err)
	}

	t.Setenv("ZEEBE_ADDRESS", "")
	client, err := zbc.NewClient(&zbc.ClientConfig{GatewayAddress: c.Brokers[0].GatewayAddress(), UsePlaintextConnection: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := client.NewTopologyCommand().Send(ctx)
	if err != nil {
		t.Fatalf("Topology through the Zeebe Go client: %v", err)
	}
	if len(resp.Brokers) != 3 || resp.ClusterSize != 3 || resp.PartitionsCount != 3 || resp.ReplicationFactor != 3 {
		t.Fatalf("gRPC topology: %d brokers, size %d, %d partitions, RF %d", len(resp.Brokers), resp.ClusterSize, resp.PartitionsCount, resp.ReplicationFactor)
	}
	leaders := map[int32]int{}
	for _, b := range resp.Brokers {
		if b.Version != "8.5.3" {
			t.Errorf("broker %d reports version %q", b.NodeId, b.Version)
		}
		for _, p := range b.Partitions {
			if p.Role.String() == "LEADER" {
				leaders[p.PartitionId]++
			}
			if p.Health.String() != "HEALTHY" {
				t.Errorf("broker %d partition %d is %s", b.NodeId, p.PartitionId, p.Health)
			}
		}
	}
	for p := int32(1); p <= 3; p++ {
		if leaders[p] != 1 {
			t.Errorf("partition %d has %d leaders", p, leaders[p])
		}
	}

	// Readiness endpoints as Zeebe 8.5+ serves them.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noRedirect.Get(c.Brokers[0].ManagementURL() + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/actuator/health/readiness" {
		t.Errorf("/ready answered %d to %q", r.StatusCode, r.Header.Get("Location"))
	}

	// A broker that is down is absent, and its partitions move.
	c.Brokers[2].Stop(t)
	getJSON(t, "http://127.0.0.1:"+strconv.Itoa(c.Brokers[0].RESTPort)+"/v2/topology", &topo)
	if len(topo.Brokers) != 2 || zeebe.Healthy(topo, "") == nil {
		t.Errorf("with broker 2 down the topology has %d brokers and is healthy: %+v", len(topo.Brokers), topo)
	}

	c.Stop(t)
	for _, b := range c.Brokers {
		if !strings.Contains(b.Log(), "Broker shut down.") {
			t.Errorf("broker %d did not log 'Broker shut down.':\n%s", b.NodeID, b.Log())
		}
		runtimes, _ := filepath.Glob(filepath.Join(b.DataDir, "raft-partition", "partitions", "*", "runtime"))
		if len(runtimes) > 0 {
			t.Errorf("broker %d left %v after a clean stop", b.NodeID, runtimes)
		}
		if _, err := os.Stat(b.PositionsFile()); err != nil {
			t.Errorf("broker %d wrote no positions file: %v", b.NodeID, err)
		}
	}
}

// The data folder a stopped broker leaves is Zeebe's, checked with the format reader.
func TestDataFolderAfterACleanStop(t *testing.T) {
	for _, tc := range []struct{ version, segmentSize string }{
		{"8.5.3", ""}, {"8.5.4", "32KB"}, {"8.6.2", ""}, {"8.8.1", "32KB"},
	} {
		version := tc.version
		t.Run(version+"/"+cmp.Or(tc.segmentSize, "1MB"), func(t *testing.T) {
			c := simtest.NewCluster(t, t.TempDir(), simtest.Options{Brokers: 1, Partitions: 2, Replication: 1, Version: version, SnapshotPeriod: "300ms", SegmentSize: tc.segmentSize})
			b := c.Brokers[0]
			b.Start(t)
			b.WaitReady(t, 10*time.Second)
			time.Sleep(1200 * time.Millisecond)
			b.Stop(t)
			checkDataFolder(t, b.DataDir, zeebe.MustVersion(version), b.StoppedPositions(t).Partitions)
		})
	}
}

func checkDataFolder(t *testing.T, data string, v zeebe.Version, positions map[int]sim.Positions) {
	t.Helper()
	l, _ := zeebe.LayoutOf(v)
	if l.TopologyMeta {
		raw, err := os.ReadFile(filepath.Join(data, zeebe.TopologyMetaFile))
		if err != nil {
			t.Fatal(err)
		}
		topo, err := zeebe.ParseTopologyMeta(raw)
		if err != nil || len(topo.Members) != 1 || len(topo.Members[0].Partitions) != 2 {
			t.Fatalf(".topology.meta: %+v, %v", topo, err)
		}
		if l.ClusterID != (topo.ClusterID != "") {
			t.Errorf(".topology.meta cluster id %q for %s", topo.ClusterID, v)
		}
	}
	for p := 1; p <= 2; p++ {
		name := zeebe.JournalName("raft-partition", p)
		dir := filepath.Join(data, "raft-partition", "partitions", strconv.Itoa(p))
		if lock, err := os.ReadFile(filepath.Join(dir, "."+name+".lock")); err != nil || string(lock) != "0" {
			t.Errorf("partition %d lock file: %q, %v", p, lock, err)
		}
		metaRaw, _ := os.ReadFile(filepath.Join(dir, name+".meta"))
		meta, err := zeebe.ParseMeta(metaRaw)
		if err != nil {
			t.Fatalf("partition %d .meta: %v", p, err)
		}
		if len(metaRaw) != zeebe.MetaFileSize || meta.SchemaVersion != uint16(l.RaftSchema) {
			t.Errorf("partition %d .meta: %d bytes, schema %d", p, len(metaRaw), meta.SchemaVersion)
		}
		confRaw, _ := os.ReadFile(filepath.Join(dir, name+".conf"))
		conf, err := zeebe.ParseConf(confRaw)
		if err != nil || len(conf.NewMembers) != 1 || conf.NewMembers[0].ID != "0" {
			t.Errorf("partition %d .conf: %+v, %v", p, conf, err)
		}
		j, err := zeebe.ReadJournal(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		// The next start deletes the segment prepared ahead, if there is one, and nothing else.
		repair, err := j.Check(meta.LastFlushedIndex)
		if err != nil || !repair.OnlyPrepared(j) {
			t.Fatalf("partition %d journal after a clean stop: repair %+v, %v", p, repair, err)
		}
		if meta.LastFlushedIndex != j.LastIndex() {
			t.Errorf("partition %d: flushed index %d, last index %d after a clean stop", p, meta.LastFlushedIndex, j.LastIndex())
		}
		if j.BrokerVersion != (zeebe.Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch}) {
			t.Errorf("partition %d: records carry broker version %s, want %s", p, j.BrokerVersion, v)
		}
		// The next segment is prepared only on a roll (§2.5 step 7): after this single run from
		// an empty folder, exactly when the journal is past its first segment file.
		used := j.Segments[len(j.Segments)-1]
		prepared := used.Prepared
		if prepared {
			used = j.Segments[len(j.Segments)-2]
		}
		if rolled := used.FileID > 1; prepared != rolled {
			t.Errorf("partition %d: prepared segment present %v, but the journal rolled over %v (last used segment %s)", p, prepared, rolled, used.Path)
		}
		for _, s := range j.Segments[:len(j.Segments)-1] {
			if s.Prepared {
				t.Errorf("partition %d: %s is all zeros but is not the last segment", p, s.Path)
			}
		}
		pos := positions[p]
		if pos.LastWrittenIndex != j.LastIndex() {
			t.Errorf("partition %d: reported last index %d, journal ends at %d", p, pos.LastWrittenIndex, j.LastIndex())
		}
		checkSnapshot(t, dir, l, j)
	}
}

func checkSnapshot(t *testing.T, dir string, l zeebe.Layout, j *zeebe.Journal) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(dir, "snapshots"))
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".checksum"); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 || len(entries) != 2 {
		t.Fatalf("%s: want one committed snapshot and nothing else, got %v", dir, entries)
	}
	id, err := zeebe.ParseSnapshotID(ids[0])
	if err != nil || id.Parts != l.SnapshotIDParts {
		t.Fatalf("snapshot id %q: %+v, %v", ids[0], id, err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "snapshots", ids[0]+".checksum"))
	sfv, err := zeebe.ParseSFV(raw)
	if err != nil || sfv.HasCombined != l.CombinedChecksum {
		t.Fatalf("checksum file: combined %v for %s, %v", sfv.HasCombined, l.Version, err)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "snapshots", ids[0]))
	crcs := map[string]uint32{}
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, "snapshots", ids[0], f.Name()))
		crcs[f.Name()] = zeebe.CRC32C(b)
		if f.Name() == zeebe.MetadataFile {
			m, err := zeebe.ParseSnapshotMetadata(b)
			if err != nil || m.ProcessedPosition != id.ProcessedPosition {
				t.Errorf("zeebe.metadata %+v does not match id %s: %v", m, ids[0], err)
			}
		}
	}
	if len(crcs) != len(sfv.Files) {
		t.Errorf("snapshot has %d files, the checksum file lists %d", len(crcs), len(sfv.Files))
	}
	for name, crc := range sfv.Files {
		if crcs[name] != crc {
			t.Errorf("snapshot file %s: CRC %x, checksum file says %x", name, crcs[name], crc)
		}
	}
	if l.SnapshotIDParts == 6 && id.Checksum != zeebe.SnapshotIDChecksum(crcs) {
		t.Errorf("snapshot id checksum %x, files give %x", id.Checksum, zeebe.SnapshotIDChecksum(crcs))
	}
	if first := j.FirstIndex(); first != 1 && id.Index+1 < first {
		t.Errorf("snapshot index %d and log first index %d are inconsistent", id.Index, first)
	}
	if e, ok := j.Entry(id.Index); ok && e.Term != id.Term {
		t.Errorf("snapshot term %d, entry %d has term %d", id.Term, id.Index, e.Term)
	}
}

// 8.3 and 8.4 have no separate management server: health is served on server.port (default
// 9600 there) by MonitoringRestController, /ready, /health and /startup answering 204 or 503,
// with no redirect (§6, §7); 8.5+ serves them on management.server.port, redirecting with 301.
func TestHealthPortByVersion(t *testing.T) {
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		version          string
		healthOnServer   bool // health on server.port, nothing on management.server.port
		wantReady        int
		wantRESTTopology bool
	}{
		{"8.3.13", true, http.StatusNoContent, false},
		{"8.4.9", true, http.StatusNoContent, false},
		{"8.5.3", false, http.StatusMovedPermanently, true},
	} {
		t.Run(c.version, func(t *testing.T) {
			cl := simtest.NewCluster(t, t.TempDir(), simtest.Options{Brokers: 1, Partitions: 1, Replication: 1, Version: c.version})
			b := cl.Brokers[0]
			b.Start(t)
			b.WaitReady(t, 10*time.Second)
			server := "http://127.0.0.1:" + strconv.Itoa(b.RESTPort)
			management := "http://127.0.0.1:" + strconv.Itoa(b.ManagementPort)
			health := management
			if c.healthOnServer {
				health = server
				if _, err := http.Get(management + "/ready"); err == nil {
					t.Errorf("%s answers on management.server.port %d, which 8.3/8.4 do not have", c.version, b.ManagementPort)
				}
			}
			if b.ManagementURL() != health {
				t.Errorf("simtest ManagementURL %s, want %s", b.ManagementURL(), health)
			}
			for _, path := range []string{"/ready", "/health", "/startup"} {
				r, err := noRedirect.Get(health + path)
				if err != nil {
					t.Fatalf("%s%s: %v", health, path, err)
				}
				r.Body.Close()
				if r.StatusCode != c.wantReady {
					t.Errorf("%s%s answered %d, want %d", health, path, r.StatusCode, c.wantReady)
				}
			}
			var topo gateway.Topology
			if code := getJSON(t, server+"/v2/topology", &topo); (code == http.StatusOK) != c.wantRESTTopology {
				t.Errorf("%s/v2/topology answered %d; REST topology wanted: %v", server, code, c.wantRESTTopology)
			}
			b.Stop(t)
		})
	}
}
