package gcs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
)

func TestOptions(t *testing.T) {
	l, err := gcs.Parse("gs://bucket/zeebe")
	if err != nil {
		t.Fatal(err)
	}
	key := "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
	l, err = gcs.WithOptions(l, map[string]string{
		"endpoint": "https://storage.example.com/", "caFile": "/etc/ssl/private-ca.pem",
		"storageClass": "nearline", "kmsKey": key, "chunkSize": "64MiB",
	})
	want := gcs.Options{Endpoint: "https://storage.example.com", CAFile: "/etc/ssl/private-ca.pem", StorageClass: "NEARLINE", KMSKey: key, ChunkSize: 64 << 20}
	if err != nil || l.Config.(gcs.Config).Options != want {
		t.Fatalf("WithOptions = %+v, %v; want %+v", l.Config, err, want)
	}
	for opts, wantErr := range map[[2]string]string{
		{"region", "eu"}:                             "option region: gs repositories take no option region; they take endpoint, caFile, storageClass, kmsKey, chunkSize (credentials come from Google's standard chain, never from repository options)",
		{"credentials", "/k.json"}:                   "gs repositories take no option credentials",
		{"endpoint", "storage.example.com"}:          `option endpoint: "storage.example.com" is not an endpoint; write the server's URL`,
		{"endpoint", "https://u:p@x.example"}:        "an endpoint with credentials; remove them",
		{"endpoint", "https://x.example/storage/v1"}: "has more than a scheme, host and port",
		{"caFile", "ca.pem"}:                         `option caFile: "ca.pem" is not an absolute path`,
		{"storageClass", "GLACIER"}:                  `option storageClass: "GLACIER" is not a storage class; write one of STANDARD, NEARLINE, COLDLINE, ARCHIVE`,
		{"kmsKey", "my-key"}:                         `option kmsKey: "my-key" is not a Cloud KMS key name; write projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`,
		{"chunkSize", "1000"}:                        `option chunkSize: "1000" is not a chunk size: write a multiple of 256KiB up to 512MiB`,
		{"chunkSize", "1GiB"}:                        "is not a chunk size",
		{"chunkSize", "300KiB"}:                      "is not a chunk size",
		{"chunkSize", "lots"}:                        "is not a chunk size",
	} {
		_, err := gcs.WithOptions(l, map[string]string{opts[0]: opts[1]})
		var oe *storage.OptionError
		if !errors.As(err, &oe) || oe.Name != opts[0] || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("WithOptions(%s: %s) = %v; want an *OptionError for it containing %s", opts[0], opts[1], err, wantErr)
		}
	}
}

// The environment overrides the options written beside the location; a bad value names its
// variable.
func TestEnvironmentOverridesOptions(t *testing.T) {
	t.Setenv(gcs.EmulatorVariable, "127.0.0.1:9") // no credentials: Open looks for none
	l, err := gcs.Parse("gs://bucket/zeebe")
	if err != nil {
		t.Fatal(err)
	}
	if l, err = gcs.WithOptions(l, map[string]string{"storageClass": "COLDLINE", "chunkSize": "8MiB", "kmsKey": "projects/p/locations/l/keyRings/r/cryptoKeys/file"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZEEBE_BACKUP_GCS_STORAGE_CLASS", "archive")
	t.Setenv("ZEEBE_BACKUP_GCS_CHUNK_SIZE", "32MiB")
	t.Setenv("ZEEBE_BACKUP_GCS_ENDPOINT", "http://127.0.0.1:4443")
	s, err := gcs.Open(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	want := gcs.Options{Endpoint: "http://127.0.0.1:4443", StorageClass: "ARCHIVE", ChunkSize: 32 << 20, KMSKey: "projects/p/locations/l/keyRings/r/cryptoKeys/file"}
	if got := gcs.OptionsInForce(s); got != want {
		t.Errorf("options in force = %+v, want %+v", got, want)
	}
	t.Setenv("ZEEBE_BACKUP_GCS_CHUNK_SIZE", "9")
	if _, err := gcs.Open(t.Context(), l); err == nil || !strings.HasPrefix(err.Error(), `environment variable ZEEBE_BACKUP_GCS_CHUNK_SIZE: "9" is not a chunk size`) {
		t.Errorf("Open with a bad chunk size in the environment: %v", err)
	}
	t.Setenv("ZEEBE_BACKUP_GCS_CHUNK_SIZE", "")
	t.Setenv("ZEEBE_BACKUP_GCS_CA_FILE", "/no/such/ca.pem")
	if _, err := gcs.Open(t.Context(), l); err == nil || !strings.Contains(err.Error(), "read the CA file: open /no/such/ca.pem: no such file or directory") {
		t.Errorf("Open with a missing CA file: %v", err)
	}
}
