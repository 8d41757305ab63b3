package azblob

import (
	"encoding/base64"
	"strings"
	"testing"
)

// secretKey is a planted account key: no message may hold it.
var secretKey = base64.StdEncoding.EncodeToString([]byte("PLANTED-SECRET-ACCOUNT-KEY-0123456789"))

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestEnvironmentOverridesOptions(t *testing.T) {
	o := Options{Account: "fromfile", AccessTier: "Hot", BlockSize: 8 << 20, Concurrency: 2}
	got, err := o.withEnvironment(env(map[string]string{
		"AZURE_STORAGE_ACCOUNT":           "fromenv",
		"AZURE_STORAGE_SERVICE_ENDPOINT":  "http://localhost:10000",
		"ZEEBE_BACKUP_AZBLOB_ACCESS_TIER": "cold",
		"ZEEBE_BACKUP_AZBLOB_BLOCK_SIZE":  "4MiB",
		"ZEEBE_BACKUP_AZBLOB_CONCURRENCY": " ",
		"ZEEBE_BACKUP_AZBLOB_CA_FILE":     "/ca.pem",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Account: "fromenv", Endpoint: "http://localhost:10000", CAFile: "/ca.pem", AccessTier: "Cold", BlockSize: 4 << 20, Concurrency: 2}
	if got != want {
		t.Fatalf("withEnvironment = %+v, want %+v", got, want)
	}
	_, err = o.withEnvironment(env(map[string]string{"ZEEBE_BACKUP_AZBLOB_CONCURRENCY": "many"}))
	if err == nil || !strings.Contains(err.Error(), "ZEEBE_BACKUP_AZBLOB_CONCURRENCY") {
		t.Fatalf("a bad variable: error = %v, want it named", err)
	}
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name             string
		opts             Options
		vars             map[string]string
		account, service string
		auth             string
	}{
		{"public cloud with a key", Options{Account: "zeebeprod"}, map[string]string{"AZURE_STORAGE_KEY": secretKey},
			"zeebeprod", "https://zeebeprod.blob.core.windows.net", "the account key in AZURE_STORAGE_KEY"},
		{"Azurite by IP: the account is added to the path", Options{Account: "devstoreaccount1", Endpoint: "http://127.0.0.1:10000"}, map[string]string{"AZURE_STORAGE_KEY": secretKey},
			"devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "the account key in AZURE_STORAGE_KEY"},
		{"Azurite on localhost names the account in its path", Options{Endpoint: "http://localhost:10000/devstoreaccount1"}, map[string]string{"AZURE_STORAGE_KEY": secretKey},
			"devstoreaccount1", "http://localhost:10000/devstoreaccount1", "the account key in AZURE_STORAGE_KEY"},
		{"a sovereign cloud's endpoint names the account", Options{Endpoint: "https://acct1.blob.core.chinacloudapi.cn"}, map[string]string{"AZURE_STORAGE_SAS_TOKEN": "?sv=2024-01-01&sig=PLANTEDSAS"},
			"acct1", "https://acct1.blob.core.chinacloudapi.cn", "the SAS token in AZURE_STORAGE_SAS_TOKEN"},
		{"a connection string with a blob endpoint", Options{}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + secretKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"},
			"devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "the account key in AZURE_STORAGE_CONNECTION_STRING"},
		{"a connection string with a suffix", Options{}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=acct2;AccountKey=" + secretKey + ";EndpointSuffix=core.usgovcloudapi.net", "AZURE_STORAGE_KEY": "ignored"},
			"acct2", "https://acct2.blob.core.usgovcloudapi.net", "the account key in AZURE_STORAGE_CONNECTION_STRING"},
		{"a connection string with a SAS", Options{Account: "acct3"}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "BlobEndpoint=https://acct3.blob.core.windows.net;SharedAccessSignature=sv=2024&sig=PLANTEDSAS"},
			"acct3", "https://acct3.blob.core.windows.net", "the SAS token in AZURE_STORAGE_CONNECTION_STRING"},
		{"auth mode login takes the identity chain over a key", Options{Account: "acct4"}, map[string]string{"AZURE_STORAGE_KEY": secretKey, "AZURE_STORAGE_AUTH_MODE": "login"},
			"acct4", "https://acct4.blob.core.windows.net", "Azure's identity chain"},
		{"no key: the identity chain", Options{Account: "acct5"}, nil,
			"acct5", "https://acct5.blob.core.windows.net", "Azure's identity chain"},
	}
	for _, c := range cases {
		tg, err := resolve(c.opts, env(c.vars))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if tg.account != c.account || tg.endpoint != c.service || tg.auth.name != c.auth {
			t.Errorf("%s: account %q, endpoint %q, auth %q; want %q, %q, %q", c.name, tg.account, tg.endpoint, tg.auth.name, c.account, c.service, c.auth)
		}
	}
}

func TestResolveRefuses(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		vars map[string]string
		want string
	}{
		{"no account", Options{}, map[string]string{"AZURE_STORAGE_KEY": secretKey}, "no storage account"},
		{"Azurite without an account", Options{Endpoint: "http://127.0.0.1:10000"}, map[string]string{"AZURE_STORAGE_KEY": secretKey}, "names no account"},
		{"accounts that differ", Options{Account: "other", Endpoint: "http://127.0.0.1:10000/devstoreaccount1"}, map[string]string{"AZURE_STORAGE_KEY": secretKey}, "make them agree"},
		{"a custom domain without an account", Options{Endpoint: "https://backups.example.com"}, map[string]string{"AZURE_STORAGE_KEY": secretKey}, "set the option account"},
		{"a key that is no base64", Options{Account: "acct"}, map[string]string{"AZURE_STORAGE_KEY": "PLANTED-SECRET-not-base64!"}, "is not an account key"},
		{"the identity chain over http", Options{Account: "acct", Endpoint: "http://127.0.0.1:10000"}, nil, "needs an https endpoint"},
		{"a connection string of another account", Options{Account: "other"}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=acct;AccountKey=" + secretKey}, "make them agree"},
		{"a connection string of another endpoint", Options{Endpoint: "http://127.0.0.1:9999"}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=acct;AccountKey=" + secretKey + ";BlobEndpoint=http://127.0.0.1:10000/acct"}, "make them agree"},
		{"a connection string without a credential", Options{}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=acct;EndpointSuffix=core.windows.net"}, "neither AccountKey nor SharedAccessSignature"},
		{"a connection string with a bad key", Options{}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=acct;AccountKey=PLANTED-SECRET-not-base64!;EndpointSuffix=core.windows.net"}, "not an account key"},
		{"a connection string that is garbage", Options{}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "PLANTED-SECRET-garbage"}, "without '='"},
		{"development storage", Options{}, map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"}, "UseDevelopmentStorage"},
	}
	for _, c := range cases {
		_, err := resolve(c.opts, env(c.vars))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want one saying %q", c.name, err, c.want)
			continue
		}
		for _, secret := range []string{secretKey, "PLANTED"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error %q holds a secret", c.name, err)
			}
		}
	}
}
