package azblob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/azblob"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

func TestParse(t *testing.T) {
	good := []struct {
		loc, container, prefix string
	}{
		{"azblob://backups", "backups", ""},
		{"azblob://backups/", "backups", ""},
		{"azblob://zeebe-backups/prod/cluster-1", "zeebe-backups", "prod/cluster-1/"},
		{"azblob://abc/x/", "abc", "x/"},
		{"AZBLOB://b0b/p", "b0b", "p/"},
		{"azblob://" + strings.Repeat("a", 63), strings.Repeat("a", 63), ""},
	}
	for _, g := range good {
		l, err := azblob.Parse(g.loc)
		if err != nil {
			t.Errorf("Parse(%q): %v", g.loc, err)
			continue
		}
		c := l.Config.(azblob.Config)
		if c.Container != g.container || c.Prefix != g.prefix || l.Text != g.loc {
			t.Errorf("Parse(%q) = %+v, %q; want container %q, prefix %q", g.loc, c, l.Text, g.container, g.prefix)
		}
	}
	bad := []struct {
		loc, want string
	}{
		{"azblob://", "names no container"},
		{"azblob:backups", "names no container"},
		{"azblob://Backups", "not a container name"},
		{"azblob://ab", "not a container name"},
		{"azblob://" + strings.Repeat("a", 64), "not a container name"},
		{"azblob://a--b", "not a container name"},
		{"azblob://-ab", "not a container name"},
		{"azblob://ab-", "not a container name"},
		{"azblob://a_b", "not a container name"},
		{"azblob://$root", "container"},
		{"azblob://backups:10000/p", "has a port"},
		{"azblob://myaccount@backups/p", "account or credentials"},
		{"azblob://backups/p?sv=2024&sig=SECRETSIGNATURE", "query or fragment"},
		{"azblob://backups/p#frag", "query or fragment"},
		{"azblob://backups//p", "prefix"},
		{"azblob://backups/a/../b", "prefix"},
		{"azblob://backups/.tmp-x", "prefix"},
		{"azblob://backups/" + strings.Repeat(strings.Repeat("p", 99)+"/", 6), "at most 512"},
		{"s3://backups", "not an azblob:// URL"},
	}
	for _, b := range bad {
		_, err := azblob.Parse(b.loc)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Parse(%q) error = %v, want one saying %q", b.loc, err, b.want)
		}
		if err != nil && strings.Contains(err.Error(), "SECRETSIGNATURE") {
			t.Errorf("Parse(%q) error %q repeats the query, which may be a SAS token", b.loc, err)
		}
	}
}

// The registry takes azblob locations by their scheme and refuses an account with a key in
// the URL without repeating the key.
func TestRegistry(t *testing.T) {
	r := storage.NewRegistry(local.Backend(), azblob.Backend())
	if got, err := r.Check("azblob://backups/zeebe", nil); err != nil || got != "azblob://backups/zeebe" {
		t.Fatalf("Check = %q, %v", got, err)
	}
	_, err := r.Check("azblob://account:SECRETKEY@backups/zeebe", nil)
	var le *storage.LocationError
	if !errors.As(err, &le) || strings.Contains(err.Error(), "SECRETKEY") {
		t.Fatalf("Check with a key in the URL: %v", err)
	}
	// The cluster file's repositoryOptions reach the backend through the registry.
	l, err := r.Parse("azblob://backups/zeebe", storage.Options{"account": "zeebeprod", "blockSize": "32MiB"})
	if c := l.Config.(azblob.Config); err != nil || c.Account != "zeebeprod" || c.BlockSize != 32<<20 {
		t.Fatalf("Parse with options = %+v, %v", l.Config, err)
	}
	_, err = r.Parse("azblob://backups/zeebe", storage.Options{"accountKey": "SECRETKEY"})
	var oe *storage.OptionError
	if !errors.As(err, &oe) || oe.Name != "accountKey" || strings.Contains(err.Error(), "SECRETKEY") {
		t.Fatalf("Parse with a key as an option: %v", err)
	}
	if _, err := r.Check("gs://b", nil); err == nil || !strings.Contains(err.Error(), "azblob://container/prefix") {
		t.Fatalf("Check(gs://b) = %v, want the supported forms named", err)
	}
}

func TestWithOptions(t *testing.T) {
	l, err := azblob.Parse("azblob://backups/p")
	if err != nil {
		t.Fatal(err)
	}
	l, err = azblob.WithOptions(l, map[string]string{
		"account": "zeebeprod", "endpoint": "https://zeebeprod.blob.core.windows.net/", "caFile": "/etc/ssl/ca.pem",
		"accessTier": "cool", "blockSize": "64MiB", "concurrency": "8",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := azblob.Options{Account: "zeebeprod", Endpoint: "https://zeebeprod.blob.core.windows.net", CAFile: "/etc/ssl/ca.pem", AccessTier: "Cool", BlockSize: 64 << 20, Concurrency: 8}
	if got := l.Config.(azblob.Config).Options; got != want {
		t.Fatalf("options = %+v, want %+v", got, want)
	}
	bad := []struct {
		name, value, want string
	}{
		{"account", "Zeebe", "not a storage account name"},
		{"account", "ab", "not a storage account name"},
		{"endpoint", "ftp://x", "not an endpoint"},
		{"endpoint", "https://a.blob.core.windows.net/?sv=1&sig=SECRETSIG", "query or fragment"},
		{"endpoint", "https://user:SECRETPW@a.blob.core.windows.net", "with credentials"},
		{"endpoint", "https://a.blob.core.windows.net/extra", "has a path"},
		{"endpoint", "http://127.0.0.1:10000/Dev_Store", "not a storage account name"},
		{"caFile", "ca.pem", "absolute path"},
		{"accessTier", "Archive", "rehydrated"},
		{"accessTier", "Premium", "not an access tier"},
		{"blockSize", "512KiB", "from 1MiB to 4000MiB"},
		{"blockSize", "5GiB", "from 1MiB to 4000MiB"},
		{"blockSize", "lots", "from 1MiB to 4000MiB"},
		{"concurrency", "0", "from 1 to 64"},
		{"concurrency", "65", "from 1 to 64"},
		{"accountKey", "SECRETKEY", "take no option accountKey"},
	}
	for _, b := range bad {
		_, err := azblob.WithOptions(l, map[string]string{b.name: b.value})
		var oe *storage.OptionError
		if !errors.As(err, &oe) || oe.Name != b.name || !strings.Contains(err.Error(), b.want) {
			t.Errorf("option %s: %s: error = %v, want an OptionError naming it and saying %q", b.name, b.value, err, b.want)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("option %s: the error %q repeats a secret", b.name, err)
		}
	}
}
