#!/usr/bin/env bash
# verify --deep against plain decompression: three brokers' data folders in Zeebe's format
# (written by the simulator's generator, about BENCH_SIZE each), archived into a repository as a
# backup, then timed: 'zstd -dc' of the three archives to /dev/null, and
# 'zeebe-backup verify --deep' (checksums plus every Zeebe check, nothing written to disk).
# The target: verify --deep at more than half of zstd -dc's speed. Medians of ROUNDS.
#
#   scripts/bench-verify.sh                     # 1 GiB per broker, 3 rounds
#   BENCH_SIZE=256MiB ROUNDS=5 scripts/bench-verify.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${BENCH_SIZE:-1GiB}
ROUNDS=${ROUNDS:-3}
WORK=${BENCH_DIR:-$PWD/.bench}/verify-$SIZE
go build -o bin/ ./cmd/zeebe-backup ./cmd/zb-testdata

repo="$WORK/repo"
folder="$repo/zeebe-backup-bench"
if [ ! -f "$folder/manifest.json" ]; then
	rm -rf "$WORK"
	mkdir -p "$folder"
	for n in 0 1 2; do
		echo "writing broker $n's data ($SIZE)" >&2
		bin/zb-testdata zeebe -size "$SIZE" -node "$n" "$WORK/data-$n"
		bin/zeebe-backup archive create -q --json "$WORK/data-$n" "$folder/zeebe-broker-$n-data.tar.zst" >"$WORK/summary-$n.json"
		printf 'zeebe:\n  broker:\n    cluster: {nodeId: %d, clusterSize: 3, partitionsCount: 3, replicationFactor: 3}\n' "$n" >"$folder/zeebe-broker-$n-config.yml"
	done
	python3 - "$WORK" "$folder" <<'PY'
import hashlib, json, os, sys
work, folder = sys.argv[1:]
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()
brokers = []
for n in range(3):
    s = json.load(open(f"{work}/summary-{n}.json"))
    idx = f"{folder}/zeebe-broker-{n}-index.json"
    json.dump(s["entries"], open(idx, "w"))
    arch, cfg = f"zeebe-broker-{n}-data.tar.zst", f"zeebe-broker-{n}-config.yml"
    brokers.append({"nodeId": n, "host": "local", "dataDir": f"{work}/data-{n}", "config": cfg, "configPath": cfg,
        "configSha256": sha(f"{folder}/{cfg}"), "archive": arch, "archiveSize": os.path.getsize(f"{folder}/{arch}"),
        "archiveSha256": s["sha256"], "index": os.path.basename(idx), "indexSha256": sha(idx),
        "files": s["files"], "dirs": s["dirs"], "symlinks": s["symlinks"], "hardLinks": s["hardLinks"], "bytes": s["bytes"]})
m = {"formatVersion": 1, "toolVersion": "bench", "id": "bench", "zeebeVersion": "8.5.3", "versionSource": "data",
     "cluster": {"clusterSize": 3, "partitionsCount": 3, "replicationFactor": 3}, "compression": "zstd",
     "times": {"stopRequested": "2026-01-01T00:00:00Z", "allDown": "2026-01-01T00:00:00Z", "dataCaptured": "2026-01-01T00:00:00Z",
               "started": "2026-01-01T00:00:00Z", "committed": "2026-01-01T00:00:00Z"}, "downtimeMs": 0, "brokers": brokers}
json.dump(m, open(f"{folder}/manifest.json", "w"), indent=2)
PY
fi
archives=("$folder"/zeebe-broker-*-data.tar.zst)
cat "${archives[@]}" >/dev/null
bytes=$(cat "${archives[@]}" | wc -c)
data=$(python3 -c 'import json,sys; print(sum(b["bytes"] for b in json.load(open(sys.argv[1]))["brokers"]))' "$folder/manifest.json")

t_zstd="" t_ours=""
for r in $(seq "$ROUNDS"); do
	echo "round $r of $ROUNDS" >&2
	t_zstd+="$( { /usr/bin/time -f '%e' zstd -dc "${archives[@]}" >/dev/null; } 2>&1 | tail -1) "
	t_ours+="$( { /usr/bin/time -f '%e %M' bin/zeebe-backup verify --deep -q bench --repo "$repo" >/dev/null; } 2>&1 | tail -1 | cut -d' ' -f1) "
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
z=$(echo "$t_zstd" | median)
o=$(echo "$t_ours" | median)
printf '\n3 archives: %s bytes stored, %s bytes of data; medians of %s rounds\n' "$bytes" "$data" "$ROUNDS"
printf '%-46s %7s s  %6.0f MiB/s of data\n' "zstd -dc (3 archives) > /dev/null" "$z" "$(awk -v b="$data" -v t="$z" 'BEGIN{print b/t/1048576}')"
printf '%-46s %7s s  %6.0f MiB/s of data\n' "zeebe-backup verify --deep" "$o" "$(awk -v b="$data" -v t="$o" 'BEGIN{print b/t/1048576}')"
ratio=$(awk -v z="$z" -v o="$o" 'BEGIN{printf "%.2f", z/o}')
ok=PASS
awk -v r="$ratio" 'BEGIN{exit !(r > 0.5)}' || ok=BELOW
printf 'verify --deep speed / zstd -dc speed: %s (target > 0.5)  %s\n' "$ratio" "$ok"
[ "$ok" = PASS ]
