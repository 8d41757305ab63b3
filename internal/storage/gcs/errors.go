package gcs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"syscall"
	"time"

	"cloud.google.com/go/auth"
	"github.com/googleapis/gax-go/v2"
	"golang.org/x/oauth2"
)

// explained is an error in words for the operator. Its message says what failed and what to
// do, quoting the cause with the query strings of URLs removed (an upload's session URL is a
// capability: whoever has it can write that object); Unwrap gives the library's error, so
// errors.Is still finds context.Canceled and the like.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }

func (e *explained) Unwrap() error { return e.err }

// urlQuery matches the query string of a URL in an error message.
var urlQuery = regexp.MustCompile(`(https?://[^\s"?]*)\?[^\s"]*`)

// scrub removes the query strings of the URLs in a message.
func scrub(msg string) string { return urlQuery.ReplaceAllString(msg, "$1") }

// explainObject is explain for a request about one object, where 404 means that the object
// does not exist: fs.ErrNotExist (only that means absent).
func (s *Store) explainObject(err error) error {
	if status(err) == http.StatusNotFound {
		return fmt.Errorf("no such object in %s: %w", s.Location(), fs.ErrNotExist)
	}
	return s.explain(err)
}

// explain turns an error of the client library into one that says what failed and what to
// do.
func (s *Store) explain(err error) error {
	var (
		done     *explained
		authErr  *auth.Error
		tokenErr *oauth2.RetrieveError
		urlErr   *url.Error
		netErr   *net.OpError
	)
	cause := scrub(err.Error())
	switch {
	case errors.As(err, &done):
		return err
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return &explained{msg: cause, err: err}
	case errors.As(err, &authErr) || errors.As(err, &tokenErr):
		return &explained{msg: fmt.Sprintf("no access token from Google's credential chain (%s); %s", cause, credentialsHint), err: err}
	case status(err) != 0:
		return &explained{msg: s.httpProblem(status(err), cause), err: err}
	case errors.As(err, &urlErr) || errors.As(err, &netErr):
		return &explained{msg: fmt.Sprintf("cannot reach %s (%s), retried for %s; check the endpoint and the network", s.endpoint, cause, s.retryBudget(err)), err: err}
	}
	return &explained{msg: cause, err: err}
}

// noBucket says that the bucket does not exist.
func (s *Store) noBucket() string {
	return fmt.Sprintf("bucket %s does not exist at %s; create it, or correct the repository location %s", s.cfg.Bucket, s.endpoint, s.Location())
}

// httpProblem says what an HTTP error of Cloud Storage means.
func (s *Store) httpProblem(code int, cause string) string {
	switch {
	case code == http.StatusBadRequest:
		return fmt.Sprintf("%s refused the request (%s)", s.endpoint, cause)
	case code == http.StatusUnauthorized:
		return fmt.Sprintf("%s refused the credentials (%s); %s", s.endpoint, cause, credentialsHint)
	case code == http.StatusForbidden:
		return fmt.Sprintf("permission denied on bucket %s (%s); the account needs to list, read, create and delete objects there (roles/storage.objectUser), and to use the KMS key if one is set", s.cfg.Bucket, cause)
	case code == http.StatusNotFound:
		return fmt.Sprintf("%s (%s)", s.noBucket(), cause)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		return fmt.Sprintf("%s kept refusing the requests (%s), retried for %s; try again later", s.endpoint, cause, s.retryDeadline)
	case code >= 500:
		return fmt.Sprintf("%s kept failing (%s), retried for %s; try again later", s.endpoint, cause, s.retryDeadline)
	}
	return cause
}

// transient tells whether a failed request may succeed when sent again: the answers Cloud
// Storage documents as such (408, 429, 5xx) and broken or refused connections; not a refused
// certificate, an unknown host, missing credentials or a cancelled context.
func transient(err error) bool {
	var (
		authErr  *auth.Error
		tokenErr *oauth2.RetrieveError
		certErr  *tls.CertificateVerificationError
		dnsErr   *net.DNSError
		urlErr   *url.Error
		netErr   net.Error
	)
	switch code := status(err); {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return false
	case code != 0:
		return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 && code < 600
	case errors.As(err, &authErr) || errors.As(err, &tokenErr) || errors.As(err, &certErr):
		return false
	case errors.As(err, &dnsErr):
		return !dnsErr.IsNotFound
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return true
	}
	return errors.As(err, &urlErr) || errors.As(err, &netErr)
}

// backoff is how long the store waits between retries: 100 ms, doubling up to 5 s, jittered.
func backoff() *gax.Backoff {
	return &gax.Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2}
}

// refusedDeadline bounds the retries of a refused connection: no server listens there (a
// wrong endpoint, a stopped emulator or proxy); Cloud Storage itself never refuses one. A
// workflow whose server went away then fails in seconds, not a retry deadline per request.
const refusedDeadline = 5 * time.Second

// retryBudget is how long a request failing with err is retried: not at all when the error
// is not transient, briefly when the connection was refused, else the retry deadline.
func (s *Store) retryBudget(err error) time.Duration {
	switch {
	case !transient(err):
		return 0
	case errors.Is(err, syscall.ECONNREFUSED):
		return min(refusedDeadline, s.retryDeadline)
	}
	return s.retryDeadline
}

// retry runs op until it succeeds, fails for good, or has failed for its retry budget.
func (s *Store) retry(ctx context.Context, op func() error) error {
	start := time.Now()
	bo := backoff()
	for {
		err := op()
		if err == nil {
			return nil
		}
		remaining := s.retryBudget(err) - time.Since(start)
		if remaining <= 0 {
			return err
		}
		pause := min(bo.Pause(), remaining)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (while retrying after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}
