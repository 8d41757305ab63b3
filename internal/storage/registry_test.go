package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// fakeS3 stands for a backend of another scheme: it takes s3://bucket[/prefix] and opens an
// in-memory store.
func fakeS3() storage.Backend {
	return storage.Backend{
		Scheme: "s3",
		Form:   "s3://bucket/prefix",
		Parse: func(loc string) (storage.Location, error) {
			bucket, _, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
			if bucket == "" {
				return storage.Location{}, errors.New("names no bucket")
			}
			return storage.Location{Text: loc, Config: bucket}, nil
		},
		Open: func(context.Context, storage.Location) (storage.Store, error) { return mem.New(), nil },
	}
}

// Each location goes to the backend of its scheme, a plain path to the file backend; the
// Location says which, and keeps what the backend made of it.
func TestParseByScheme(t *testing.T) {
	r := storage.NewRegistry(local.Backend(), fakeS3())
	for loc, want := range map[string]storage.Location{
		"/var/backups//zeebe/":               {Scheme: "file", Text: "/var/backups/zeebe", Config: "/var/backups/zeebe"},
		"file:///var/backups/zeebe/":         {Scheme: "file", Text: "file:///var/backups/zeebe/", Config: "/var/backups/zeebe"},
		"FILE:///var/backups/zeebe":          {Scheme: "file", Text: "FILE:///var/backups/zeebe", Config: "/var/backups/zeebe"},
		"file://localhost/var/backups/zeebe": {Scheme: "file", Text: "file://localhost/var/backups/zeebe", Config: "/var/backups/zeebe"},
		"s3://bucket/prefix":                 {Scheme: "s3", Text: "s3://bucket/prefix", Config: "bucket"},
	} {
		got, err := r.Parse(loc, nil)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", loc, got, err, want)
		}
	}
	if got := r.Schemes(); !slices.Equal(got, []string{"file", "s3"}) {
		t.Errorf("Schemes = %v", got)
	}
}

// An unknown scheme is refused with the schemes this version supports and how to write them.
func TestUnknownSchemeListsTheRegisteredOnes(t *testing.T) {
	only := storage.NewRegistry(local.Backend())
	for loc, want := range map[string]string{
		// Until an S3 backend registers, s3:// is a scheme like any other.
		"s3://bucket/zeebe": `"s3://bucket/zeebe": scheme s3 is not supported; this version supports file only: write a path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe)`,
		"gs://bucket":       `"gs://bucket": scheme gs is not supported; this version supports file only`,
	} {
		_, err := only.Parse(loc, nil)
		var le *storage.LocationError
		if !errors.As(err, &le) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q): %v; want a *LocationError starting %s", loc, err, want)
		}
	}
	two := storage.NewRegistry(local.Backend(), fakeS3())
	_, err := two.Parse("azblob://container/x", nil)
	if err == nil || !strings.Contains(err.Error(), "this version supports file, s3: write a path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe), or s3://bucket/prefix") {
		t.Errorf("two backends: %v", err)
	}
	// Without a file backend a plain path is refused as such.
	_, err = storage.NewRegistry(fakeS3()).Parse("/var/backups", nil)
	if err == nil || !strings.Contains(err.Error(), `"/var/backups" is a path, which no storage backend of this version takes; this version supports s3 only`) {
		t.Errorf("a path without a file backend: %v", err)
	}
	if _, err := storage.NewRegistry().Parse("/var/backups", nil); err == nil || !strings.Contains(err.Error(), "this version has no storage backend") {
		t.Errorf("empty registry: %v", err)
	}
}

// A URL with a password is refused by the registry whatever its scheme, before any backend
// sees it, and the password is never repeated.
func TestCredentialsInALocationAreRefusedAndNotEchoed(t *testing.T) {
	r := storage.NewRegistry(local.Backend(), fakeS3())
	for _, loc := range []string{
		"s3://AKIAEXAMPLE:hunter2@bucket/zeebe",
		"file://u:hunter2@/var/backups",
		"https://user:hunter2@backups.example/zeebe",
		"gs://user:hunter2@bucket",
	} {
		_, err := r.Parse(loc, nil)
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "***@") ||
			!strings.Contains(err.Error(), "holds credentials; remove them from the URL") {
			t.Errorf("Parse(%q): %v", loc, err)
		}
		if _, err := r.Open(t.Context(), loc, nil); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): %v", loc, err)
		}
	}
	// Even a backend that repeats the location in its error does not echo a password.
	leaky := storage.Backend{Scheme: "leaky", Form: "leaky://x", Parse: func(loc string) (storage.Location, error) {
		return storage.Location{}, errors.New("bad " + loc + " and also gs://k:hunter2@b")
	}, Open: func(context.Context, storage.Location) (storage.Store, error) { return nil, errors.New("never") }}
	if _, err := storage.NewRegistry(leaky).Parse("leaky://x", nil); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a backend's error: %v", err)
	}
}

// A relative path is refused in a location (a cluster file's would depend on where the tool
// runs); on the command line FlagLocation makes it absolute against the working directory.
func TestRelativePaths(t *testing.T) {
	r := storage.NewRegistry(local.Backend())
	if _, err := r.Parse("backups/zeebe", nil); err == nil || !strings.Contains(err.Error(), `"backups/zeebe" is a relative path; write an absolute path`) {
		t.Errorf("Parse(relative): %v", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"backups":           filepath.Join(wd, "backups"),
		"./a/../b":          filepath.Join(wd, "b"),
		"/abs":              "/abs",
		"file:///x":         "file:///x",
		"s3://bucket/rel":   "s3://bucket/rel",
		"":                  "",
		"file:relative/url": "file:relative/url", // a URL: the backend refuses it
	} {
		if got, err := storage.FlagLocation(in); err != nil || got != want {
			t.Errorf("FlagLocation(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := r.Parse("file:relative/url", nil); err == nil || !strings.Contains(err.Error(), "does not start with file:///") {
		t.Errorf("Parse(file:relative): %v", err)
	}
}

// Open opens the store of the backend that parsed the location; a location that does not parse
// is a *LocationError, a store that cannot be opened is not.
func TestOpen(t *testing.T) {
	r := storage.NewRegistry(local.Backend(), fakeS3())
	dir := filepath.Join(t.TempDir(), "repo")
	s, err := r.Open(t.Context(), "file://"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Location() != dir {
		t.Errorf("Location = %q, want %q", s.Location(), dir)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the local store was not opened in its folder: %v", err)
	}
	if s, err := r.Open(t.Context(), "s3://bucket", nil); err != nil || s.Location() != "mem" {
		t.Errorf("Open(s3) = %v, %v; want the s3 backend's store", s, err)
	}
	var le *storage.LocationError
	if _, err := r.Open(t.Context(), "nope://x", nil); !errors.As(err, &le) {
		t.Errorf("Open(nope://) error %T %v, want a *LocationError", err, err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = r.Open(t.Context(), filepath.Join(file, "repo"), nil)
	if err == nil || errors.As(err, &le) || !strings.Contains(err.Error(), "open repository "+filepath.Join(file, "repo")) {
		t.Errorf("Open below a file: %v; want an error naming the repository, not a *LocationError", err)
	}
}

// The list in main is checked when it is built.
func TestNewRegistryRefusesDuplicatesAndHalfBackends(t *testing.T) {
	for name, backends := range map[string][]storage.Backend{
		"duplicate":  {local.Backend(), local.Backend()},
		"no scheme":  {{Parse: local.Parse, Open: local.Backend().Open}},
		"upper case": {{Scheme: "S3", Parse: local.Parse, Open: local.Backend().Open}},
		"no open":    {{Scheme: "x", Parse: local.Parse}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewRegistry did not panic", name)
				}
			}()
			storage.NewRegistry(backends...)
		}()
	}
}

// Options written beside a location go to its backend's Options, which keeps them in the
// Location; a backend without Options refuses every option, naming one, as an *OptionError.
func TestOptions(t *testing.T) {
	withOptions := fakeS3()
	withOptions.Options = func(l storage.Location, opts storage.Options) (storage.Location, error) {
		if v, ok := opts["bad"]; ok {
			return storage.Location{}, &storage.OptionError{Name: "bad", Err: fmt.Errorf("%q is refused; remove it", v)}
		}
		l.Config = fmt.Sprintf("%v %v", l.Config, opts)
		return l, nil
	}
	r := storage.NewRegistry(local.Backend(), withOptions)
	l, err := r.Parse("s3://bucket/x", storage.Options{"region": "eu-west-1"})
	if err != nil || l.Config != "bucket map[region:eu-west-1]" {
		t.Errorf("Parse with options = %+v, %v; want the options in Config", l, err)
	}
	var oe *storage.OptionError
	_, err = r.Parse("s3://bucket/x", storage.Options{"bad": "value"})
	if !errors.As(err, &oe) || oe.Name != "bad" || err.Error() != `option bad: "value" is refused; remove it` {
		t.Errorf("Parse with a refused option: %v", err)
	}
	if name, problem := oe.Option(); name != "bad" || problem != `"value" is refused; remove it` {
		t.Errorf("Option() = %q, %q", name, problem)
	}
	_, err = r.Parse("/var/backups", storage.Options{"region": "x", "endpoint": "y"})
	if !errors.As(err, &oe) || oe.Name != "endpoint" || !strings.Contains(err.Error(), "option endpoint: file repositories take no options; remove it") {
		t.Errorf("Parse(a path with options): %v", err)
	}
	if _, err := r.Open(t.Context(), "/var/backups", storage.Options{"x": "y"}); !errors.As(err, &oe) {
		t.Errorf("Open(a path with options): %v, want an *OptionError", err)
	}
}
