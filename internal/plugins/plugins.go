// Package plugins lists the storage backends and host kinds of this build: one line each. The
// tool (cmd/zeebe-backup) and the end-to-end tests' build (internal/e2e/zbtest) both take their
// plugins from All, so that both always accept the same locations and hosts.
//
// Adding a storage backend or a host kind is its package (with a Backend or Kind function and
// the conformance suite, storagetest or hosttest, run against it) and one line below.
package plugins

import (
	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/azblob"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
)

// All returns the registries of every storage backend and host kind this build has.
func All() cli.Plugins {
	return cli.Plugins{
		Stores: storage.NewRegistry(
			local.Backend(),
			s3.Backend(),
			azblob.Backend(),
			gcs.Backend(),
		),
		Hosts: broker.NewRegistry(
			broker.LocalKind(),
		),
	}
}
