#!/usr/bin/env bash
# A cold backup of three simulated brokers (zeebe-sim on data folders in Zeebe's format written
# by the simulator's generator, about BENCH_SIZE each) into a local folder and into a local
# MinIO (s3://, the server `make deps` installed, on 127.0.0.1), timed under /usr/bin/time -v.
# Prints each run's seconds, throughput of data and peak memory, and the ratio of the two
# throughputs. The targets: MinIO at >= 80% of the local folder's throughput; peak memory under
# 200 MiB. Medians of ROUNDS.
#
#   scripts/bench-remote.sh                       # 3 x 1 GiB, 3 rounds (make bench)
#   BENCH_SIZE=256MiB ROUNDS=1 scripts/bench-remote.sh
#
# Both runs include the stop and start of the brokers; the client and the server share this
# machine's CPUs, as they would not in production.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${BENCH_SIZE:-1GiB}
ROUNDS=${ROUNDS:-3}
WORK=${BENCH_DIR:-$PWD/.bench}/remote-$SIZE
SERVERS_DIR=${SERVERS_DIR:-$HOME/.cache/zeebe-backup/servers}
for cmd in curl /usr/bin/time; do
	command -v "$cmd" >/dev/null || { echo "missing $cmd: run 'make deps'" >&2; exit 2; }
done
[ -f "$SERVERS_DIR/servers.env" ] || { echo "$SERVERS_DIR/servers.env is missing: run 'make deps'" >&2; exit 2; }
MINIO=$(sed -n 's/^MINIO=//p' "$SERVERS_DIR/servers.env")
[ -x "$MINIO" ] || { echo "MinIO ($MINIO) is not installed: run 'make deps'" >&2; exit 2; }
go build -o bin/ ./cmd/zeebe-backup ./cmd/zeebe-sim ./cmd/zb-testdata

# The brokers' data, written once per size.
cluster="$WORK/cluster"
if [ ! -f "$WORK/data.done" ]; then
	rm -rf "$WORK"
	for n in 0 1 2; do
		echo "writing broker $n's data ($SIZE)" >&2
		bin/zb-testdata zeebe -size "$SIZE" -node "$n" "$cluster/broker-$n/data"
	done
	touch "$WORK/data.done"
fi
scripts/sim-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
scripts/sim-cluster.sh start "$cluster" >&2
pids=()
cleanup() {
	scripts/sim-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
file="$WORK/zeebe-backup.yaml"
{
	echo "repository: $WORK/repo"
	echo "brokers:"
	for n in 0 1 2; do
		printf '  - {nodeId: %d, host: local, config: %s, stop: "%s stop %s", start: "%s start %s %s", health: "http://127.0.0.1:19%d00"}\n' \
			"$n" "$cluster/broker-$n/config/application.yaml" "$PWD/scripts/sim-broker.sh" "$cluster/broker-$n" \
			"$PWD/scripts/sim-broker.sh" "$cluster/broker-$n" "$PWD/bin/zeebe-sim" "$n"
	done
} >"$file"

# MinIO on a free loopback port, its keys generated here and passed by the environment only.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID="bench$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export AWS_SECRET_ACCESS_KEY="$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export AWS_REGION=us-east-1 AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true
rm -rf "$WORK/minio"
mkdir -p "$WORK/minio"
MINIO_ROOT_USER=$AWS_ACCESS_KEY_ID MINIO_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY MINIO_BROWSER=off MINIO_UPDATE=off \
	"$MINIO" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:0" "$WORK/minio" >"$WORK/minio.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/minio/health/ready" >/dev/null && break; sleep 0.2; done
# The bucket, with a signed PUT; the keys go to curl on its standard input, not its arguments.
printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
	curl -fsS -K - --aws-sigv4 "aws:amz:us-east-1:s3" -X PUT "http://127.0.0.1:$port/bench" >/dev/null

declare -A times mems
measure() { # measure NAME REPO ID
	local t
	sync
	t=$( { /usr/bin/time -v bin/zeebe-backup backup -q --cluster "$file" --repo "$2" --id "$3" >/dev/null; } 2>&1 |
		awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]} /Maximum resident/ {m = $2} END {print s, m}')
	times[$1]+="${t%% *} "
	mems[$1]+="${t##* } "
}
rm -rf "$WORK/repo"
for round in $(seq "$ROUNDS"); do
	echo "round $round of $ROUNDS" >&2
	measure local "$WORK/repo" "local-$round"
	measure minio "s3://bench/zeebe" "minio-$round"
done

# The bytes of data the backups hold, from the last local backup's manifest.
bytes=$(bin/zeebe-backup show "local-$ROUNDS" --json --cluster "$file" --repo "$WORK/repo" |
	python3 -c 'import json, sys; print(sum(b["bytes"] for b in json.load(sys.stdin)["brokers"]))')
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m() { echo "${times[$1]}" | median; }
mem() { echo "${mems[$1]}" | median; }
mbs() { awk -v s="$1" -v b="$bytes" 'BEGIN {printf "%.0f", b / s / 1048576}'; }
printf '\n3 brokers, %s bytes of data (%s each), %s rounds, medians\n\n' "$bytes" "$SIZE" "$ROUNDS"
printf '%-44s %8s %9s %10s\n' "zeebe-backup backup to" seconds MiB/s "peak RSS"
printf '%-44s %8s %9s %7s MiB\n' "a local folder" "$(m local)" "$(mbs "$(m local)")" "$(($(mem local) / 1024))"
printf '%-44s %8s %9s %7s MiB\n' "MinIO on 127.0.0.1 (s3://)" "$(m minio)" "$(mbs "$(m minio)")" "$(($(mem minio) / 1024))"
ratio=$(awk -v l="$(m local)" -v s="$(m minio)" 'BEGIN {printf "%.2f", l / s}')
fail=0
ok=PASS
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.8)}' || { ok=BELOW; fail=1; }
printf '\n%-58s %6s  (target >= 0.80)  %s\n' "MinIO throughput / local folder throughput" "$ratio" "$ok"
peak=$(($(mem minio) / 1024))
[ $(($(mem local) / 1024)) -gt "$peak" ] && peak=$(($(mem local) / 1024))
ok=PASS
[ "$peak" -lt 200 ] || { ok=BELOW; fail=1; }
printf '%-58s %5s MiB (target < 200 MiB)  %s\n' "peak memory of zeebe-backup" "$peak" "$ok"
exit $fail
