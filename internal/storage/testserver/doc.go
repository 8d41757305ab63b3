// Package testserver starts real object-store servers on loopback for tests: MinIO (S3),
// fake-gcs-server (Google Cloud Storage) and Azurite (Azure Blob). It is test support: only
// _test.go files import it.
//
// The servers are installed once per version by scripts/install-deps.sh (`make deps`), which
// writes the paths of the binaries it installed to servers.env in its cache folder
// ($SERVERS_DIR, by default $HOME/.cache/zeebe-backup/servers). A test whose server is not
// installed fails with the command that installs it; it never skips.
//
// What every server started here keeps:
//
//  1. It listens on 127.0.0.1 only, on a port that was free when it started; its data lives in
//     the test's t.TempDir().
//  2. The constructor returns once the server answers HTTP, with its bucket or container
//     created, or fails the test (bounded wait) with the server's last output.
//  3. Its credentials are generated for the test, passed to the server through its environment
//     (never its arguments, which show in ps), and never printed: String omits them and the
//     server's output is redacted before it appears in a failure.
//  4. t.Cleanup stops it. Kill (SIGKILL, for fault tests) leaves it stopped; Restart starts it
//     again on the same port with the same data.
package testserver
