#!/usr/bin/env bash
# Installs what the tests and benchmarks need, once: Debian packages with apt-get, Go tools and
# the storage servers the remote-backend tests start (MinIO, fake-gcs-server, Azurite), built
# through the module proxy or installed from npm into a versioned cache, so that a second run is
# fast. Every version is pinned here, and only here.
set -euo pipefail

TOOLS_DIR=${TOOLS_DIR:-$HOME/.cache/zeebe-backup/tools}
SERVERS_DIR=${SERVERS_DIR:-$HOME/.cache/zeebe-backup/servers}
STATICCHECK_VERSION=v0.8.2                            # staticcheck 2026.2.2
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c       # github.com/minio/minio (the S3 server)
FAKE_GCS_VERSION=v1.56.1                              # github.com/fsouza/fake-gcs-server
AZURITE_VERSION=3.37.0                                # npm azurite (Azure Blob emulator)

# Debian packages, by the command each provides.
declare -A packages=(
	[bsdtar]=libarchive-tools # interop tests: archives made and read by bsdtar
	[zstd]=zstd               # interop tests and benchmarks
	[gzip]=gzip
	[tar]=tar # GNU tar
	[mkfs.ext4]=e2fsprogs # e2e: data folders that are mount points (mkfs.ext4, chattr)
	[chattr]=e2fsprogs
	[node]=nodejs # Azurite (3.37 asks for node >= 22 and runs on the machine's 20)
	[npm]=npm
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

# The storage servers, each built or installed once per version into
# $SERVERS_DIR/<name>-<version>/. A build goes to a temporary folder first and is renamed into
# place when complete, so an interrupted run never leaves a half-installed server behind.
# go_server NAME VERSION PACKAGE [NOTE]: `go install PACKAGE@VERSION` into $SERVERS_DIR/NAME-VERSION.
go_server() {
	local name=$1 version=$2 pkg=$3 note=${4:-}
	local dir="$SERVERS_DIR/$name-$version"
	[ -x "$dir/$name" ] && return 0
	echo "building $name $version ($pkg) into $dir${note:+ ($note)}" >&2
	mkdir -p "$SERVERS_DIR"
	local tmp
	tmp=$(mktemp -d "$SERVERS_DIR/.$name-$version.XXXXXX")
	local start=$SECONDS
	if ! GOBIN="$tmp" go install "$pkg@$version"; then
		rm -rf "$tmp"
		echo "install-deps: building $name $version failed" >&2
		return 1
	fi
	[ -x "$tmp/$name" ] || { echo "install-deps: $pkg built no $name binary" >&2; rm -rf "$tmp"; return 1; }
	rm -rf "$dir" && mv "$tmp" "$dir"
	echo "built $name $version in $((SECONDS - start))s" >&2
}
go_server minio "$MINIO_VERSION" github.com/minio/minio "once per version; about 17 minutes on a busy 2-core machine"
go_server fake-gcs-server "$FAKE_GCS_VERSION" github.com/fsouza/fake-gcs-server

azurite_dir="$SERVERS_DIR/azurite-$AZURITE_VERSION"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ]; then
	command -v node >/dev/null && command -v npm >/dev/null || {
		echo "install-deps: Azurite needs node and npm (Debian: apt-get install nodejs npm)" >&2
		exit 1
	}
	echo "installing azurite $AZURITE_VERSION (npm) into $azurite_dir" >&2
	mkdir -p "$SERVERS_DIR"
	tmp=$(mktemp -d "$SERVERS_DIR/.azurite-$AZURITE_VERSION.XXXXXX")
	start=$SECONDS
	if ! npm install --prefix "$tmp" --save-exact --no-audit --no-fund --loglevel=error \
		"azurite@$AZURITE_VERSION" >&2; then
		rm -rf "$tmp"
		echo "install-deps: installing azurite $AZURITE_VERSION failed" >&2
		exit 1
	fi
	rm -rf "$azurite_dir" && mv "$tmp" "$azurite_dir"
	echo "installed azurite $AZURITE_VERSION in $((SECONDS - start))s" >&2
fi

# The paths the tests use (internal/storage/testserver reads this file): rewritten on every run,
# so it always names the versions pinned above.
env_file="$SERVERS_DIR/servers.env"
cat >"$env_file.tmp" <<ENV
# Written by scripts/install-deps.sh; read by internal/storage/testserver.
MINIO=$SERVERS_DIR/minio-$MINIO_VERSION/minio
FAKE_GCS_SERVER=$SERVERS_DIR/fake-gcs-server-$FAKE_GCS_VERSION/fake-gcs-server
AZURITE_BLOB=$azurite_dir/node_modules/.bin/azurite-blob
ENV
mv "$env_file.tmp" "$env_file"
