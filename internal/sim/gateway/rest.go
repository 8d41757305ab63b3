package gateway

import (
	"encoding/json"
	"net/http"
)

// RESTHandler serves GET /v2/topology (8.6+) and GET /v1/topology (8.5) as JSON with the REST
// API's field names, e.g.
//
//	{"brokers":[{"nodeId":0,"host":"...","port":26501,"partitions":[{"partitionId":1,"role":"leader","health":"healthy"}],"version":"8.5.3"}],
//	 "clusterSize":3,"partitionsCount":3,"replicationFactor":3,"gatewayVersion":"8.5.3"}
//
// HEAD is served like GET. Other methods get 405 with an Allow header, other paths 404. An error
// from src gives 503 and an invalid topology 500, each with an application/problem+json body.
func RESTHandler(src Source) http.Handler {
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request) {
		t, err := src(r.Context())
		if err != nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "topology: "+err.Error())
			return
		}
		if err := validate(t); err != nil {
			writeProblem(w, r, http.StatusInternalServerError, "topology: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, "application/json", toREST(t))
	}
	mux.HandleFunc("GET /v1/topology", serve)
	mux.HandleFunc("GET /v2/topology", serve)
	return mux
}

type restTopology struct {
	Brokers           []restBroker `json:"brokers"`
	ClusterSize       int          `json:"clusterSize"`
	PartitionsCount   int          `json:"partitionsCount"`
	ReplicationFactor int          `json:"replicationFactor"`
	GatewayVersion    string       `json:"gatewayVersion"`
}

type restBroker struct {
	NodeID     int             `json:"nodeId"`
	Host       string          `json:"host"`
	Port       int             `json:"port"`
	Partitions []restPartition `json:"partitions"`
	Version    string          `json:"version"`
}

type restPartition struct {
	PartitionID int    `json:"partitionId"`
	Role        Role   `json:"role"`
	Health      Health `json:"health"`
}

// problem is an RFC 9457 problem detail, as the Camunda REST API answers errors.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

func toREST(t Topology) restTopology {
	out := restTopology{
		Brokers:           make([]restBroker, 0, len(t.Brokers)),
		ClusterSize:       t.ClusterSize,
		PartitionsCount:   t.PartitionsCount,
		ReplicationFactor: t.ReplicationFactor,
		GatewayVersion:    t.GatewayVersion,
	}
	for _, b := range t.Brokers {
		rb := restBroker{NodeID: b.NodeID, Host: b.Host, Port: b.Port, Version: b.Version,
			Partitions: make([]restPartition, 0, len(b.Partitions))}
		for _, p := range b.Partitions {
			rb.Partitions = append(rb.Partitions, restPartition(p))
		}
		out.Brokers = append(out.Brokers, rb)
	}
	return out
}

func writeProblem(w http.ResponseWriter, r *http.Request, code int, detail string) {
	writeJSON(w, code, "application/problem+json", problem{
		Type: "about:blank", Title: http.StatusText(code), Status: code, Detail: detail, Instance: r.URL.Path,
	})
}

// writeJSON writes v with status code. A write error can only come from the client's
// connection, after the status line is sent, so there is nobody left to tell.
func writeJSON(w http.ResponseWriter, code int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
