#!/usr/bin/env bash
# The demo of what zeebe-backup does today: archive a data folder shaped like a Zeebe broker's
# (journal segments with zero-filled tails, a RocksDB snapshot hard-linked into runtime/), show
# that plain GNU tar reads the archive, extract it, and prove the copy exact.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/ ./cmd/zeebe-backup ./cmd/zb-testdata

work=$(mktemp -d -t zeebe-backup-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
data="$work/broker-0/data"

step() { printf '\n== %s\n' "$*"; }
step "a data folder shaped like a Zeebe broker's (64 MiB of mixed data)"
bin/zb-testdata mixed -size 64MiB -seed 42 "$data"
find "$data" -maxdepth 4 | sed "s|$work/||" >"$work/listing"
head -12 "$work/listing"

step "archive it (zstd, hard links kept as links)"
bin/zeebe-backup archive create "$data" "$work/zeebe-broker-0-data.tar.zst"

step "plain GNU tar reads it: the first entries"
tar -tvf "$work/zeebe-broker-0-data.tar.zst" >"$work/listing"
head -8 "$work/listing"

step "extract it into an absent folder"
bin/zeebe-backup archive extract "$work/zeebe-broker-0-data.tar.zst" "$work/restored"

step "the copy is exact"
bin/zb-testdata compare "$data" "$work/restored"

step "a hostile archive is refused and leaves nothing behind"
printf 'evil' > "$work/evil"
tar -C "$work" -cf "$work/hostile.tar" --transform 's|^|../|' evil
if bin/zeebe-backup archive extract "$work/hostile.tar" "$work/target"; then
	echo "the hostile archive was extracted: this is a bug" >&2
	exit 1
fi
[ ! -e "$work/target" ] && echo "target folder absent, as before"
