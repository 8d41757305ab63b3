package e2e_test

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// hostileCase is one hostile input: what the tool is run with (on a fresh copy of the fixture,
// "$ROOT" standing for the copy's folder), what the case changes first, and the exit status.
// Its output is in testdata/hostile/NAME.golden; every case also checks that nothing below
// $ROOT changed.
type hostileCase struct {
	name       string
	args       []string
	setup      func(c *hcase)
	code       int
	mentions   []string // the output names these (beyond the golden file: a reviewed must)
	secrets    []string // the output never shows these
	ownCluster bool     // the args give --cluster themselves
}

// clusterYAML replaces the case's cluster file.
func clusterYAML(yaml string) func(c *hcase) {
	return func(c *hcase) { c.write("zeebe-backup.yaml", strings.ReplaceAll(yaml, "$ROOT", c.root)) }
}

// editCluster edits the case's cluster file as text.
func editCluster(old, new string) func(c *hcase) {
	return func(c *hcase) {
		old, new := strings.ReplaceAll(old, "$ROOT", c.root), strings.ReplaceAll(new, "$ROOT", c.root)
		s := string(c.read("zeebe-backup.yaml"))
		if !strings.Contains(s, old) {
			c.t.Fatalf("the cluster file has no %q:\n%s", old, s)
		}
		c.write("zeebe-backup.yaml", strings.Replace(s, old, new, 1))
	}
}

func editManifest(edit func(m map[string]any)) func(c *hcase) {
	return func(c *hcase) { c.manifest(edit) }
}

// hostileArchive stores a crafted archive as broker 0's with an index that lists exactly its
// entries, and their digests in the manifest: only the entries themselves are hostile.
func hostileArchive(entries ...tarEntry) func(c *hcase) {
	return func(c *hcase) {
		c.storeFile(0, "archive", tarZst(c.t, entries...))
		index, err := json.Marshal(repo.NewIndex(indexOf(entries)))
		if err != nil {
			c.t.Fatal(err)
		}
		c.storeFile(0, "index", index)
	}
}

// indexOf is the archive entries of the index a backup would have written for the entries.
func indexOf(entries []tarEntry) []archive.Entry {
	types := map[byte]archive.EntryType{tar.TypeReg: archive.TypeFile, tar.TypeDir: archive.TypeDir, tar.TypeSymlink: archive.TypeSymlink, tar.TypeLink: archive.TypeHardLink}
	out := []archive.Entry{}
	for _, e := range entries {
		ae := archive.Entry{Path: strings.TrimSuffix(strings.TrimPrefix(e.name, "./"), "/"), Type: types[e.typ], Mode: 0o644, ModTime: time.Unix(1700000000, 0).UTC(), Link: e.link}
		if ae.Path == "" {
			ae.Path = "."
		}
		if e.typ == tar.TypeDir {
			ae.Mode = 0o755
		}
		if e.typ == tar.TypeReg {
			ae.Size, ae.XXH64 = int64(len(e.data)), fmt.Sprintf("%016x", xxhash.Sum64String(e.data))
		}
		out = append(out, ae)
	}
	return out
}

// craftedFile writes a crafted archive to $ROOT/in.tar.zst for archive extract.
func craftedFile(entries ...tarEntry) func(c *hcase) {
	return func(c *hcase) { c.write("in.tar.zst", string(tarZst(c.t, entries...))) }
}

// forgedLock writes lock.json into the repository.
func forgedLock(body string) func(c *hcase) {
	return func(c *hcase) { c.write("repo/lock.json", strings.ReplaceAll(body, "$ROOT", c.root)) }
}

const deadLock = `{"holder": {"host": "forged-host", "pid": 999999999, "user": "mallory", "command": "zeebe-backup backup", "since": "2026-01-01T00:00:00Z"},
 "operation": {"kind": "%s", "id": "good", "cluster": "$ROOT/zeebe-backup.yaml", "started": "2026-01-01T00:00:00Z",
  "brokers": [%s]}}`

func opBroker(node int, extra string) string {
	return fmt.Sprintf(`{"nodeId": %d, "host": "local", "dataDir": "$ROOT/broker-%d/data", "configPath": "$ROOT/broker-%d/config/application.yaml", "stopped": true%s}`, node, node, node, extra)
}

var hostileCases = []hostileCase{
	// Commands, arguments and flags.
	{name: "unknown-command", args: []string{"frobnicate"}, code: cli.ExitUsage},
	{name: "unknown-command-typo", args: []string{"restor", "good"}, code: cli.ExitUsage, mentions: []string{"restore"}},
	{name: "unknown-command-json", args: []string{"frobnicate", "--json"}, code: cli.ExitUsage},
	{name: "unknown-flag", args: []string{"backup", "--idd", "x"}, code: cli.ExitUsage},
	{name: "restore-no-id", args: []string{"restore"}, code: cli.ExitUsage},
	{name: "restore-two-ids", args: []string{"restore", "good", "other"}, code: cli.ExitUsage},
	{name: "show-no-id-json", args: []string{"show", "--json"}, code: cli.ExitUsage},
	{name: "list-extra-arg", args: []string{"list", "extra"}, code: cli.ExitUsage},
	{name: "force-unknown-check", args: []string{"restore", "good", "--force=everything"}, code: cli.ExitUsage},
	{name: "set-without-node", args: []string{"restore", "good", "--set", "zeebe.broker.network.host=x"}, code: cli.ExitUsage},
	{name: "set-unknown-node", args: []string{"restore", "good", "--set", "9.zeebe.broker.network.host=x"}, code: cli.ExitUsage},
	{name: "set-no-value", args: []string{"restore", "good", "--set", "0.zeebe.broker.network.host"}, code: cli.ExitUsage},
	{name: "backup-bad-compression", args: []string{"backup", "--compression", "lz4"}, code: cli.ExitUsage},
	{name: "archive-bad-level", args: []string{"archive", "create", "--level", "99", "$ROOT/broker-0/data", "$ROOT/out.tar.zst"}, code: cli.ExitUsage},
	{name: "archive-negative-strip", args: []string{"archive", "extract", "--strip-components", "-1", "$ROOT/repo/zeebe-backup-good/zeebe-broker-0-data.tar.zst", "$ROOT/out"}, code: cli.ExitUsage},
	{name: "archive-create-into-data", args: []string{"archive", "create", "$ROOT/broker-0/data", "$ROOT/broker-0/data/self.tar.zst"}, code: cli.ExitUsage},
	{name: "archive-extract-nonempty", args: []string{"archive", "extract", "$ROOT/repo/zeebe-backup-good/zeebe-broker-0-data.tar.zst", "$ROOT/broker-1/data"}, code: cli.ExitFailed},
	{name: "inspect-missing", args: []string{"inspect", "$ROOT/nowhere"}, code: cli.ExitUsage},
	{name: "inspect-a-file", args: []string{"inspect", "$ROOT/broker-0/config/application.yaml"}, code: cli.ExitUsage},

	// Backup ids.
	{name: "id-dot-dot", args: []string{"show", "../x"}, code: cli.ExitUsage},
	{name: "id-dot-dot-restore", args: []string{"restore", "../../broker-0"}, code: cli.ExitUsage},
	{name: "id-absolute", args: []string{"verify", "/etc"}, code: cli.ExitUsage},
	{name: "id-empty", args: []string{"show", ""}, code: cli.ExitUsage},
	{name: "id-very-long", args: []string{"show", strings.Repeat("a", 300)}, code: cli.ExitUsage},
	{name: "id-control-chars", args: []string{"show", "a\x1b[31mred"}, code: cli.ExitUsage, secrets: []string{"\x1b"}},
	{name: "id-newline", args: []string{"restore", "good\nzeebe-backup: fake line"}, code: cli.ExitUsage},
	{name: "id-hidden", args: []string{"show", ".good"}, code: cli.ExitUsage},
	{name: "id-unknown", args: []string{"restore", "nope"}, code: cli.ExitUsage},
	{name: "id-unknown-json", args: []string{"verify", "nope", "--json"}, code: cli.ExitUsage},
	{name: "backup-id-dot-dot", args: []string{"backup", "--id", "../escape"}, code: cli.ExitUsage},
	{name: "backup-id-slash", args: []string{"backup", "--id", "a/b"}, code: cli.ExitUsage},
	{name: "backup-id-latest", args: []string{"backup", "--id", "latest"}, code: cli.ExitUsage},
	{name: "backup-id-exists", args: []string{"backup", "--id", "good"}, code: cli.ExitRefused},
	{name: "backup-id-manifest-damaged", args: []string{"backup", "--id", "good"}, setup: func(c *hcase) { c.write(bk("manifest.json"), "{") }, code: cli.ExitRefused, mentions: []string{"manifest cannot be read", "verify good"}},
	{name: "latest-empty-repo", args: []string{"show", "latest"}, setup: func(c *hcase) { os.RemoveAll(c.path("repo/zeebe-backup-good")) }, code: cli.ExitUsage},
	{name: "latest-only-broken", args: []string{"restore", "latest"}, setup: func(c *hcase) { c.write(bk("manifest.json"), "{") }, code: cli.ExitUsage},
	{name: "latest-folder-named-latest", args: []string{"show", "latest"}, setup: func(c *hcase) {
		os.Rename(c.path("repo/zeebe-backup-good"), c.path("repo/zeebe-backup-latest"))
	}, code: cli.ExitUsage},

	// The cluster file.
	{name: "cluster-missing", args: []string{"status", "--cluster", "$ROOT/nowhere.yaml"}, ownCluster: true, code: cli.ExitUsage},
	{name: "cluster-is-folder", args: []string{"status", "--cluster", "$ROOT/repo"}, ownCluster: true, code: cli.ExitUsage},
	{name: "cluster-empty", args: []string{"status"}, setup: clusterYAML(""), code: cli.ExitUsage},
	{name: "cluster-syntax", args: []string{"status"}, setup: clusterYAML("repository: $ROOT/repo\nbrokers:\n  - nodeId: 0\n\thost: local\n"), code: cli.ExitUsage},
	{name: "cluster-unknown-key", args: []string{"status"}, setup: editCluster("brokers:", "brokrs:"), code: cli.ExitUsage, mentions: []string{"brokers"}},
	{name: "cluster-unknown-broker-key", args: []string{"status"}, setup: editCluster("health:", "helth:"), code: cli.ExitUsage, mentions: []string{"health"}},
	{name: "cluster-nodeid-string", args: []string{"status"}, setup: editCluster("nodeId: 1", "nodeId: one"), code: cli.ExitUsage},
	{name: "cluster-nodeid-negative", args: []string{"status"}, setup: editCluster("nodeId: 1", "nodeId: -1"), code: cli.ExitUsage},
	{name: "cluster-nodeid-duplicate", args: []string{"status"}, setup: editCluster("nodeId: 1", "nodeId: 0"), code: cli.ExitUsage},
	{name: "cluster-nodeid-gap", args: []string{"status"}, setup: editCluster("nodeId: 1", "nodeId: 5"), code: cli.ExitUsage},
	{name: "cluster-duplicate-key", args: []string{"status"}, setup: editCluster("version: 8.5.3\n", "version: 8.5.3\nversion: 8.6.0\n"), code: cli.ExitUsage},
	{name: "cluster-brokers-scalar", args: []string{"status"}, setup: clusterYAML("repository: $ROOT/repo\nbrokers: three\n"), code: cli.ExitUsage},
	{name: "cluster-no-brokers", args: []string{"status"}, setup: clusterYAML("repository: $ROOT/repo\n"), code: cli.ExitUsage},
	{name: "cluster-timeout-word", args: []string{"status"}, setup: editCluster("timeout: 5s", "timeout: soon"), code: cli.ExitUsage},
	{name: "cluster-version-word", args: []string{"status"}, setup: editCluster("version: 8.5.3", "version: banana"), code: cli.ExitUsage},
	{name: "cluster-host-remote", args: []string{"status"}, setup: editCluster("host: local", "host: db.example.com"), code: cli.ExitUsage},
	{name: "cluster-config-missing", args: []string{"backup"}, setup: func(c *hcase) { os.Remove(c.path("broker-1/config/application.yaml")) }, code: cli.ExitUsage},
	{name: "cluster-health-credentials", args: []string{"status"}, setup: func(c *hcase) {
		s := string(c.read("zeebe-backup.yaml"))
		c.write("zeebe-backup.yaml", strings.Replace(s, "health: http://", "health: http://admin:hunter2@", 1))
	}, code: cli.ExitUsage, secrets: []string{"hunter2"}},
	{name: "cluster-health-not-url", args: []string{"status"}, setup: func(c *hcase) {
		s := string(c.read("zeebe-backup.yaml"))
		i := strings.Index(s, "health: ")
		j := strings.Index(s[i:], "\n")
		c.write("zeebe-backup.yaml", s[:i]+`health: "127.0.0.1 port 9600"`+s[i+j:])
	}, code: cli.ExitUsage},
	{name: "cluster-repo-credentials", args: []string{"list"}, setup: editCluster("repository: ", "repository: s3://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket.example/"), code: cli.ExitUsage, secrets: []string{"wJalrXUtnFEMIsecret"}},
	{name: "repo-flag-credentials", args: []string{"list", "--repo", "https://user:s3cr3t-pass@backups.example/zeebe"}, code: cli.ExitUsage, secrets: []string{"s3cr3t-pass"}},
	{name: "repo-flag-file-url-host", args: []string{"list", "--repo", "file://otherhost/backups"}, code: cli.ExitUsage},
	{name: "repo-flag-s3-port", args: []string{"list", "--repo", "s3://bucket:9000/zeebe"}, code: cli.ExitUsage, mentions: []string{"has a port", "endpoint"}},
	{name: "repo-flag-unknown-scheme", args: []string{"list", "--repo", "ftp://backup.example/zeebe"}, code: cli.ExitUsage, mentions: []string{"scheme ftp is not supported", "s3://bucket/prefix"}},
	{name: "repo-flag-gs-port", args: []string{"list", "--repo", "gs://bucket:443/zeebe"}, code: cli.ExitUsage, mentions: []string{"has a port", "endpoint", "STORAGE_EMULATOR_HOST"}},
	{name: "repo-flag-gs-bucket-name", args: []string{"list", "--repo", "gs://Backups/zeebe"}, code: cli.ExitUsage, mentions: []string{`"Backups" is not a bucket name: it has upper-case letters`}},
	{name: "cluster-repo-gs-key-option", args: []string{"status"}, setup: editCluster("repository: $ROOT/repo", "repository: gs://bucket/zeebe\nrepositoryOptions: {storageClass: nearline, privateKey: MIIEvQIBADANBgkqhkiGplanted}"), code: cli.ExitUsage,
		secrets: []string{"MIIEvQIBADANBgkqhkiGplanted"}, mentions: []string{"zeebe-backup.yaml:2: repositoryOptions.privateKey:", "Google's standard chain"}},
	{name: "cluster-repo-s3-secret-option", args: []string{"status"}, setup: editCluster("repository: $ROOT/repo", "repository: s3://bucket/zeebe\nrepositoryOptions: {region: eu-west-1, secretAccessKey: wJalrXUtnFEMIsecret}"), code: cli.ExitUsage,
		secrets: []string{"wJalrXUtnFEMIsecret"}, mentions: []string{"zeebe-backup.yaml:2: repositoryOptions.secretAccessKey:", "credential chain"}},
	{name: "cluster-repo-options-of-folder", args: []string{"status"}, setup: editCluster("repository: $ROOT/repo", "repository: $ROOT/repo\nrepositoryOptions: {region: eu-west-1}"), code: cli.ExitUsage, mentions: []string{"repositoryOptions.region: file repositories take no options"}},
	{name: "cluster-host-ssh-not-yet", args: []string{"status"}, setup: editCluster("host: local", "host: ssh://zeebe@127.0.0.1"), code: cli.ExitUsage, mentions: []string{".host: \"ssh://zeebe@127.0.0.1\": scheme ssh is not supported; only host: local is supported"}},
	{name: "cluster-host-password", args: []string{"status"}, setup: editCluster("host: local", "host: ssh://zeebe:hunter2@127.0.0.1"), code: cli.ExitUsage, secrets: []string{"hunter2"}},
	{name: "repo-empty", args: []string{"list"}, setup: editCluster("repository: $ROOT/repo", "repository: \"\""), code: cli.ExitUsage},
	{name: "cluster-set-bad-key", args: []string{"status"}, setup: editCluster("    health:", "    set: {\"\": x}\n    health:"), code: cli.ExitUsage},
	{name: "cluster-deep-nesting", args: []string{"status"}, setup: clusterYAML("repository: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"), code: cli.ExitUsage},
	{name: "cluster-alias-bomb", args: []string{"status"}, setup: clusterYAML(aliasBomb()), code: cli.ExitUsage},
	{name: "cluster-huge", args: []string{"status"}, setup: func(c *hcase) {
		s := string(c.read("zeebe-backup.yaml"))
		c.write("zeebe-backup.yaml", s+"# "+strings.Repeat("x", 16<<20)+"\n")
	}, code: cli.ExitUsage},
	{name: "cluster-binary", args: []string{"status"}, setup: clusterYAML("\x00\x01\x02\xff\xfe garbage"), code: cli.ExitUsage},
	{name: "cluster-two-documents", args: []string{"status"}, setup: func(c *hcase) {
		s := string(c.read("zeebe-backup.yaml"))
		c.write("zeebe-backup.yaml", s+"---\nrepository: /elsewhere\n")
	}, code: cli.ExitUsage},

	// A repository written by someone else: manifests.
	{name: "manifest-not-json", args: []string{"show", "good"}, setup: func(c *hcase) { c.write(bk("manifest.json"), "not json") }, code: cli.ExitFailed},
	{name: "manifest-empty", args: []string{"restore", "good"}, setup: func(c *hcase) { c.write(bk("manifest.json"), "") }, code: cli.ExitRefused},
	{name: "manifest-deep-nesting", args: []string{"show", "good"}, setup: func(c *hcase) {
		c.write(bk("manifest.json"), `{"id": `+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+"}")
	}, code: cli.ExitFailed},
	{name: "manifest-future-format", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) { m["formatVersion"] = 99 }), code: cli.ExitRefused},
	{name: "manifest-format-zero", args: []string{"show", "good"}, setup: editManifest(func(m map[string]any) { delete(m, "formatVersion") }), code: cli.ExitFailed},
	{name: "manifest-other-id", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) { m["id"] = "other" }), code: cli.ExitRefused},
	{name: "manifest-archive-dot-dot", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) {
		mbroker(m, 0)["archive"] = "../../broker-1/data/raft-partition/partitions/1/raft-partition-partition-1.meta"
	}), code: cli.ExitRefused},
	{name: "manifest-archive-absolute", args: []string{"verify", "good"}, setup: editManifest(func(m map[string]any) { mbroker(m, 0)["archive"] = "/etc/passwd" }), code: cli.ExitFailed},
	{name: "manifest-config-dot-dot", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) { mbroker(m, 1)["config"] = "../../zeebe-backup.yaml" }), code: cli.ExitRefused},
	{name: "manifest-index-absolute", args: []string{"verify", "good"}, setup: editManifest(func(m map[string]any) { mbroker(m, 0)["index"] = "/proc/self/environ" }), code: cli.ExitFailed},
	{name: "manifest-broker-twice", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) {
		bs := m["brokers"].([]any)
		m["brokers"] = []any{bs[0], bs[0]}
	}), code: cli.ExitRefused},
	{name: "manifest-broker-missing", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) {
		m["brokers"] = m["brokers"].([]any)[:1]
	}), code: cli.ExitRefused},
	{name: "manifest-no-brokers", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) { m["brokers"] = []any{} }), code: cli.ExitRefused},
	{name: "manifest-other-zeebe", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) { m["zeebeVersion"] = "8.7.0" }), code: cli.ExitRefused},
	{name: "manifest-more-partitions", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) {
		m["cluster"].(map[string]any)["partitionsCount"] = 3
	}), code: cli.ExitRefused},
	{name: "manifest-node-id-huge", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) { mbroker(m, 1)["nodeId"] = 1 << 40 }), code: cli.ExitRefused},
	{name: "manifest-size-huge", args: []string{"verify", "good"}, setup: editManifest(func(m map[string]any) { mbroker(m, 0)["archiveSize"] = int64(1) << 60 }), code: cli.ExitFailed},
	{name: "manifest-uncommitted", args: []string{"restore", "good"}, setup: func(c *hcase) { os.Remove(c.path(bk("manifest.json"))) }, code: cli.ExitUsage},

	// Stored files that are missing or changed.
	{name: "archive-missing", args: []string{"restore", "good"}, setup: func(c *hcase) { os.Remove(c.path(bk("zeebe-broker-1-data.tar.zst"))) }, code: cli.ExitRefused},
	{name: "archive-missing-verify-json", args: []string{"verify", "good", "--json"}, setup: func(c *hcase) { os.Remove(c.path(bk("zeebe-broker-1-data.tar.zst"))) }, code: cli.ExitFailed},
	{name: "archive-flipped", args: []string{"restore", "good"}, setup: func(c *hcase) { c.flipLast(bk("zeebe-broker-0-data.tar.zst")) }, code: cli.ExitRefused},
	{name: "archive-flipped-verify", args: []string{"verify", "good"}, setup: func(c *hcase) { c.flip(bk("zeebe-broker-0-data.tar.zst")) }, code: cli.ExitFailed},
	{name: "archive-truncated", args: []string{"restore", "good"}, setup: func(c *hcase) {
		c.write(bk("zeebe-broker-0-data.tar.zst"), string(c.read(bk("zeebe-broker-0-data.tar.zst"))[:200]))
	}, code: cli.ExitRefused},
	{name: "archive-wrong-checksum", args: []string{"restore", "good"}, setup: editManifest(func(m map[string]any) {
		mbroker(m, 1)["archiveSha256"] = strings.Repeat("0", 64)
	}), code: cli.ExitRefused},
	{name: "archive-is-symlink-out", args: []string{"verify", "good"}, setup: func(c *hcase) {
		os.Remove(c.path(bk("zeebe-broker-0-data.tar.zst")))
		os.Symlink(c.path("broker-0/config/application.yaml"), c.path(bk("zeebe-broker-0-data.tar.zst")))
	}, code: cli.ExitFailed},
	{name: "backup-folder-symlink", args: []string{"restore", "good"}, setup: func(c *hcase) {
		os.Rename(c.path("repo/zeebe-backup-good"), c.path("elsewhere"))
		os.Symlink(c.path("elsewhere"), c.path("repo/zeebe-backup-good"))
	}, code: cli.ExitUsage}, // the local store never follows a link in the repository: no such backup
	{name: "config-missing", args: []string{"restore", "good"}, setup: func(c *hcase) { os.Remove(c.path(bk("zeebe-broker-0-config.yml"))) }, code: cli.ExitRefused},
	{name: "config-tampered", args: []string{"restore", "good"}, setup: func(c *hcase) {
		c.write(bk("zeebe-broker-0-config.yml"), string(c.read(bk("zeebe-broker-0-config.yml")))+"\nspring.evil: true\n")
	}, code: cli.ExitRefused},
	{name: "config-hostile-yaml", args: []string{"restore", "good"}, setup: func(c *hcase) {
		c.storeFile(0, "config", []byte("zeebe: "+strings.Repeat("[", 20000)+"\n"))
	}, code: cli.ExitRefused},
	{name: "index-missing", args: []string{"restore", "good"}, setup: func(c *hcase) { os.Remove(c.path(bk("zeebe-broker-1-index.json"))) }, code: cli.ExitRefused},
	{name: "index-tampered", args: []string{"verify", "good"}, setup: func(c *hcase) {
		c.write(bk("zeebe-broker-0-index.json"), strings.Replace(string(c.read(bk("zeebe-broker-0-index.json"))), `"xxh64":"`, `"xxh64":"0`, 1))
	}, code: cli.ExitFailed},
	{name: "index-forged-digest", args: []string{"restore", "good"}, setup: func(c *hcase) {
		var index struct {
			FormatVersion int              `json:"formatVersion"`
			Entries       []map[string]any `json:"entries"`
		}
		if err := json.Unmarshal(c.read(bk("zeebe-broker-0-index.json")), &index); err != nil {
			c.t.Fatal(err)
		}
		for _, e := range index.Entries {
			if e["type"] == "file" {
				e["xxh64"] = "0123456789abcdef"
				break
			}
		}
		b, err := json.Marshal(index)
		if err != nil {
			c.t.Fatal(err)
		}
		c.storeFile(0, "index", b)
	}, code: cli.ExitRefused},
	{name: "index-not-json", args: []string{"restore", "good"}, setup: func(c *hcase) { c.storeFile(1, "index", []byte("[{")) }, code: cli.ExitRefused},
	{name: "archives-swapped", args: []string{"restore", "good"}, setup: swapArchives, code: cli.ExitRefused},
	{name: "archives-swapped-verify", args: []string{"verify", "--deep", "good"}, setup: swapArchives, code: cli.ExitFindings},

	// Crafted archives in the repository, their digests matching: refused before any stop.
	{name: "crafted-dot-dot", args: []string{"restore", "good"}, setup: hostileArchive(tfile("../../../escape", "x")), code: cli.ExitRefused},
	{name: "crafted-absolute", args: []string{"restore", "good"}, setup: hostileArchive(tfile("/tmp/zeebe-backup-hostile-absolute", "x")), code: cli.ExitRefused},
	{name: "crafted-symlink-out", args: []string{"restore", "good"}, setup: hostileArchive(tdir("./"), tsymlink("raft-partition", "/etc")), code: cli.ExitRefused},
	{name: "crafted-hardlink-out", args: []string{"restore", "good"}, setup: hostileArchive(tdir("./"), thardlink("passwd", "/etc/passwd")), code: cli.ExitRefused},
	{name: "crafted-device", args: []string{"restore", "good"}, setup: hostileArchive(tdir("./"), tspecial("null", tar.TypeChar)), code: cli.ExitRefused},
	{name: "crafted-huge", args: []string{"restore", "good"}, setup: hostileArchive(tdir("./"), tarEntry{name: "huge", typ: tar.TypeReg, size: 1 << 50}), code: cli.ExitRefused},
	{name: "crafted-duplicate", args: []string{"restore", "good"}, setup: hostileArchive(tdir("./"), tfile("a", "1"), tfile("a", "2")), code: cli.ExitRefused},
	{name: "crafted-not-tar", args: []string{"verify", "--deep", "good"}, setup: func(c *hcase) { c.storeFile(0, "archive", []byte(strings.Repeat("not an archive ", 100))) }, code: cli.ExitFailed},

	// Crafted archives given to archive extract.
	{name: "extract-dot-dot", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tfile("../broker-0/config/application.yaml", "x")), code: cli.ExitUnsafe},
	{name: "extract-absolute", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tfile("/tmp/zeebe-backup-hostile-absolute", "x")), code: cli.ExitUnsafe},
	{name: "extract-symlink-out", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tsymlink("l", "../broker-0")), code: cli.ExitUnsafe},
	{name: "extract-write-through-symlink", args: []string{"archive", "extract", "--allow-external-symlinks", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tsymlink("l", "../broker-0"), tfile("l/evil", "x")), code: cli.ExitUnsafe},
	{name: "extract-hardlink-out", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(thardlink("h", "../zeebe-backup.yaml")), code: cli.ExitUnsafe},
	{name: "extract-fifo", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tspecial("pipe", tar.TypeFifo)), code: cli.ExitUnsafe},
	{name: "extract-block-device", args: []string{"archive", "extract", "--json", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tspecial("sda", tar.TypeBlock)), code: cli.ExitUnsafe},
	{name: "extract-huge", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tfile("ok", "x"), tarEntry{name: "huge", typ: tar.TypeReg, size: 1 << 50}), code: cli.ExitUnsafe},
	{name: "extract-duplicate", args: []string{"archive", "extract", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tfile("a", "1"), tsymlink("a", "b")), code: cli.ExitUnsafe},
	{name: "extract-source-root-trick", args: []string{"archive", "extract", "--source-root", "/", "$ROOT/in.tar.zst", "$ROOT/out"}, setup: craftedFile(tsymlink("l", "/etc"), tfile("l/x", "y")), code: cli.ExitUnsafe},

	// The repository's lock.
	{name: "lock-live-holder", args: []string{"restore", "good"}, setup: forgedLock(`{"holder": {"host": "forged-host", "pid": 1, "user": "mallory", "command": "zeebe-backup backup", "since": "2026-01-01T00:00:00Z"}}`), code: cli.ExitLocked},
	{name: "lock-garbage", args: []string{"backup"}, setup: forgedLock("\x00garbage{"), code: cli.ExitLocked},
	{name: "lock-wrong-type", args: []string{"restore", "good"}, setup: forgedLock(`{"holder": "me"}`), code: cli.ExitLocked},
	{name: "lock-deep-nesting", args: []string{"status"}, setup: forgedLock(strings.Repeat("[", 100000)), code: cli.ExitLocked},
	{name: "lock-dead-operation-status", args: []string{"status", "--json"}, setup: forgedLock(fmt.Sprintf(deadLock, "backup", opBroker(0, "")+","+opBroker(1, ""))), code: cli.ExitLocked},
}

// swapArchives gives broker 0 broker 1's archive and index and the other way round, digests
// updated: a backup put together from the wrong brokers.
func swapArchives(c *hcase) {
	a0, a1 := c.read(bk("zeebe-broker-0-data.tar.zst")), c.read(bk("zeebe-broker-1-data.tar.zst"))
	i0, i1 := c.read(bk("zeebe-broker-0-index.json")), c.read(bk("zeebe-broker-1-index.json"))
	c.storeFile(0, "archive", a1)
	c.storeFile(1, "archive", a0)
	c.storeFile(0, "index", i1)
	c.storeFile(1, "index", i0)
}

// aliasBomb is a YAML document whose aliases expand to billions of nodes.
func aliasBomb() string {
	var sb strings.Builder
	sb.WriteString("repository: /var/backups/zeebe\nversion: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&sb, "gateway%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "*a%d", i-1)
		}
		sb.WriteString("]\n")
	}
	sb.WriteString("brokers: *a9\n")
	return sb.String()
}

// TestHostileInput runs the table: each case on its own copy of one backed-up cluster whose
// brokers are down.
func TestHostileInput(t *testing.T) {
	if len(hostileCases) < 80 {
		t.Fatalf("the table has %d cases, want at least 80", len(hostileCases))
	}
	seen := map[string]bool{}
	for _, hc := range hostileCases {
		if seen[hc.name] {
			t.Fatalf("two cases named %s", hc.name)
		}
		seen[hc.name] = true
	}
	f := newHostileFixture(t)
	for _, hc := range hostileCases {
		t.Run(hc.name, func(t *testing.T) { runHostile(t, f, hc) })
	}
}
