package s3

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// storeError is a failed request explained: Error says what failed, what it means and what to
// do; Unwrap gives the SDK's error (so context errors are found) and the sentinel it means
// (fs.ErrNotExist, storage.ErrExists), if any.
type storeError struct {
	msg      string
	err      error
	sentinel error
}

func (e *storeError) Error() string { return e.msg }

func (e *storeError) Unwrap() []error {
	if e.sentinel != nil {
		return []error{e.err, e.sentinel}
	}
	return []error{e.err}
}

// fail explains the error of a request: op is what was done ("put", "get"), key the key ("" for
// the store itself), action the S3 permission it needs. The message names the key, the store
// and its endpoint, and never a credential (the SDK's errors hold none).
func (s *Store) fail(op, key, action string, err error) error {
	subject := s.location
	if key != "" {
		subject = fmt.Sprintf("%q in %s", key, s.location)
	}
	head := fmt.Sprintf("%s %s (endpoint %s)", op, subject, s.endpoint)
	switch {
	case errors.Is(err, context.Canceled):
		return &storeError{msg: fmt.Sprintf("%s: %v", head, context.Canceled), err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &storeError{msg: fmt.Sprintf("%s: %v", head, context.DeadlineExceeded), err: err}
	}
	code, status := errorCode(err)
	var sigErr *v4.SigningError
	switch {
	case code == "NoSuchKey" || (code == "NotFound" && status == 404):
		return &storeError{msg: fmt.Sprintf("%s: %v", head, fs.ErrNotExist), err: err, sentinel: fs.ErrNotExist}
	case code == "PreconditionFailed" || status == 412:
		return &storeError{msg: fmt.Sprintf("%s: %v", head, storage.ErrExists), err: err, sentinel: storage.ErrExists}
	case code == "NoSuchBucket":
		return &storeError{msg: fmt.Sprintf("%s: the bucket %q does not exist there; create it, or correct the bucket in the repository location (or the endpoint)", head, s.bucket), err: err}
	case credentialCodes[code]:
		return &storeError{msg: fmt.Sprintf("%s: the server refused the credentials (%s); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or the profile AWS_PROFILE names: credentials come from the AWS credential chain", head, code), err: err}
	case errors.As(err, &sigErr) || strings.Contains(err.Error(), identityFailed):
		// The SDK's credential chain found none (its errors have no type of their own).
		_, why, _ := strings.Cut(firstLine(err), identityFailed)
		return &storeError{msg: fmt.Sprintf("%s: no usable AWS credentials (%s); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with a web identity or instance role", head, why), err: err}
	case code == "AccessDenied" || code == "AllAccessDisabled" || status == 403:
		return &storeError{msg: fmt.Sprintf("%s: access denied: the credentials may not %s here; grant their user or role %s on the bucket %q and prefix %q, or use other credentials", head, op, action, s.bucket, s.prefix), err: err}
	case regionCodes[code] || status == 301:
		return &storeError{msg: fmt.Sprintf("%s: the bucket is not in the region %s (%s); set the region option or AWS_REGION to the bucket's", head, s.region, code), err: err}
	case code == "EntityTooLarge" || code == "InvalidPart" || code == "InvalidPartOrder" || code == "TooManyParts":
		return &storeError{msg: fmt.Sprintf("%s: the server refused the upload (%s: %s); a larger partSize stores larger objects", head, code, apiMessage(err)), err: err}
	case code != "":
		return &storeError{msg: fmt.Sprintf("%s: the server answered %s: %s", head, code, apiMessage(err)), err: err}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return &storeError{msg: fmt.Sprintf("%s: the endpoint's certificate is not trusted (%v); give the certificate of the authority that signed it as the option caFile or in AWS_CA_BUNDLE", head, certErr.Err), err: err}
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr), errors.As(err, &opErr), errors.As(err, &netErr):
		return &storeError{msg: fmt.Sprintf("%s: the server cannot be reached (%s); check that it runs and that the endpoint (option endpoint, AWS_ENDPOINT_URL) and network are right", head, lastCause(err)), err: err}
	case status >= 500:
		return &storeError{msg: fmt.Sprintf("%s: the server failed (HTTP %d) even after retries; try again later", head, status), err: err}
	}
	return &storeError{msg: fmt.Sprintf("%s: %s", head, lastCause(err)), err: err}
}

// identityFailed starts the SDK's error when no credentials could be had.
const identityFailed = "get identity: "

// credentialCodes are the error codes of credentials the server does not accept.
var credentialCodes = map[string]bool{
	"InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "InvalidToken": true, "ExpiredToken": true,
	"TokenRefreshRequired": true, "InvalidSecurity": true, "InvalidClientTokenId": true, "AuthFailure": true,
}

// regionCodes are the error codes of a request sent to the wrong region.
var regionCodes = map[string]bool{
	"AuthorizationHeaderMalformed": true, "PermanentRedirect": true, "IllegalLocationConstraintException": true,
}

// errorCode returns the S3 error code and HTTP status of err, if it has them.
func errorCode(err error) (string, int) {
	var code string
	var status int
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return code, status
}

func apiMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorMessage() != "" {
		return apiErr.ErrorMessage()
	}
	return lastCause(err)
}

// lastCause is the innermost error's message: the SDK's chain repeats the operation, the
// attempts and the request around it.
func lastCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return firstLine(err)
		}
		err = next
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
