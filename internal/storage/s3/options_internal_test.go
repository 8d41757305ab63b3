package s3

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// The environment overrides the options written beside the location, each by its variables
// in order (AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL); an empty variable counts as unset.
func TestEnvironmentOverridesOptions(t *testing.T) {
	written, err := parseOptions(storage.Options{
		"endpoint": "http://10.0.0.1:9000", "region": "eu-west-1", "pathStyle": "false", "storageClass": "STANDARD",
		"partSize": "32MiB", "concurrency": "2",
	})
	if err != nil {
		t.Fatal(err)
	}
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	}
	o, err := written.withEnvironment(env(nil))
	if err != nil || o.Endpoint != "http://10.0.0.1:9000" || o.Region != "eu-west-1" || o.pathStyle() || o.partSize() != 32<<20 || o.concurrency() != 2 {
		t.Errorf("without environment: %+v, %v; want the written options", o, err)
	}
	o, err = written.withEnvironment(env(map[string]string{
		"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "AWS_REGION": "",
		"AWS_DEFAULT_REGION": "us-west-2", "ZEEBE_BACKUP_S3_PATH_STYLE": "true", "ZEEBE_BACKUP_S3_PART_SIZE": "8MiB",
		"ZEEBE_BACKUP_S3_CONCURRENCY": "16", "ZEEBE_BACKUP_S3_STORAGE_CLASS": "STANDARD_IA", "ZEEBE_BACKUP_S3_SSE": "aws:kms",
		"ZEEBE_BACKUP_S3_SSE_KMS_KEY_ID": "key-1", "AWS_CA_BUNDLE": "/etc/ca.pem",
	}))
	if err != nil || o.Endpoint != "http://127.0.0.1:9000" || o.Region != "us-west-2" || !o.pathStyle() || o.partSize() != 8<<20 ||
		o.concurrency() != 16 || o.StorageClass != "STANDARD_IA" || o.SSE != "aws:kms" || o.SSEKMSKeyID != "key-1" || o.CAFile != "/etc/ca.pem" {
		t.Errorf("with environment: %+v, %v; want the environment's values", o, err)
	}
	o, err = written.withEnvironment(env(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_REGION": "ap-south-1"}))
	if err != nil || o.Endpoint != "http://127.0.0.1:1" || o.Region != "ap-south-1" {
		t.Errorf("AWS_ENDPOINT_URL alone: %+v, %v", o, err)
	}
	for vars, want := range map[string]string{
		"ZEEBE_BACKUP_S3_PART_SIZE=1KiB":       `environment variable ZEEBE_BACKUP_S3_PART_SIZE: "1KiB" is not a part size`,
		"AWS_ENDPOINT_URL_S3=localhost:9000":   `environment variable AWS_ENDPOINT_URL_S3: "localhost:9000" is not an endpoint`,
		"ZEEBE_BACKUP_S3_SSE_KMS_KEY_ID=k":     `a KMS key is given without sse: aws:kms`,
		"ZEEBE_BACKUP_S3_PATH_STYLE=sometimes": `environment variable ZEEBE_BACKUP_S3_PATH_STYLE: "sometimes" is not true or false`,
	} {
		name, value, _ := strings.Cut(vars, "=")
		if _, err := written.withEnvironment(env(map[string]string{name: value})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %s", vars, err, want)
		}
	}
}

// Path-style addressing is used without being told for an endpoint that is an IP address or
// localhost; an explicit setting wins; AWS itself (no endpoint) uses virtual-hosted names.
func TestPathStyleByEndpoint(t *testing.T) {
	no, yes := false, true
	for _, c := range []struct {
		o    Options
		want bool
	}{
		{Options{}, false},
		{Options{Endpoint: "http://127.0.0.1:9000"}, true},
		{Options{Endpoint: "http://[::1]:9000"}, true},
		{Options{Endpoint: "https://10.1.2.3"}, true},
		{Options{Endpoint: "http://localhost:9000"}, true},
		{Options{Endpoint: "http://minio.localhost:9000"}, true},
		{Options{Endpoint: "https://s3.eu-west-1.amazonaws.com"}, false},
		{Options{Endpoint: "https://minio.example.com"}, false},
		{Options{Endpoint: "https://minio.example.com", PathStyle: &yes}, true},
		{Options{Endpoint: "http://127.0.0.1:9000", PathStyle: &no}, false},
	} {
		if got := c.o.pathStyle(); got != c.want {
			t.Errorf("pathStyle(%+v) = %v, want %v", c.o, got, c.want)
		}
	}
}
