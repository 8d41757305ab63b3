package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// get sends method to srv+path and returns status, content type and body.
func get(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

func TestRESTTopology(t *testing.T) {
	tp := cluster(3, 3, 3, "8.5.3", 0, 2) // broker 1 down: partition 2 led by node 2
	tp.Brokers[0].Partitions[0].Health = HealthUnhealthy
	tp.Brokers[1].Partitions[2].Role = RoleInactive
	tp.Brokers[1].Partitions[2].Health = HealthDead
	tp.Brokers = append(tp.Brokers, Broker{NodeID: 5, Host: "spare", Port: 1, Version: "8.5.3"})
	srv := httptest.NewServer(RESTHandler(func(context.Context) (Topology, error) { return tp, nil }))
	defer srv.Close()
	want := `{"brokers":[
	  {"nodeId":0,"host":"zeebe-0.zeebe","port":26501,"version":"8.5.3","partitions":[
	    {"partitionId":1,"role":"leader","health":"unhealthy"},
	    {"partitionId":2,"role":"follower","health":"healthy"},
	    {"partitionId":3,"role":"follower","health":"healthy"}]},
	  {"nodeId":2,"host":"zeebe-2.zeebe","port":26501,"version":"8.5.3","partitions":[
	    {"partitionId":1,"role":"follower","health":"healthy"},
	    {"partitionId":2,"role":"leader","health":"healthy"},
	    {"partitionId":3,"role":"inactive","health":"dead"}]},
	  {"nodeId":5,"host":"spare","port":1,"version":"8.5.3","partitions":[]}],
	 "clusterSize":3,"partitionsCount":3,"replicationFactor":3,"gatewayVersion":"8.5.3"}`
	for _, path := range []string{"/v2/topology", "/v1/topology"} {
		code, h, body := get(t, http.MethodGet, srv.URL+path)
		if code != http.StatusOK || h.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d %q", path, code, h.Get("Content-Type"))
		}
		if !jsonEqual(t, body, want) {
			t.Errorf("GET %s body =\n%s\nwant\n%s", path, body, want)
		}
	}
	if code, _, _ := get(t, http.MethodHead, srv.URL+"/v2/topology"); code != http.StatusOK {
		t.Errorf("HEAD = %d, want 200", code)
	}
}

func TestRESTEmptyListsAreNotNull(t *testing.T) {
	srv := httptest.NewServer(RESTHandler(func(context.Context) (Topology, error) {
		return Topology{Shape: zeebe.Shape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1}}, nil
	}))
	defer srv.Close()
	_, _, body := get(t, http.MethodGet, srv.URL+"/v2/topology")
	want := `{"brokers":[],"clusterSize":1,"partitionsCount":1,"replicationFactor":1,"gatewayVersion":""}`
	if !jsonEqual(t, body, want) {
		t.Errorf("body = %s, want %s", body, want)
	}
}

func TestRESTErrors(t *testing.T) {
	var valid atomic.Bool
	srv := httptest.NewServer(RESTHandler(func(context.Context) (Topology, error) {
		if !valid.Load() {
			return Topology{}, errors.New("simulated outage")
		}
		return Topology{Brokers: []Broker{{Partitions: []Partition{{PartitionID: 1, Role: RoleLeader, Health: "fine"}}}}}, nil
	}))
	defer srv.Close()

	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		code, h, _ := get(t, m, srv.URL+"/v2/topology")
		if code != http.StatusMethodNotAllowed || !strings.Contains(h.Get("Allow"), "GET") {
			t.Errorf("%s = %d, Allow %q; want 405 allowing GET", m, code, h.Get("Allow"))
		}
	}
	for _, p := range []string{"/", "/v3/topology", "/v2/topology/x", "/v2/topologies", "/topology"} {
		if code, _, _ := get(t, http.MethodGet, srv.URL+p); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}

	code, h, body := get(t, http.MethodGet, srv.URL+"/v1/topology")
	want := `{"type":"about:blank","title":"Service Unavailable","status":503,
	  "detail":"topology: simulated outage","instance":"/v1/topology"}`
	if code != http.StatusServiceUnavailable || h.Get("Content-Type") != "application/problem+json" || !jsonEqual(t, body, want) {
		t.Errorf("source error: %d %q %s", code, h.Get("Content-Type"), body)
	}

	valid.Store(true)
	code, _, body = get(t, http.MethodGet, srv.URL+"/v2/topology")
	if code != http.StatusInternalServerError || !strings.Contains(body, `unknown health \"fine\"`) {
		t.Errorf("invalid health: %d %s", code, body)
	}
}
