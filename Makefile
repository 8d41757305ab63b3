# The project's commands. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
TOOLS_DIR ?= $(HOME)/.cache/zeebe-backup/tools
STATICCHECK := $(TOOLS_DIR)/staticcheck-v0.8.2/staticcheck
# The storage servers the tests start (MinIO, fake-gcs-server, Azurite); scripts/install-deps.sh
# installs them there and writes servers.env, which internal/storage/testserver reads.
SERVERS_DIR ?= $(HOME)/.cache/zeebe-backup/servers
export TOOLS_DIR SERVERS_DIR
# The version stamped into the binaries: the commit (and "-dirty" for uncommitted changes).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/zeebe-backup/zeebe-backup/internal/cli.Version=$(VERSION)

.PHONY: test deps vet lint build demo bench bench-go

## test: install what the tests need, then vet, lint and run every test (with the race detector)
test: deps vet lint
	go test -race -count=1 -timeout 25m ./...

deps:
	@./scripts/install-deps.sh

vet:
	go vet ./...

lint: deps
	$(STATICCHECK) ./...

build:
	go build -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

## demo: the main job on a built-in default
demo: build
	./scripts/demo.sh

## bench: the archive benchmark against tar | zstd -1 and tar czf, on about 1 GiB of mixed data;
## then a 3 x BENCH_SIZE (1 GiB) backup to a local MinIO against the same to a local folder
bench: deps build
	./scripts/bench-archive.sh
	./scripts/bench-remote.sh

## bench-go: the Go benchmarks
bench-go:
	go test -run '^$$' -bench . -benchtime 3x ./...
