package s3_test

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// awsEnv sets the environment the AWS SDK reads to the server's credentials alone: no shared
// files, no profile, no instance metadata (which would be a request off this machine), and
// none of the options' variables, so that the tests' options are the ones used.
func awsEnv(t testing.TB, accessKey, secretKey string) {
	t.Helper()
	dir := t.TempDir()
	for name, value := range map[string]string{
		"AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": dir + "/no-config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/no-credentials",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_CA_BUNDLE": "",
	} {
		t.Setenv(name, value)
	}
}

// server starts MinIO for the test with the SDK's environment set to its root credentials.
func server(t testing.TB) *testserver.S3Server {
	t.Helper()
	srv := testserver.MinIO(t)
	awsEnv(t, srv.AccessKey, srv.SecretKey)
	return srv
}

// prefixes numbers the stores of one server, so that each starts empty.
var prefixes atomic.Int64

// open opens a store of srv below a prefix of its own, with the server's endpoint and region
// as options besides opts, and the transport wrapped by wrap (if not nil).
func open(t testing.TB, srv *testserver.S3Server, opts storage.Options, wrap func(http.RoundTripper) http.RoundTripper) *s3.Store {
	t.Helper()
	return openAt(t, srv, fmt.Sprintf("s3://%s/t%d", srv.Bucket, prefixes.Add(1)), opts, wrap)
}

func openAt(t testing.TB, srv *testserver.S3Server, loc string, opts storage.Options, wrap func(http.RoundTripper) http.RoundTripper) *s3.Store {
	t.Helper()
	all := storage.Options{"endpoint": srv.Endpoint, "region": srv.Region}
	for k, v := range opts {
		all[k] = v
	}
	l, err := s3.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if l, err = s3.WithOptions(l, all); err != nil {
		t.Fatal(err)
	}
	s, err := s3.Open(t.Context(), l, s3.OpenOptions{Transport: wrap, LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func noEnv(string) (string, bool) { return "", false }

// bucketStores makes a bucket of its own for every store (S3 keys have at most 1024 bytes
// with the prefix, so the suite's longest keys need a store at a bucket's top).
func bucketStores(t *testing.T, srv *testserver.S3Server, opts storage.Options) func(t *testing.T) storage.Store {
	root := adminClient(srv)
	return func(t *testing.T) storage.Store {
		bucket := fmt.Sprintf("%s-%d", srv.Bucket, prefixes.Add(1))
		if _, err := root.CreateBucket(t.Context(), &awss3.CreateBucketInput{Bucket: &bucket}); err != nil {
			t.Fatalf("create bucket %s: %v", bucket, err)
		}
		return openAt(t, srv, "s3://"+bucket, opts, nil)
	}
}

// adminClient is an SDK client of srv with its root credentials, for what the tests prepare
// beside the store.
func adminClient(srv *testserver.S3Server) *awss3.Client {
	return awss3.New(awss3.Options{
		Region: srv.Region, BaseEndpoint: aws.String(srv.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
}
