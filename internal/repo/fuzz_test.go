package repo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// fuzzRepo is a repository holding data under key.
func fuzzRepo(t *testing.T, key string, data []byte) *repo.Repo {
	r := repo.Open(mem.New())
	if _, err := r.Store().Put(context.Background(), key, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return r
}

func sampleManifest() []byte {
	m := repo.Manifest{FormatVersion: repo.ManifestFormat, ID: "b1", Compression: "zstd",
		Cluster: repo.ClusterShape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3},
		Times:   repo.Times{StopRequested: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Brokers: []repo.BrokerRecord{{NodeID: 0, Archive: "zeebe-broker-0-data.tar.zst"}}}
	b, _ := json.Marshal(m)
	return b
}

// FuzzManifest: any manifest.json is read or refused with an error, never a panic; what is
// accepted is the backup asked for, in the format this version reads, and reads back the same
// once written again.
func FuzzManifest(f *testing.F) {
	f.Add(sampleManifest())
	f.Add([]byte(`{"formatVersion":1,"id":"b1","brokers":[{"nodeId":-1}],"downtimeMs":-9223372036854775808}`))
	f.Add([]byte(`{"formatVersion":1,"id":"../x"}`))
	f.Add([]byte(`[[[[[[[[[[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		r := fuzzRepo(t, repo.Key("b1", "manifest.json"), data)
		m, err := r.Manifest(ctx, "b1")
		if err != nil {
			if len(err.Error()) > 1000 {
				t.Fatalf("message of %d bytes", len(err.Error()))
			}
			return
		}
		if m.ID != "b1" || m.FormatVersion < 1 || m.FormatVersion > repo.ManifestFormat {
			t.Fatalf("accepted id %q format %d", m.ID, m.FormatVersion)
		}
		m.Downtime()
		m.Size()
		m.Bytes()
		if _, err := r.List(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
		first, _ := json.Marshal(m)
		again, err := r.Manifest(ctx, "b1")
		if err != nil {
			t.Fatalf("a manifest written again does not read: %v", err)
		}
		if second, _ := json.Marshal(again); !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the manifest:\n%s\n%s", first, second)
		}
	})
}

// FuzzIndex: any archive index is read or refused, never a panic; what is read (of any
// format) writes in the current format and reads back the same.
func FuzzIndex(f *testing.F) {
	f.Add([]byte(`[{"path":".","type":"dir","mode":2147484141,"mtime":"2026-01-01T00:00:00Z","uid":0,"gid":0},` +
		`{"path":"a","type":"file","mode":420,"mtime":"2026-01-01T00:00:00.5Z","uid":1,"gid":1,"size":3,"xxh64":"0123456789abcdef"},` +
		`{"path":"l","type":"symlink","mode":511,"mtime":"2026-01-01T00:00:00Z","link":"../etc"}]`))
	f.Add([]byte(`[{"path":"x","type":"hardlink","link":"a","size":-1}]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"formatVersion":2,"entries":[{"path":".","type":"dir","mode":1517,"mtime":"2026-01-01T00:00:00Z","uid":0,"gid":0}]}`))
	f.Add([]byte(`{"formatVersion":3,"entries":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		r := fuzzRepo(t, repo.Key("b1", repo.IndexName(0)), data)
		x, err := r.Index(ctx, "b1", 0)
		if err != nil {
			return
		}
		if _, err := r.PutIndex(ctx, "b1", 0, x); err != nil {
			if _, merr := json.Marshal(x); merr != nil {
				return // a time outside what JSON can hold again: refused at write
			}
			t.Fatal(err)
		}
		first, _ := json.Marshal(x)
		again, err := r.Index(ctx, "b1", 0)
		if err != nil {
			t.Fatalf("an index written again does not read: %v", err)
		}
		if second, _ := json.Marshal(again); !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the index:\n%s\n%s", first, second)
		}
	})
}

// FuzzLock: any lock.json is read or refused, never a panic; a lock that reads makes a
// LockedError whose message is bounded, and the lock is never taken over.
func FuzzLock(f *testing.F) {
	l := repo.Lock{Holder: repo.Holder{Host: "h", PID: 1, User: "u", Command: "zeebe-backup restore b1 --set 0.a=***", Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Operation: &repo.Operation{Kind: "restore", ID: "b1", Brokers: []repo.OpBroker{{NodeID: 0, DataDir: "/d", Staging: "/d.s", Swapped: true}}}}
	b, _ := json.Marshal(l)
	f.Add(b)
	f.Add([]byte(`{"holder":{"command":"` + strings.Repeat("x", 5000) + `"},"operation":{"kind":"s3://u:p@h"}}`))
	f.Add([]byte(`{"operation":null}`))
	f.Add([]byte(`{"formatVersion":2,"holder":"newer"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		r := fuzzRepo(t, "lock.json", data)
		held, err := r.ReadLock(ctx)
		if err == nil && held == nil {
			t.Fatal("an existing lock reads as none")
		}
		err = r.Acquire(ctx, repo.Lock{Holder: repo.Holder{Command: "fuzz"}})
		if !errors.Is(err, repo.ErrLocked) {
			t.Fatalf("Acquire over an existing lock: %v", err)
		}
		if len(err.Error()) > 2000 {
			t.Fatalf("message of %d bytes", len(err.Error()))
		}
		if err := r.CheckUnlocked(ctx); err == nil {
			t.Fatal("CheckUnlocked passes with a lock")
		}
	})
}
