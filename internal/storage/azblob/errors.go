package azblob

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// storeError is a failed request explained: Error says what failed, what it means and what to
// do. Unwrap gives the context's error, the sentinel it means (fs.ErrNotExist,
// storage.ErrExists) and the cause it carries (a source's error), if any; never the SDK's
// error, whose text holds request URLs, where a SAS token would be.
type storeError struct {
	msg    string
	causes []error
}

func (e *storeError) Error() string { return e.msg }

func (e *storeError) Unwrap() []error { return e.causes }

// fail explains the error of a request: op is what was done ("put", "get"), key the key ("" for
// the store itself), role the Azure role its caller needs. The message names the key, the store,
// its account and endpoint, and never a credential (it is scrubbed of the store's secrets too).
func (s *Store) fail(op, key, role string, err error) error {
	subject := s.location
	if key != "" {
		subject = fmt.Sprintf("%q in %s", key, s.location)
	}
	head := fmt.Sprintf("%s %s (account %s, endpoint %s)", op, subject, s.account, s.endpoint)
	e := s.explain(head, op, role, err)
	e.msg = s.scrub(e.msg)
	return e
}

func (s *Store) explain(head, op, role string, err error) *storeError {
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, ctxErr) {
			return &storeError{msg: fmt.Sprintf("%s: %v", head, ctxErr), causes: []error{ctxErr}}
		}
	}
	var se *storeError
	if errors.As(err, &se) {
		return &storeError{msg: head + ": " + se.msg, causes: se.causes}
	}
	var respErr *azcore.ResponseError
	if errors.As(err, &respErr) {
		return s.explainResponse(head, op, role, respErr)
	}
	var authErr *azidentity.AuthenticationFailedError
	var unavailable interface{ NonRetriable() }
	if s.auth.token != nil && (errors.As(err, &authErr) || errors.As(err, &unavailable)) {
		return &storeError{msg: fmt.Sprintf("%s: Azure's identity chain gave no token (%s); give a service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), run with a workload or managed identity or after az login, or set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_KEY with the account", head, oneLine(err))}
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &storeError{msg: fmt.Sprintf("%s: the Blob service cannot be reached (%s), even after retries; check that it runs and that the endpoint (option endpoint, AZURE_STORAGE_SERVICE_ENDPOINT) and network are right", head, lastCause(err))}
	}
	return &storeError{msg: fmt.Sprintf("%s: %s", head, lastCause(err))}
}

// explainResponse explains an error answer of the Blob service by its error code.
func (s *Store) explainResponse(head, op, role string, e *azcore.ResponseError) *storeError {
	code, status := e.ErrorCode, e.StatusCode
	switch {
	case code == "BlobNotFound" || (status == 404 && code == "" && op != "probe"):
		return &storeError{msg: fmt.Sprintf("%s: %v", head, fs.ErrNotExist), causes: []error{fs.ErrNotExist}}
	case (code == "BlobAlreadyExists" || code == "ConditionNotMet" || status == 412) && op == "put-if-absent":
		return &storeError{msg: fmt.Sprintf("%s: %v", head, storage.ErrExists), causes: []error{storage.ErrExists}}
	case code == "ConditionNotMet" && op == "read":
		return &storeError{msg: fmt.Sprintf("%s: the blob was replaced while it was read (its reading broke and could not be resumed on the same version); read it again", head)}
	case code == "ContainerNotFound" || code == "ContainerBeingDeleted":
		return &storeError{msg: fmt.Sprintf("%s: the container %q does not exist in the account %s; create it (az storage container create --name %s --account-name %s), or correct the container in the repository location (or the account)", head, s.container, s.account, s.container, s.account)}
	case code == "ResourceNotFound" || code == "AccountIsDisabled" || code == "InvalidUri" && status == 400 && op == "probe":
		return &storeError{msg: fmt.Sprintf("%s: the Blob service does not know the account %s (%s); check the account (option account, AZURE_STORAGE_ACCOUNT) and the endpoint", head, s.account, code)}
	case code == "AuthenticationFailed" || code == "InvalidAuthenticationInfo" || code == "NoAuthenticationInformation" ||
		status == 403 && strings.Contains(serviceMessage(e), "failed to authenticate"): // Azurite says AuthorizationFailure
		return &storeError{msg: fmt.Sprintf("%s: the Blob service refused the credentials (%s); check %s", head, code, s.auth.check)}
	case code == "AuthorizationFailure" && e.RawResponse != nil && e.RawResponse.Request != nil && e.RawResponse.Request.Method == http.MethodHead:
		// An answer without a body: Azure's AuthorizationFailure (a network rule, a SAS of
		// another scope) or Azurite's for a wrong signature.
		return &storeError{msg: fmt.Sprintf("%s: the Blob service refused the request (%s): the credentials (%s) are wrong or may not %s here; check %s, and that they are granted %s on the container %q", head, code, s.auth.name, op, s.auth.check, role, s.container)}
	case strings.HasPrefix(code, "Authorization") || code == "InsufficientAccountPermissions" || status == 403:
		return &storeError{msg: fmt.Sprintf("%s: access denied (%s): the credentials (%s) may not %s here; grant them %s on the container %q, or use other credentials", head, code, s.auth.name, op, role, s.container)}
	case code == "InvalidBlockList" || code == "InvalidBlobOrBlock" || code == "BlockCountExceedsLimit" || code == "RequestBodyTooLarge":
		return &storeError{msg: fmt.Sprintf("%s: the Blob service refused the upload (%s: %s); a larger blockSize stores larger blobs", head, code, serviceMessage(e))}
	case code == "Md5Mismatch" || code == "Crc64Mismatch":
		return &storeError{msg: fmt.Sprintf("%s: the data arrived damaged (%s) even after retries; check the network path to the endpoint", head, code)}
	case code != "":
		return &storeError{msg: fmt.Sprintf("%s: the Blob service answered %s (HTTP %d): %s", head, code, status, serviceMessage(e))}
	case status >= 500:
		return &storeError{msg: fmt.Sprintf("%s: the Blob service failed (HTTP %d) even after retries; try again later", head, status)}
	}
	return &storeError{msg: fmt.Sprintf("%s: the Blob service answered HTTP %d", head, status)}
}

// serviceMessage is the first line of the Message of the service's XML error body: Azure adds
// the request id and time on further lines.
func serviceMessage(e *azcore.ResponseError) string {
	var body struct {
		Message string `xml:"Message"`
	}
	if e.RawResponse == nil {
		return "no message"
	}
	data, err := runtime.Payload(e.RawResponse)
	if err != nil || xml.Unmarshal(data, &body) != nil || strings.TrimSpace(body.Message) == "" {
		return "no message"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(body.Message), "\n")
	return strings.TrimSpace(first)
}

// lastCause is the innermost error's message: the SDK's chain repeats the operation, the
// attempts and the request (with its URL) around it.
func lastCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return oneLine(err)
		}
		err = next
	}
}

// oneLine joins the lines of an error's message.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// scrub removes every secret of the store from a message: a last guard, as no message is
// built from one.
func (s *Store) scrub(msg string) string {
	return scrubSecrets(msg, s.auth.secrets)
}

func scrubSecrets(msg string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) >= 8 {
			msg = strings.ReplaceAll(msg, secret, "***")
		}
	}
	return msg
}
