package gcs_test

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
)

// The backend's own rules: gs://bucket[/prefix] with a bucket Cloud Storage accepts and a
// prefix of valid key segments, nothing else.
func TestParse(t *testing.T) {
	for loc, want := range map[string]gcs.Config{
		"gs://bucket":                     {Bucket: "bucket"},
		"gs://bucket/":                    {Bucket: "bucket"},
		"GS://bucket/zeebe":               {Bucket: "bucket", Prefix: "zeebe/"},
		"gs://my_bucket-1/zeebe/prod/":    {Bucket: "my_bucket-1", Prefix: "zeebe/prod/"},
		"gs://backups.example.com/a%20b":  {Bucket: "backups.example.com", Prefix: "a b/"},
		"gs://" + strings.Repeat("a", 63): {Bucket: strings.Repeat("a", 63)},
		"gs://" + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63): {Bucket: strings.Repeat("a", 63) + "." + strings.Repeat("b", 63)},
	} {
		l, err := gcs.Parse(loc)
		if err != nil || l.Config != want || l.Text != loc {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", loc, l, err, want)
		}
	}
	for loc, want := range map[string]string{
		"gs:bucket":                              `"gs:bucket" names no bucket; write gs://bucket or gs://bucket/prefix`,
		"gs:///zeebe":                            `"gs:///zeebe" names no bucket`,
		"gs://tok@bucket/zeebe":                  `"gs://tok@bucket/zeebe" holds credentials; remove them: credentials come from Google's standard chain`,
		"gs://bucket:443/zeebe":                  `"gs://bucket:443/zeebe" has a port; write gs://bucket/prefix, and a server's address as the option endpoint or in STORAGE_EMULATOR_HOST`,
		"gs://bucket/zeebe?x=1":                  `"gs://bucket/zeebe?x=1" has a query or fragment`,
		"gs://bucket/zeebe#x":                    `"gs://bucket/zeebe#x" has a query or fragment`,
		"gs://bucket//zeebe":                     `"gs://bucket//zeebe": the prefix "/zeebe" is not usable: starts with a slash`,
		"gs://bucket/a/../b":                     `"gs://bucket/a/../b": the prefix "a/../b" is not usable: has a ".." segment`,
		"gs://bucket/.tmp-x":                     `the prefix ".tmp-x" is not usable`,
		"gs://Bucket/zeebe":                      `"gs://Bucket/zeebe": "Bucket" is not a bucket name: it has upper-case letters`,
		"gs://ab/zeebe":                          `"ab" is not a bucket name: shorter than 3 characters`,
		"gs://-bucket":                           `"-bucket" is not a bucket name: bucket names have 3 to 63 lower-case letters`,
		"gs://bucket-":                           `"bucket-" is not a bucket name`,
		"gs://buck%24et":                         `is not a valid URL`,
		"gs://a..b":                              `"a..b" is not a bucket name: each dot-separated part has 1 to 63 characters`,
		"gs://192.168.5.4":                       `"192.168.5.4" is not a bucket name: an IP address is no bucket name`,
		"gs://goog-backups":                      `"goog-backups" is not a bucket name: bucket names may not start with "goog"`,
		"gs://my-g00gle-backups":                 `may not start with "goog" nor contain "google" or a look-alike`,
		"s3://bucket":                            `"s3://bucket" is not a gs:// URL`,
		"gs://" + strings.Repeat("a", 64):        `is not a bucket name: longer than 63 characters`,
		"gs://" + strings.Repeat("a", 64) + ".b": `each dot-separated part has 1 to 63 characters`,
		"gs://" + strings.Repeat(strings.Repeat("a", 60)+".", 4) + "abc": `longer than 222 characters`,
	} {
		if _, err := gcs.Parse(loc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v; want an error containing %s", loc, err, want)
		}
	}
}
