#!/usr/bin/env bash
# Runs a cluster of simulated brokers (zeebe-sim, a test instrument, not Zeebe) on loopback.
#
#   scripts/sim-cluster.sh start DIR [BROKERS] [VERSION]   # default 3 brokers, Zeebe 8.5.3
#   scripts/sim-cluster.sh stop DIR                        # SIGTERM to all, as at a cold backup
#
# Broker N lives in DIR/broker-N (config/application.yaml, data/, broker.log). Ports: gateway
# 26N00 (gRPC), REST 18N80, management 19N00, command API 26N01, internal API 26N02.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,9p' "$0" >&2; exit 2; }
n=${3:-3}
version=${4:-8.5.3}

case $cmd in
start)
	go build -o bin/ ./cmd/zeebe-sim
	mkdir -p "$dir"
	contacts=""
	for i in $(seq 0 $((n - 1))); do contacts+="${contacts:+, }127.0.0.1:26${i}02"; done
	for i in $(seq 0 $((n - 1))); do
		b="$dir/broker-$i"
		mkdir -p "$b/config"
		cat >"$b/config/application.yaml" <<YAML
zeebe:
  broker:
    cluster:
      nodeId: $i
      clusterSize: $n
      partitionsCount: 3
      replicationFactor: $((n < 3 ? n : 3))
      initialContactPoints: [$contacts]
    network:
      host: 127.0.0.1
      commandApi: {port: 26${i}01}
      internalApi: {port: 26${i}02}
    gateway:
      enable: true
      network: {port: 26${i}00}
    data:
      directory: data
      logSegmentSize: 4MB
      snapshotPeriod: 5s
  sim:
    version: $version
    recordsPerSecond: 200
server:
  port: 18${i}80
management:
  server:
    port: 19${i}00
YAML
		bin=$PWD/bin/zeebe-sim
		(cd "$b" && { nohup "$bin" --config config/application.yaml >broker.log 2>&1 & echo $! >broker.pid; })
	done
	for i in $(seq 0 $((n - 1))); do
		for _ in $(seq 100); do
			curl -fs "http://127.0.0.1:19${i}00/actuator/health/readiness" >/dev/null 2>&1 && break
			sleep 0.1
		done
		curl -fs "http://127.0.0.1:19${i}00/actuator/health/readiness" >/dev/null || { echo "broker $i is not ready; see $dir/broker-$i/broker.log" >&2; exit 1; }
	done
	echo "$n brokers ready; topology: curl http://127.0.0.1:18080/v2/topology"
	;;
stop)
	for pidfile in "$dir"/broker-*/broker.pid; do
		[ -f "$pidfile" ] && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
	done
	for pidfile in "$dir"/broker-*/broker.pid; do
		pid=$(cat "$pidfile")
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
		rm -f "$pidfile"
	done
	echo "stopped"
	;;
*)
	sed -n '2,9p' "$0" >&2
	exit 2
	;;
esac
