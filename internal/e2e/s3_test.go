package e2e_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// s3Env is the environment the tool runs with against srv: the given credentials only (no
// shared files, no profile, no instance metadata, which would be a request off this machine).
func s3Env(t *testing.T, accessKey, secretKey, token string) []string {
	dir := t.TempDir()
	return []string{
		"AWS_ACCESS_KEY_ID=" + accessKey, "AWS_SECRET_ACCESS_KEY=" + secretKey, "AWS_SESSION_TOKEN=" + token,
		"AWS_CONFIG_FILE=" + dir + "/none", "AWS_SHARED_CREDENTIALS_FILE=" + dir + "/none", "AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_S3=", "AWS_REGION=",
	}
}

// useS3 points the environment's cluster file at a prefix of srv's bucket (or of bucket),
// with the endpoint and region as repositoryOptions.
func (e *env) useS3(srv *testserver.S3Server, bucket string) string {
	e.t.Helper()
	loc := fmt.Sprintf("s3://%s/zeebe", bucket)
	data, err := os.ReadFile(e.clusterFile)
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.Replace(string(data), "repository: "+e.repoDir+"\n",
		fmt.Sprintf("repository: %s\nrepositoryOptions: {endpoint: %q, region: %s}\n", loc, srv.Endpoint, srv.Region), 1)
	if err := os.WriteFile(e.clusterFile, []byte(s), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return loc
}

// A backup into an S3 repository that refuses the credentials, whose bucket is missing, or
// whose credentials may not write fails in its pre-flight, naming the cause, before any
// broker is stopped; no output shows the secret key. With the right credentials the backup
// is stored, listed and verified.
func TestS3PreflightRefusals(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	srv := testserver.MinIO(t)
	loc := e.useS3(srv, srv.Bucket)
	pids := map[int]int{}
	for _, b := range e.c.Brokers {
		pids[b.NodeID] = pid(b)
	}
	const planted = "pLaNtEdSeCrEt/e2e-0123456789abcdef"
	readOnly := readOnlyCredentials(t, srv)

	for _, c := range []struct {
		name string
		env  []string
		edit func()
		want string
	}{
		{"wrong secret key", s3Env(t, srv.AccessKey, planted, ""), nil, "the server refused the credentials (SignatureDoesNotMatch)"},
		{"missing bucket", s3Env(t, srv.AccessKey, srv.SecretKey, ""), func() { e.useS3(srv, "no-such-bucket") }, `the bucket "no-such-bucket" does not exist there`},
		{"read-only credentials", readOnly, func() { e.useS3(srv, srv.Bucket) }, "access denied: the credentials may not put here; grant their user or role s3:PutObject"},
	} {
		if c.edit != nil {
			e.writeClusterFile(e.clusterFile, nil)
			c.edit()
		}
		code, stdout, stderr := e.startTool(c.env, "backup", "--id", "refused").wait()
		if code != cli.ExitRefused || !strings.Contains(stderr, "pre-flight check failed, no broker was touched") || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit %d, the pre-flight's refusal saying %q", c.name, code, stderr, cli.ExitRefused, c.want)
		}
		for _, secret := range []string{planted, srv.SecretKey, readOnly[1]} {
			if strings.Contains(stdout+stderr, strings.TrimPrefix(secret, "AWS_SECRET_ACCESS_KEY=")) {
				t.Errorf("%s: the output shows a secret key:\n%s%s", c.name, stdout, stderr)
			}
		}
		for _, b := range e.c.Brokers {
			if !ready(b) || pid(b) != pids[b.NodeID] {
				t.Fatalf("%s: broker %d was touched by a refused backup", c.name, b.NodeID)
			}
		}
	}

	ok := s3Env(t, srv.AccessKey, srv.SecretKey, "")
	if code, _, stderr := e.startTool(ok, "backup", "--id", "first").wait(); code != 0 {
		t.Fatalf("backup to %s: exit %d\n%s", loc, code, stderr)
	}
	code, stdout, stderr := e.startTool(ok, "list").wait()
	if code != 0 || !strings.Contains(stdout, "first") || strings.Contains(stdout, "refused") {
		t.Fatalf("list of %s: exit %d\n%s%s", loc, code, stdout, stderr)
	}
	if code, stdout, stderr := e.startTool(ok, "verify", "first", "--deep").wait(); code != 0 {
		t.Fatalf("verify --deep of the backup in %s: exit %d\n%s%s", loc, code, stdout, stderr)
	}
}

// readOnlyCredentials are temporary credentials from MinIO's STS whose session policy allows
// reading and listing the bucket only, as the tool's environment.
func readOnlyCredentials(t *testing.T, srv *testserver.S3Server) []string {
	t.Helper()
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"]}]}`, srv.Bucket, srv.Bucket)
	client := sts.New(sts.Options{Region: srv.Region, BaseEndpoint: aws.String(srv.Endpoint), Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")})
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/read-only"), RoleSessionName: aws.String("zeebe-backup-e2e"), Policy: &policy, DurationSeconds: aws.Int32(900)}
	out, err := client.AssumeRole(t.Context(), in)
	for deadline := time.Now().Add(30 * time.Second); err != nil && strings.Contains(err.Error(), "Server not initialized") && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond) // MinIO's IAM starts a moment after its S3 API
		out, err = client.AssumeRole(t.Context(), in)
	}
	if err != nil {
		t.Fatalf("STS AssumeRole on MinIO: %v", err)
	}
	c := out.Credentials
	return s3Env(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}
