package azblob

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// The retries of every request: the SDK's retry policy resends a request that failed with a
// network error, a timeout or HTTP 408, 429, 500, 502, 503 or 504, rewinding its body (a staged
// block is resent from its buffer), after about 0.5s, 1s, 2s and 4s (with jitter; a Retry-After
// of the service's is honoured): a service that is gone fails a request within about 10s, so
// that an aborted backup does not keep the brokers waiting for the record of their start.
const (
	maxRetries    = 4
	retryDelay    = 500 * time.Millisecond
	maxRetryDelay = 4 * time.Second
	// responseTimeout bounds the wait for an answer's headers once a request is sent, so that
	// a service that stops answering fails the try (and is retried) instead of hanging.
	responseTimeout = 2 * time.Minute
)

// OpenOptions are what Open takes besides the location: the seams of tests.
type OpenOptions struct {
	// LookupEnv reads the environment; nil: os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Transport, if not nil, sends the requests instead of an http.Client made for the
	// options (tests wrap one to damage or drop requests). It is given the options' client.
	Transport func(base policy.Transporter) policy.Transporter
}

// newContainerClient makes the client of the container at the target, with the CA file of the
// options and the retries above.
func newContainerClient(t target, containerName, caFile string, oo OpenOptions) (*container.Client, error) {
	httpClient, err := newHTTPClient(caFile)
	if err != nil {
		return nil, err
	}
	var transport policy.Transporter = httpClient
	if oo.Transport != nil {
		transport = oo.Transport(transport)
	}
	opts := &container.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: transport,
		Retry:     policy.RetryOptions{MaxRetries: maxRetries, RetryDelay: retryDelay, MaxRetryDelay: maxRetryDelay},
		Telemetry: policy.TelemetryOptions{ApplicationID: "zeebe-backup"},
	}}
	containerURL := t.endpoint + "/" + containerName
	var c *container.Client
	switch a := t.auth; {
	case a.sharedKey != nil:
		c, err = container.NewClientWithSharedKeyCredential(containerURL, a.sharedKey, opts)
	case a.sas != "":
		c, err = container.NewClientWithNoCredential(containerURL+"?"+a.sas, opts)
	default:
		c, err = container.NewClient(containerURL, a.token, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("make the client of %s: %s", containerURL, scrubSecrets(oneLine(err), t.auth.secrets))
	}
	return c, nil
}

// newHTTPClient is the client requests go through: the system's proxy settings and trusted
// certificates, plus those of caFile.
func newHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = responseTimeout
	tr.MaxIdleConnsPerHost = 2 * MaxConcurrency
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read the CA file (option caFile, ZEEBE_BACKUP_AZBLOB_CA_FILE): %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA file %s (option caFile, ZEEBE_BACKUP_AZBLOB_CA_FILE) holds no PEM certificate", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}
