package gcs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/googleapi"
	raw "google.golang.org/api/storage/v1"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Defaults of the retries: a failing request (or a chunk of an upload) is retried with
// exponential backoff for at most DefaultRetryDeadline before its error is returned.
const (
	DefaultRetryDeadline = 32 * time.Second
	listPageSize         = 1000 // Cloud Storage's largest page
)

// Store is a storage.Store in a Cloud Storage bucket, below a prefix.
type Store struct {
	svc      *raw.Service
	cfg      Config // the location and the options in force (environment applied)
	endpoint string // where requests go, for messages: the endpoint, the emulator or Cloud Storage
	// Tuning that tests shorten (export_test.go).
	retryDeadline time.Duration
	pageSize      int64
}

var (
	_ storage.Store  = (*Store)(nil)
	_ storage.Prober = (*Store)(nil)
)

// Open opens the store at a location Parse (and WithOptions) returned. The environment
// overrides the options (see [Options]); credentials come from Google's standard chain, found
// now (a missing file named by GOOGLE_APPLICATION_CREDENTIALS fails here) and used by every
// request. Open sends no request: [Store.Probe] checks that the bucket can be reached and
// listed.
func Open(ctx context.Context, l storage.Location) (*Store, error) {
	return open(ctx, l, os.LookupEnv)
}

func open(ctx context.Context, l storage.Location, lookup func(string) (string, bool)) (*Store, error) {
	cfg, ok := l.Config.(Config)
	if !ok {
		return nil, fmt.Errorf("location %s was not parsed by the gcs backend", l.Text)
	}
	o, err := cfg.Options.withEnvironment(lookup)
	if err != nil {
		return nil, err
	}
	cfg.Options = o
	emulator, _ := lookup(EmulatorVariable)
	svc, err := newService(ctx, o, emulator)
	if err != nil {
		return nil, err
	}
	endpoint := "Cloud Storage"
	switch {
	case emulator != "":
		endpoint = "the emulator at " + emulator + " (" + EmulatorVariable + ")"
	case o.Endpoint != "":
		endpoint = o.Endpoint
	}
	return &Store{svc: svc, cfg: cfg, endpoint: endpoint, retryDeadline: DefaultRetryDeadline, pageSize: listPageSize}, nil
}

// Location returns gs://bucket/prefix.
func (s *Store) Location() string { return s.cfg.location() }

// name is the object name of a key.
func (s *Store) name(key string) string { return s.cfg.Prefix + key }

// Stat describes a blob; ModTime is when its current generation was stored.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := check(ctx, key); err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	o, err := s.attrs(ctx, s.name(key))
	if err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, s.explainObject(err))
	}
	return info(key, o), nil
}

// attrs reads the metadata of an object.
func (s *Store) attrs(ctx context.Context, name string) (*raw.Object, error) {
	var o *raw.Object
	err := s.retry(ctx, func() (err error) {
		o, err = s.svc.Objects.Get(s.cfg.Bucket, name).Projection("noAcl").Context(ctx).Do()
		return err
	})
	return o, err
}

// info describes an object as a blob.
func info(key string, o *raw.Object) storage.Info {
	created, _ := time.Parse(time.RFC3339Nano, o.TimeCreated)
	return storage.Info{Key: key, Size: int64(o.Size), ModTime: created}
}

// List returns the blobs whose keys start with prefix, sorted by key, reading page after page.
// Objects below the store's prefix whose names are no valid key (a console's "folder/"
// placeholder, a name with "//") are not blobs of this store and are left out.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.Info, error) {
	if err := storage.ValidPrefix(prefix); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	infos := []storage.Info{}
	token := ""
	for {
		page, err := s.page(ctx, s.cfg.Prefix+prefix, token, s.pageSize)
		if err != nil {
			return nil, fmt.Errorf("list %q: %w", prefix, s.explain(err))
		}
		for _, o := range page.Items {
			key, ok := strings.CutPrefix(o.Name, s.cfg.Prefix)
			if ok && storage.ValidKey(key) == nil {
				infos = append(infos, info(key, o))
			}
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	slices.SortFunc(infos, func(a, b storage.Info) int { return strings.Compare(a.Key, b.Key) })
	return infos, nil
}

// page reads one page of the objects whose names start with prefix.
func (s *Store) page(ctx context.Context, prefix, token string, size int64) (*raw.Objects, error) {
	var page *raw.Objects
	err := s.retry(ctx, func() (err error) {
		call := s.svc.Objects.List(s.cfg.Bucket).Prefix(prefix).MaxResults(size).Projection("noAcl").
			Fields("nextPageToken", "items(name,size,timeCreated)").Context(ctx)
		if token != "" {
			call = call.PageToken(token)
		}
		page, err = call.Do()
		return err
	})
	return page, err
}

// Delete removes a blob; an absent key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := check(ctx, key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	if err := s.delete(ctx, s.name(key), 0); err != nil {
		return fmt.Errorf("delete %q: %w", key, s.explain(err))
	}
	return nil
}

// delete removes an object, only its generation gen if gen is not 0. An absent object (or
// another generation) is not an error: a retried delete finds nothing.
func (s *Store) delete(ctx context.Context, name string, gen int64) error {
	err := s.retry(ctx, func() error {
		call := s.svc.Objects.Delete(s.cfg.Bucket, name).Context(ctx)
		if gen != 0 {
			call = call.IfGenerationMatch(gen)
		}
		return call.Do()
	})
	if status(err) == http.StatusNotFound || gen != 0 && status(err) == http.StatusPreconditionFailed {
		return nil
	}
	return err
}

// Probe lists one object below the store's prefix (it writes nothing): it fails when the
// endpoint cannot be reached, the credentials are refused, the bucket does not exist or may
// not be listed, with an error that says which and what to do.
func (s *Store) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("probe %s: %w", s.Location(), err)
	}
	if _, err := s.page(ctx, s.cfg.Prefix, "", 1); err != nil {
		if status(err) == http.StatusNotFound {
			err = &explained{msg: s.noBucket(), err: err}
		}
		return fmt.Errorf("probe %s: %w", s.Location(), s.explain(err))
	}
	return nil
}

// status is the HTTP status of an error of the API, 0 for any other error.
func status(err error) int {
	var e *googleapi.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func check(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	return ctx.Err()
}
