#!/usr/bin/env bash
# The main job on a built-in default: three simulated Zeebe brokers (zeebe-sim, a test
# instrument) run on this machine; zeebe-backup takes a cold backup of the cluster into a local
# repository, lists and shows it, lets the workload go on, restores the backup, and shows that
# every partition is back at the position it had at backup time.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/ ./cmd/zeebe-backup ./cmd/zeebe-sim

work=$(mktemp -d -t zeebe-backup-demo.XXXXXX)
base=${DEMO_PORT_BASE:-27000}
n=3
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
	for i in 0 1 2; do scripts/sim-broker.sh stop "$work/broker-$i" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

port() { echo $((base + 10 * $1 + $2)); } # port NODE SLOT
for i in 0 1 2; do for s in 0 1 2 3 4; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$(port $i $s)") 2>/dev/null; then
		echo "port $(port $i $s) is in use; run with DEMO_PORT_BASE=<another base>" >&2
		exit 1
	fi
done; done

step "three simulated brokers (zeebe-sim, Zeebe 8.5.3 on-disk format) in $work"
contacts=""
for i in 0 1 2; do contacts+="${contacts:+, }127.0.0.1:$(port $i 3)"; done
for i in 0 1 2; do
	mkdir -p "$work/broker-$i/config"
	cat >"$work/broker-$i/config/application.yaml" <<YAML
zeebe:
  broker:
    cluster: {nodeId: $i, clusterSize: $n, partitionsCount: 3, replicationFactor: 3, initialContactPoints: [$contacts]}
    network: {host: 127.0.0.1, commandApi: {port: $(port $i 4)}, internalApi: {port: $(port $i 3)}}
    gateway: {enable: true, network: {port: $(port $i 0)}}
    data: {directory: data, logSegmentSize: 2MB, snapshotPeriod: 2s}
  sim: {version: 8.5.3, recordsPerSecond: 300}
server: {port: $(port $i 1)}
management: {server: {port: $(port $i 2)}}
YAML
	scripts/sim-broker.sh start "$work/broker-$i" "$PWD/bin/zeebe-sim"
done

cat >"$work/zeebe-backup.yaml" <<YAML
repository: $work/repository
gateway: 127.0.0.1:$(port 0 0)
brokers:
YAML
for i in 0 1 2; do
	cat >>"$work/zeebe-backup.yaml" <<YAML
  - nodeId: $i
    host: local
    config: $work/broker-$i/config/application.yaml
    stop: {run: "$PWD/scripts/sim-broker.sh stop $work/broker-$i", timeout: 30s}
    start: {run: "$PWD/scripts/sim-broker.sh start $work/broker-$i $PWD/bin/zeebe-sim", timeout: 60s}
    health: http://127.0.0.1:$(port $i 2)
YAML
done
zb() { bin/zeebe-backup "$@" --cluster "$work/zeebe-backup.yaml"; }
for i in 0 1 2; do
	for _ in $(seq 100); do curl -fs "http://127.0.0.1:$(port $i 2)/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.1; done
done
sleep 2
step "the cluster file"
cat "$work/zeebe-backup.yaml"
step "zeebe-backup status"
zb status

step "zeebe-backup backup --id demo"
zb backup --id demo
# Each broker wrote its positions when the backup stopped it.
for i in 0 1 2; do cp "$work/broker-$i/zeebe-sim-positions-$i.json" "$work/at-backup-$i.json"; done

step "zeebe-backup list"
zb list
step "zeebe-backup show demo"
zb show demo

step "the workload goes on for 3 seconds"
sleep 3
curl -fs "http://127.0.0.1:$(port 0 2)/sim/positions" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("broker 0 now at", {p: v["processedPosition"] for p, v in r["partitions"].items()})'

step "zeebe-backup restore demo"
: >"$work/restore-mark"
for i in 0 1 2; do wc -l <"$work/broker-$i/broker.log" >"$work/log-lines-$i"; done
zb restore --yes demo

step "every partition is back at its position of backup time"
ok=1
for i in 0 1 2; do
	python3 - "$work/at-backup-$i.json" "$work/broker-$i/broker.log" "$(cat "$work/log-lines-$i")" <<'PY' || ok=0
import json, re, sys
at = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()[int(sys.argv[3]):]
recovered = {}
for line in lines:
    m = re.search(r"partition (\d+): recovered at position (\d+) \(log index (\d+)", line)
    if m:
        recovered[m.group(1)] = (int(m.group(2)), int(m.group(3)))
bad = False
for p, v in sorted(at["partitions"].items()):
    want = (v["processedPosition"], v["lastWrittenIndex"])
    got = recovered.get(p)
    mark = "ok" if got == want else "DIFFERENT"
    bad |= got != want
    print(f"broker {at['nodeId']} partition {p}: at backup position {want[0]} (index {want[1]}), after restore {got[0] if got else '?'} (index {got[1] if got else '?'})  {mark}")
sys.exit(1 if bad else 0)
PY
done
zb status
[ "$ok" = 1 ] || { echo "a partition is not back at its backup position" >&2; exit 1; }
step "done: backed up, restored, verified"
