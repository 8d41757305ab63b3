package gcs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"google.golang.org/api/option"
	"google.golang.org/api/option/internaloption"
	raw "google.golang.org/api/storage/v1"
	htransport "google.golang.org/api/transport/http"
)

// credentialsHint says where credentials come from, for the errors about them.
const credentialsHint = "check the file GOOGLE_APPLICATION_CREDENTIALS names, run `gcloud auth application-default login`, or check the workload identity of this machine or pod"

// quiet are the options of every client: the new auth library, as Google's own storage client
// uses it, and no logger (the library logs requests, headers and all, when
// GOOGLE_SDK_GO_LOGGING_LEVEL is set; the tool never does).
func quiet() []option.ClientOption {
	return []option.ClientOption{internaloption.EnableNewAuthLibrary(), option.WithLogger(slog.New(slog.DiscardHandler))}
}

// newService makes the client of Cloud Storage's JSON API. Requests go to the emulator when
// emulator (STORAGE_EMULATOR_HOST: host:port or a URL) is set, without credentials; else to the
// endpoint, or Cloud Storage. Credentials come from Google's standard chain as the library
// finds them (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default credentials, the
// metadata server), with the read-write scope only. With a CA file, the library's transport
// runs on a base that trusts it besides the system's certificates.
func newService(ctx context.Context, o Options, emulator string) (*raw.Service, error) {
	auth := option.WithScopes(raw.DevstorageReadWriteScope)
	var opts []option.ClientOption
	switch {
	case emulator != "":
		base := emulator
		if !strings.Contains(base, "://") {
			base = "http://" + base
		}
		auth = option.WithoutAuthentication()
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(base, "/")+"/storage/v1/"))
	case o.Endpoint != "":
		opts = append(opts, option.WithEndpoint(o.Endpoint+"/storage/v1/"))
	}
	if o.CAFile != "" {
		hc, err := clientTrusting(ctx, o.CAFile, auth)
		if err != nil {
			return nil, err
		}
		opts = append(opts, option.WithHTTPClient(hc))
	} else {
		opts = append(opts, auth)
	}
	opts = append(append(opts, option.WithUserAgent("zeebe-backup")), quiet()...)
	svc, err := raw.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("make the Cloud Storage client: %w; %s", err, credentialsHint)
	}
	return svc, nil
}

// clientTrusting returns an HTTP client that trusts the certificates of caFile besides the
// system's and authorizes its requests as auth says.
func clientTrusting(ctx context.Context, caFile string, auth option.ClientOption) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read the CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the CA file %s holds no PEM certificate", caFile)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	rt, err := htransport.NewTransport(ctx, base, append(quiet(), auth)...)
	if err != nil {
		return nil, fmt.Errorf("find Google credentials: %w; %s", err, credentialsHint)
	}
	return &http.Client{Transport: rt}, nil
}
