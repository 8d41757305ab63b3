package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Retries of each request (a part, a listing page, ...) on the errors the SDK deems retryable
// (HTTP 500, 502, 503, 504, throttling, a connection reset or refused), with exponential
// backoff and jitter up to maxBackoff.
const (
	maxAttempts = 5
	maxBackoff  = 5 * time.Second
	// responseHeaderTimeout bounds the wait for an answer once a request is sent: a server
	// that went away without closing the connection fails the request, which is retried.
	responseHeaderTimeout = 2 * time.Minute
)

// OpenOptions change how Open builds the client.
type OpenOptions struct {
	// LookupEnv reads the environment variables that override the options; nil is
	// os.LookupEnv. (The AWS SDK reads the credential chain's own variables itself.)
	LookupEnv func(string) (string, bool)
	// Transport, if not nil, wraps the HTTP transport that carries the requests to the
	// endpoint (tests inject failures with it).
	Transport func(http.RoundTripper) http.RoundTripper
}

// newClient builds the S3 client of the resolved options: the AWS SDK's default credential
// chain and shared configuration, the endpoint, region and addressing of o, an HTTP client
// that trusts o.CAFile, and the retry policy above. It returns the region used.
func newClient(ctx context.Context, o Options, oo OpenOptions) (*s3.Client, string, string, error) {
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = maxBackoff
			so.RateLimiter = ratelimit.None // every part of a failing server retries in full
		})
	}
	// The library logs nothing: errors are returned, with what they mean.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}), config.WithRetryer(retryer))
	if err != nil {
		return nil, "", "", fmt.Errorf("load the AWS configuration (AWS_PROFILE, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): %w", err)
	}
	region := o.Region
	if region == "" {
		region = cfg.Region // the profile's
	}
	if region == "" {
		region = "us-east-1"
	}
	httpClient, err := newHTTPClient(o, oo)
	if err != nil {
		return nil, "", "", err
	}
	endpoint := o.Endpoint
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint // the profile's endpoint_url
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.Region = region
		so.UsePathStyle = o.pathStyle()
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.HTTPClient = httpClient
		so.Logger = logging.Nop{}
		so.DisableLogOutputChecksumValidationSkipped = true
		// Put sends the SHA-256 of every part itself; Get is checked by its readers (the
		// archives' digests), so the SDK computes no second checksum either way.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	if endpoint == "" {
		endpoint = fmt.Sprintf("AWS S3 in %s", region)
	}
	return client, region, endpoint, nil
}

// newHTTPClient is the client of the requests to the endpoint: Go's default transport, with
// enough idle connections for the parts uploaded at once, trusting o.CAFile besides the
// system's certificates.
func newHTTPClient(o Options, oo OpenOptions) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * (o.concurrency() + 1)
	tr.ResponseHeaderTimeout = responseHeaderTimeout
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read the CA file (option caFile or AWS_CA_BUNDLE): %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA file %s (option caFile or AWS_CA_BUNDLE) holds no PEM certificate; give the file of the certificate authority that signed the endpoint's certificate", o.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	var rt http.RoundTripper = tr
	if oo.Transport != nil {
		rt = oo.Transport(rt)
	}
	return &http.Client{Transport: rt}, nil
}

// withPayloadHash tells the request signer the SHA-256 of the body (hex), which Put computed
// already, so that the SDK does not read the body once more to compute it.
func withPayloadHash(hexSum string) func(*s3.Options) {
	return func(so *s3.Options) {
		so.APIOptions = append(so.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ZeebeBackupPayloadHash",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(v4.SetPayloadHash(ctx, hexSum), in)
				}), middleware.After)
		})
	}
}
