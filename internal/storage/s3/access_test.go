package s3_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// plantedSecret is a secret access key that no error, listing or stored blob may show.
const plantedSecret = "pLaNtEdSeCrEt/0123456789+abcdefghijklmnop"

// Wrong credentials, a missing bucket and a server that is down are each named by Probe (the
// pre-flight of backup and restore) as such, with what to do; the secret key is never in an
// error.
func TestProbeSaysWhatIsWrong(t *testing.T) {
	srv := server(t)
	if err := open(t, srv, nil, nil).Probe(t.Context()); err != nil {
		t.Fatalf("Probe with the right credentials: %v", err)
	}

	awsEnv(t, srv.AccessKey, plantedSecret)
	s := open(t, srv, nil, nil)
	errs := []error{s.Probe(t.Context())}
	if err := errs[0]; err == nil || !strings.Contains(err.Error(), "list "+s.Location()+" (endpoint "+srv.Endpoint+"): the server refused the credentials (SignatureDoesNotMatch); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
		t.Errorf("Probe with a wrong secret key: %v", err)
	}
	_, err := s.Put(t.Context(), "k", strings.NewReader("x"))
	errs = append(errs, err)
	_, err = s.Get(t.Context(), "k")
	errs = append(errs, err)
	_, err = s.Stat(t.Context(), "k")
	errs = append(errs, err)
	_, err = s.List(t.Context(), "")
	errs = append(errs, err, s.Delete(t.Context(), "k"))
	for i, err := range errs {
		if err == nil || strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), plantedSecret) || strings.Contains(err.Error(), "pLaNtEd") {
			t.Errorf("call %d with a wrong secret key: %v; want an error without the key", i, err)
		}
	}

	awsEnv(t, "NOSUCHKEYID", plantedSecret)
	if err := open(t, srv, nil, nil).Probe(t.Context()); err == nil || !strings.Contains(err.Error(), "the server refused the credentials (InvalidAccessKeyId)") || strings.Contains(err.Error(), plantedSecret) {
		t.Errorf("Probe with an unknown access key: %v", err)
	}

	awsEnv(t, srv.AccessKey, srv.SecretKey)
	missing := openAt(t, srv, "s3://no-such-bucket-here/zeebe", nil, nil)
	if err := missing.Probe(t.Context()); err == nil || !strings.Contains(err.Error(), `the bucket "no-such-bucket-here" does not exist there; create it, or correct the bucket`) {
		t.Errorf("Probe of a missing bucket: %v", err)
	}
	if _, err := missing.Put(t.Context(), "lock.json", strings.NewReader("{}")); err == nil || !strings.Contains(err.Error(), "does not exist there") {
		t.Errorf("Put into a missing bucket: %v", err)
	}

	// Without credentials at all (and no instance role: the metadata service is off).
	awsEnv(t, "", "")
	if err := open(t, srv, nil, nil).Probe(t.Context()); err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") || !strings.Contains(err.Error(), "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE") {
		t.Errorf("Probe without credentials: %v", err)
	}

	awsEnv(t, srv.AccessKey, srv.SecretKey)
	srv.Kill()
	if err := open(t, srv, nil, nil).Probe(t.Context()); err == nil || !strings.Contains(err.Error(), "(endpoint "+srv.Endpoint+"): the server cannot be reached (connection refused); check that it runs") {
		t.Errorf("Probe of a stopped server: %v", err)
	}
}

// Credentials that may read but not write (a session policy from STS) pass Probe, and a Put
// says that they may not write, with the permission to grant; the session token is in no
// error.
func TestReadOnlyCredentials(t *testing.T) {
	srv := server(t)
	rw := open(t, srv, nil, nil)
	if _, err := rw.Put(t.Context(), "existing", strings.NewReader("stored before")); err != nil {
		t.Fatal(err)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"]}]}`, srv.Bucket, srv.Bucket)
	client := sts.New(sts.Options{Region: srv.Region, BaseEndpoint: aws.String(srv.Endpoint), Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")})
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/read-only"), RoleSessionName: aws.String("zeebe-backup-test"), Policy: &policy, DurationSeconds: aws.Int32(900)}
	out, err := client.AssumeRole(t.Context(), in)
	for deadline := time.Now().Add(30 * time.Second); err != nil && strings.Contains(err.Error(), "Server not initialized") && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond) // MinIO's IAM starts a moment after its S3 API
		out, err = client.AssumeRole(t.Context(), in)
	}
	if err != nil {
		t.Fatalf("STS AssumeRole on MinIO: %v", err)
	}
	c := out.Credentials
	awsEnv(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey))
	t.Setenv("AWS_SESSION_TOKEN", aws.ToString(c.SessionToken))
	ro := openAt(t, srv, rw.Location(), nil, nil)
	if err := ro.Probe(t.Context()); err != nil {
		t.Fatalf("Probe with read-only credentials: %v", err)
	}
	if rc, err := ro.Get(t.Context(), "existing"); err != nil {
		t.Errorf("Get with read-only credentials: %v", err)
	} else {
		rc.Close()
	}
	_, err = ro.Put(t.Context(), "zeebe-backup-x/preflight-probe", strings.NewReader(""))
	if err == nil || !strings.Contains(err.Error(), `put "zeebe-backup-x/preflight-probe" in `+rw.Location()+" (endpoint "+srv.Endpoint+"): access denied: the credentials may not put here; grant their user or role s3:PutObject") {
		t.Errorf("Put with read-only credentials: %v", err)
	}
	for _, secret := range []string{aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)} {
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows a credential: %v", err)
		}
	}
}

// Nothing the store writes holds the secret key it signs with: every object in the bucket,
// its metadata included, is read back and searched.
func TestStoredObjectsHoldNoCredentials(t *testing.T) {
	srv := server(t)
	s := open(t, srv, storage.Options{"partSize": "5MiB"}, nil)
	for key, size := range map[string]int{"lock.json": 100, "zeebe-backup-x/manifest.json": 5000, "zeebe-backup-x/archive": 11 << 20} {
		if _, err := s.Put(t.Context(), key, bytes.NewReader(data(size, uint64(size)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutIfAbsent(t.Context(), "lock.json", strings.NewReader("{}")); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("PutIfAbsent over the lock: %v", err)
	}
	admin := adminClient(srv)
	objects, err := admin.ListObjectsV2(t.Context(), &awss3.ListObjectsV2Input{Bucket: &srv.Bucket})
	if err != nil || len(objects.Contents) != 3 {
		t.Fatalf("objects in the bucket: %+v, %v; want the 3 blobs", objects, err)
	}
	for _, obj := range objects.Contents {
		out, err := admin.GetObject(t.Context(), &awss3.GetObjectInput{Bucket: &srv.Bucket, Key: obj.Key})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		all := fmt.Sprintf("%s %v %v %s", body, out.Metadata, aws.ToString(out.ContentType), aws.ToString(out.ContentDisposition))
		if strings.Contains(all, srv.SecretKey) || strings.Contains(all, srv.AccessKey) {
			t.Errorf("%s holds a credential", aws.ToString(obj.Key))
		}
	}
	if strings.Contains(s.Location()+s.Endpoint(), srv.SecretKey) {
		t.Errorf("the store's names show the secret key")
	}
}
