package s3_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
)

// The backend's own location rules: a bucket and an optional prefix, nothing else.
func TestParse(t *testing.T) {
	for loc, want := range map[string]s3.Config{
		"s3://bucket":                  {Bucket: "bucket"},
		"s3://bucket/":                 {Bucket: "bucket"},
		"S3://my-bucket.example/zeebe": {Bucket: "my-bucket.example", Prefix: "zeebe/"},
		"s3://bucket/zeebe/prod/":      {Bucket: "bucket", Prefix: "zeebe/prod/"},
		"s3://b12/with%20space":        {Bucket: "b12", Prefix: "with space/"},
	} {
		l, err := s3.Parse(loc)
		if err != nil || l.Text != loc || l.Config != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", loc, l, err, want)
		}
	}
	for loc, want := range map[string]string{
		"s3:bucket":               `"s3:bucket" names no bucket; write s3://bucket or s3://bucket/prefix`,
		"s3:///prefix":            `"s3:///prefix" names no bucket`,
		"s3://bucket:9000/zeebe":  `"s3://bucket:9000/zeebe" has a port; write s3://bucket/prefix, and the server's address as the option endpoint or in AWS_ENDPOINT_URL`,
		"s3://bucket:/zeebe":      `has a port`,
		"s3://AKIA@bucket/zeebe":  `"s3://AKIA@bucket/zeebe" holds credentials; remove them: the keys are read from the AWS credential chain`,
		"s3://bucket/x?region=eu": `has a query or fragment; write s3://bucket/prefix, and settings as repositoryOptions`,
		"s3://bucket/x#y":         `has a query or fragment`,
		"s3://b/x":                `"s3://b/x": "b" is not a bucket name; a bucket name has 3 to 63 letters, digits, dots and hyphens`,
		"s3://-bucket/y":          `"-bucket" is not a bucket name`,
		"s3://a..b/y":             `"a..b" is not a bucket name`,
		"s3://bucket//x":          `"s3://bucket//x": the prefix "/x" is not usable`,
		"s3://bucket/a//b":        `the prefix "a//b" is not usable`,
		"s3://bucket/a/../b":      `the prefix "a/../b" is not usable`,
		"s3://bucket/.tmp-x/":     `the prefix ".tmp-x/" is not usable`,
		"s3://%zz":                `"s3://%zz" is not a valid URL; write s3://bucket/prefix`,
		"gs://bucket":             `"gs://bucket" is not an s3:// URL`,
	} {
		if _, err := s3.Parse(loc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v; want %s", loc, err, want)
		}
	}
}

// Through the registry main builds: options are checked, credentials refused without being
// repeated, and s3 is listed among the schemes.
func TestRegistry(t *testing.T) {
	r := storage.NewRegistry(local.Backend(), s3.Backend())
	l, err := r.Parse("s3://bucket/zeebe", storage.Options{"region": "eu-west-1", "partSize": "64MiB", "pathStyle": "true"})
	c, _ := l.Config.(s3.Config)
	if err != nil || l.Scheme != "s3" || c.Region != "eu-west-1" || c.PartSize != 64<<20 || c.PathStyle == nil || !*c.PathStyle {
		t.Errorf("Parse with options = %+v, %v", l, err)
	}
	if _, err := r.Parse("s3://AKIAEXAMPLE:hunter2@bucket/zeebe", nil); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("credentials in the URL: %v", err)
	}
	var oe *storage.OptionError
	_, err = r.Parse("s3://bucket/zeebe", storage.Options{"secretAccessKey": "hunter2"})
	if !errors.As(err, &oe) || oe.Name != "secretAccessKey" || strings.Contains(err.Error(), "hunter2") ||
		!strings.Contains(err.Error(), "s3 repositories take no option secretAccessKey; they take endpoint, region, pathStyle, caFile, storageClass, sse, sseKmsKeyId, partSize, concurrency (credentials come from the AWS credential chain, never from a file)") {
		t.Errorf("a credential as an option: %v", err)
	}
	if _, err := r.Parse("s3:bucket", nil); err == nil || !strings.Contains(err.Error(), "names no bucket") {
		t.Errorf("Parse(s3:bucket): %v", err)
	}
	if _, err := r.Parse("nope://x", nil); err == nil || !strings.Contains(err.Error(), "this version supports file, s3: write a path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe), or s3://bucket/prefix") {
		t.Errorf("unknown scheme: %v", err)
	}
}

// Each option's values: what is taken and what is refused, naming the option.
func TestOptions(t *testing.T) {
	parse := func(opts storage.Options) (s3.Options, error) {
		l, err := s3.WithOptions(storage.Location{Text: "s3://bucket", Config: s3.Config{Bucket: "bucket"}}, opts)
		if err != nil {
			return s3.Options{}, err
		}
		return l.Config.(s3.Config).Options, nil
	}
	yes := true
	for _, c := range []struct {
		opts storage.Options
		want s3.Options
	}{
		{storage.Options{"endpoint": "http://127.0.0.1:9000/"}, s3.Options{Endpoint: "http://127.0.0.1:9000"}},
		{storage.Options{"endpoint": "https://s3.example.com"}, s3.Options{Endpoint: "https://s3.example.com"}},
		{storage.Options{"region": "eu-central-1", "pathStyle": "yes"}, s3.Options{}}, // refused below
		{storage.Options{"pathStyle": "true", "caFile": "/etc/ssl/ca.pem"}, s3.Options{PathStyle: &yes, CAFile: "/etc/ssl/ca.pem"}},
		{storage.Options{"storageClass": "STANDARD_IA", "sse": "aws:kms", "sseKmsKeyId": "arn:aws:kms:eu-west-1:1:key/x"}, s3.Options{StorageClass: "STANDARD_IA", SSE: "aws:kms", SSEKMSKeyID: "arn:aws:kms:eu-west-1:1:key/x"}},
		{storage.Options{"sse": "AES256", "partSize": "5MiB", "concurrency": "8"}, s3.Options{SSE: "AES256", PartSize: 5 << 20, Concurrency: 8}},
		{storage.Options{"partSize": "1GiB"}, s3.Options{PartSize: 1 << 30}},
		{storage.Options{"partSize": "20971520"}, s3.Options{PartSize: 20 << 20}},
	} {
		got, err := parse(c.opts)
		if c.opts["pathStyle"] == "yes" {
			if err == nil || err.Error() != `option pathStyle: "yes" is not true or false` {
				t.Errorf("pathStyle yes: %v", err)
			}
			continue
		}
		if err != nil || got.Endpoint != c.want.Endpoint || got.CAFile != c.want.CAFile || got.StorageClass != c.want.StorageClass ||
			got.SSE != c.want.SSE || got.SSEKMSKeyID != c.want.SSEKMSKeyID || got.PartSize != c.want.PartSize || got.Concurrency != c.want.Concurrency ||
			(got.PathStyle == nil) != (c.want.PathStyle == nil) {
			t.Errorf("options %v = %+v, %v; want %+v", c.opts, got, err, c.want)
		}
	}
	for opts, want := range map[string]string{
		"endpoint=127.0.0.1:9000":       `option endpoint: "127.0.0.1:9000" is not an endpoint; write the server's URL, like https://s3.example.com or http://127.0.0.1:9000`,
		"endpoint=http://k:s3cret@host": `option endpoint: an endpoint with credentials; remove them`,
		"endpoint=https://h/path":       `option endpoint: "https://h/path" has more than a scheme, host and port`,
		"region=EU West":                `option region: "EU West" is not a region; write one like eu-west-1`,
		"caFile=ca.pem":                 `option caFile: "ca.pem" is not an absolute path`,
		"storageClass=GLACIER":          `option storageClass: GLACIER objects cannot be read without a restore request`,
		"storageClass=fast":             `option storageClass: "fast" is not a storage class`,
		"sse=aes":                       `option sse: "aes" is not a server-side encryption; write AES256, aws:kms or aws:kms:dsse`,
		"sseKmsKeyId=k":                 `option sseKmsKeyId: a KMS key is given without sse: aws:kms`,
		"partSize=4MiB":                 `option partSize: "4MiB" is not a part size from 5MiB to 5GiB; write one like 16MiB or 64MiB`,
		"partSize=6GiB":                 `option partSize: "6GiB" is not a part size from 5MiB to 5GiB`,
		"partSize=16MB":                 `option partSize: "16MB" is not a part size`,
		"concurrency=0":                 `option concurrency: "0" is not a number of parts uploaded at once from 1 to 64`,
		"concurrency=65":                `option concurrency: "65" is not a number`,
		"accessKeyId=AKIA":              `option accessKeyId: s3 repositories take no option accessKeyId`,
	} {
		name, value, _ := strings.Cut(opts, "=")
		if _, err := parse(storage.Options{name: value}); err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("option %s: %v; want %s", opts, err, want)
		}
	}
}
