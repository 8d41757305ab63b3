#!/usr/bin/env bash
# Installs what the tests and benchmarks need, once: Debian packages with apt-get, and Go tools
# built through the module proxy into a versioned cache, so that a second run is fast.
set -euo pipefail

TOOLS_DIR=${TOOLS_DIR:-$HOME/.cache/zeebe-backup/tools}
STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2

# Debian packages, by the command each provides.
declare -A packages=(
	[bsdtar]=libarchive-tools # interop tests: archives made and read by bsdtar
	[zstd]=zstd               # interop tests and benchmarks
	[gzip]=gzip
	[tar]=tar # GNU tar
	[mkfs.ext4]=e2fsprogs # e2e: data folders that are mount points (mkfs.ext4, chattr)
	[chattr]=e2fsprogs
)
missing=()
for cmd in "${!packages[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
[ -x /usr/bin/time ] || missing+=(time) # peak memory in the benchmark script
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing Debian packages: ${missing[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# staticcheck, built once per version.
sc="$TOOLS_DIR/staticcheck-$STATICCHECK_VERSION/staticcheck"
if [ ! -x "$sc" ]; then
	echo "building staticcheck $STATICCHECK_VERSION into $(dirname "$sc")" >&2
	GOBIN="$(dirname "$sc")" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
