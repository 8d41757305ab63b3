package testserver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The two request signers below are the least each server needs to create a test's bucket or
// container and for this package's tests to check it: requests without a body and without a
// query beyond a few plain parameters. They are not clients; backends use their cloud's SDK.

// emptySHA256 is the hex SHA-256 of an empty payload.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// signV4 returns the headers of an AWS Signature Version 4 signed request without a body to
// rawURL (path-style, no query), for service s3.
func signV4(method, rawURL, region, accessKey, secretKey string, now time.Time) (http.Header, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sign %s %s: %w", method, rawURL, err)
	}
	if u.RawQuery != "" {
		return nil, fmt.Errorf("sign %s %s: a query is not supported here", method, rawURL)
	}
	amzDate := now.UTC().Format("20060102T150405Z")
	day := amzDate[:8]
	scope := day + "/" + region + "/s3/aws4_request"
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	canonical := strings.Join([]string{
		method, path, "",
		"host:" + u.Host, "x-amz-content-sha256:" + emptySHA256, "x-amz-date:" + amzDate, "",
		"host;x-amz-content-sha256;x-amz-date", emptySHA256,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + secretKey)
	for _, part := range []string{day, region, "s3", "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	h := http.Header{}
	h.Set("X-Amz-Date", amzDate)
	h.Set("X-Amz-Content-Sha256", emptySHA256)
	h.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=%x",
		accessKey, scope, hmacSHA256(key, toSign)))
	return h, nil
}

// azureVersion is the x-ms-version of the Shared Key requests made here.
const azureVersion = "2021-12-02"

// signSharedKey returns the headers of an Azure Storage Shared Key signed request without a
// body to rawURL, for account with the base64 key.
func signSharedKey(method, rawURL, account, key string, now time.Time) (http.Header, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sign %s %s: %w", method, rawURL, err)
	}
	secret, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("sign %s %s: the account key is not base64: %w", method, rawURL, err)
	}
	h := http.Header{}
	h.Set("X-Ms-Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Ms-Version", azureVersion)
	// The resource: /account, the path (which, path-style, starts with the account again), then
	// each query parameter as "\nname:value", sorted by name.
	resource := "/" + account + u.EscapedPath()
	query := u.Query()
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		resource += "\n" + strings.ToLower(name) + ":" + strings.Join(query[name], ",")
	}
	// VERB, then the standard headers (all empty here: Content-Length is empty for no body),
	// then the x-ms- headers sorted, then the resource.
	toSign := method + "\n" + strings.Repeat("\n", 11) +
		"x-ms-date:" + h.Get("X-Ms-Date") + "\n" + "x-ms-version:" + azureVersion + "\n" + resource
	h.Set("Authorization", "SharedKey "+account+":"+base64.StdEncoding.EncodeToString(hmacSHA256(secret, toSign)))
	return h, nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
