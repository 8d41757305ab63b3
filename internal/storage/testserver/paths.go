package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// installHint is the command that installs the servers, named by every failure to find one.
const installHint = "run `make deps` (scripts/install-deps.sh)"

// serversDir is where scripts/install-deps.sh installs the servers: $SERVERS_DIR as the
// Makefile exports it, else the script's default.
func serversDir() (string, error) {
	if d := os.Getenv("SERVERS_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the servers' cache folder: %w; set SERVERS_DIR as scripts/install-deps.sh does", err)
	}
	return filepath.Join(home, ".cache", "zeebe-backup", "servers"), nil
}

// binary returns the installed path of one server (key MINIO, FAKE_GCS_SERVER or AZURITE_BLOB in
// servers.env), or fails the test with the command that installs it.
func binary(t testing.TB, key string) string {
	t.Helper()
	dir, err := serversDir()
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	envFile := filepath.Join(dir, "servers.env")
	paths, err := readEnvFile(envFile)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("testserver: %s is missing, so no test server is installed: %s", envFile, installHint)
	}
	if err != nil {
		t.Fatalf("testserver: %v; %s", err, installHint)
	}
	path, ok := paths[key]
	if !ok || path == "" {
		t.Fatalf("testserver: %s names no %s: %s", envFile, key, installHint)
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("testserver: %s (%s in %s) is not installed: %s", path, key, envFile, installHint)
	}
	if err != nil {
		t.Fatalf("testserver: %s (%s in %s): %v", path, key, envFile, err)
	}
	if info.IsDir() || info.Mode().Perm()&0o111 == 0 {
		t.Fatalf("testserver: %s (%s in %s) is not an executable file: %s", path, key, envFile, installHint)
	}
	return path
}

// readEnvFile reads KEY=VALUE lines; blank lines and lines starting with # are ignored.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the servers' paths: %w", err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s line %d: want KEY=VALUE, got %q", path, n, line)
		}
		vars[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return vars, nil
}
