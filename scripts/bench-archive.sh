#!/usr/bin/env bash
# Compares zeebe-backup's archive engine with the tools an operator would use by hand, on the
# same tree of mixed data (incompressible SST-like files, compressible record-like journal
# segments, zero-filled preallocated tails, hard links), and prints the ratios.
#
#   scripts/bench-archive.sh            # about 1 GiB, 3 rounds (make bench)
#   BENCH_SIZE=4GiB ROUNDS=5 scripts/bench-archive.sh
#
# Every command reads the tree from the page cache (it is read once before the rounds) and
# writes its archive to a file without fsync, so archiving is compared like for like.
# Extraction: zeebe-backup syncs everything to disk before it reports success; "tar -x" does
# not, so it is shown both as it is and followed by "sync -f". Figures are medians of ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${BENCH_SIZE:-1GiB}
ROUNDS=${ROUNDS:-3}
WORK=${BENCH_DIR:-$PWD/.bench}
ZB=bin/zeebe-backup

for cmd in tar zstd gzip /usr/bin/time; do
	command -v "$cmd" >/dev/null || { echo "missing $cmd: run 'make deps'" >&2; exit 2; }
done
go build -o bin/ ./cmd/zeebe-backup ./cmd/zb-testdata

src="$WORK/data-$SIZE"
if [ ! -f "$src.done" ]; then
	rm -rf "$src"
	echo "writing $SIZE of mixed data to $src" >&2
	bin/zb-testdata mixed -size "$SIZE" -seed 1 "$src"
	touch "$src.done"
fi
find "$src" -type f -exec cat {} + >/dev/null # into the page cache
bytes=$(du -sb --apparent-size "$src" | cut -f1)
out="$WORK/out"
mkdir -p "$out"

declare -A times mems
# measure NAME CMD...: runs CMD once under /usr/bin/time, records seconds and peak memory.
measure() {
	local name=$1
	shift
	sync # earlier writes must not be flushed during this one
	local t
	t=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null; } 2>&1 | tail -1)
	times[$name]+="${t%% *} "
	mems[$name]+="${t##* } "
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fresh() { rm -rf "$1"; mkdir -p "$1"; }

for round in $(seq "$ROUNDS"); do
	echo "round $round of $ROUNDS" >&2
	measure tar_zstd sh -c "tar -C '$src' -cf - . | zstd -1 -q -o '$out/ref.tar.zst' -f"
	measure ours_zstd sh -c "'$ZB' archive create -q --compression zstd '$src' - > '$out/ours.tar.zst'"
	measure tar_gzip tar -C "$src" -czf "$out/ref.tar.gz" .
	measure ours_gzip sh -c "'$ZB' archive create -q --compression gzip '$src' - > '$out/ours.tar.gz'"

	fresh "$out/x"
	measure tar_x sh -c "zstd -dc '$out/ref.tar.zst' | tar -C '$out/x' -xf -"
	fresh "$out/x"
	measure tar_x_sync sh -c "zstd -dc '$out/ref.tar.zst' | tar -C '$out/x' -xf - && sync -f '$out/x'"
	rm -rf "$out/x"
	measure ours_x "$ZB" archive extract -q "$out/ours.tar.zst" "$out/x"
	rm -rf "$out/x"
done

m() { echo "${times[$1]}" | median; }
mem() { echo "${mems[$1]}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
mbs() { awk -v s="$1" -v b="$bytes" 'BEGIN {printf "%.0f", b / s / 1048576}'; }

printf '\nmixed data: %s bytes (%s), %s rounds, medians\n\n' "$bytes" "$SIZE" "$ROUNDS"
printf '%-44s %8s %9s %10s\n' command seconds MiB/s "peak RSS"
for k in tar_zstd ours_zstd tar_gzip ours_gzip tar_x tar_x_sync ours_x; do
	label=$k
	case $k in
	tar_zstd) label="tar -c | zstd -1" ;;
	ours_zstd) label="zeebe-backup archive create (zstd)" ;;
	tar_gzip) label="tar czf" ;;
	ours_gzip) label="zeebe-backup archive create (gzip)" ;;
	tar_x) label="zstd -dc | tar -x (no sync)" ;;
	tar_x_sync) label="zstd -dc | tar -x && sync -f" ;;
	ours_x) label="zeebe-backup archive extract (synced)" ;;
	esac
	printf '%-44s %8s %9s %7s MiB\n' "$label" "$(m $k)" "$(mbs "$(m $k)")" "$(($(mem $k) / 1024))"
done

fail=0
check() { # check NAME RATIO MIN
	local ok=PASS
	awk -v r="$2" -v min="$3" 'BEGIN {exit !(r >= min)}' || { ok=BELOW; fail=1; }
	printf '%-58s %6sx  (target >= %sx)  %s\n' "$1" "$2" "$3" "$ok"
}
echo
check "zstd archiving vs tar -c | zstd -1" "$(ratio "$(m tar_zstd)" "$(m ours_zstd)")" 1
check "gzip archiving vs tar czf" "$(ratio "$(m tar_gzip)" "$(m ours_gzip)")" 3
check "extraction (synced) vs zstd -dc | tar -x (not synced)" "$(ratio "$(m tar_x)" "$(m ours_x)")" 1
check "extraction (synced) vs zstd -dc | tar -x && sync" "$(ratio "$(m tar_x_sync)" "$(m ours_x)")" 1
peak=0
for k in ours_zstd ours_gzip ours_x; do
	v=$(($(mem $k) / 1024))
	[ "$v" -gt "$peak" ] && peak=$v
done
ok=PASS
[ "$peak" -lt 200 ] || { ok=BELOW; fail=1; }
printf '%-58s %5s MiB (target < 200 MiB)  %s\n' "peak memory of zeebe-backup" "$peak" "$ok"
exit $fail
