package azblob

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// The environment variables of credentials, as the Azure CLI reads them.
const (
	envConnectionString = "AZURE_STORAGE_CONNECTION_STRING"
	envKey              = "AZURE_STORAGE_KEY"
	envSAS              = "AZURE_STORAGE_SAS_TOKEN"
	envAuthMode         = "AZURE_STORAGE_AUTH_MODE"
)

// auth is how a store authenticates, and what its messages may say about it.
type auth struct {
	name      string // which credential, for messages: "the account key in AZURE_STORAGE_KEY"
	check     string // what to check when the service refuses it
	sharedKey *container.SharedKeyCredential
	sas       string // a SAS token (without "?"), appended to the container's URL
	token     azcore.TokenCredential
	secrets   []string // values no message may hold
}

// target is where a store sends its requests and with which credential.
type target struct {
	account  string
	endpoint string // the Blob service's URL: https://ACCOUNT.blob.core.windows.net, http://127.0.0.1:10000/ACCOUNT
	auth     auth
}

// resolve decides the account, endpoint and credential of a store from its options (the
// environment applied) and the credential variables, in this order:
//
//  1. AZURE_STORAGE_CONNECTION_STRING: its AccountName with AccountKey or SharedAccessSignature,
//     and its BlobEndpoint (or DefaultEndpointsProtocol and EndpointSuffix);
//  2. unless AZURE_STORAGE_AUTH_MODE is "login": AZURE_STORAGE_KEY (Shared Key), else
//     AZURE_STORAGE_SAS_TOKEN, with the account of the options;
//  3. Azure's identity chain (azidentity.DefaultAzureCredential: a service principal from
//     AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or a certificate, workload
//     identity as on AKS, managed identity, the Azure CLI's login), which needs https.
//
// Its errors name variables and options, never their secret values.
func resolve(o Options, lookup func(string) (string, bool)) (target, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	if cs := get(envConnectionString); cs != "" {
		return fromConnectionString(o, cs)
	}
	t := target{account: o.Account}
	endpoint, err := t.serviceURL(o.Endpoint)
	if err != nil {
		return target{}, err
	}
	t.endpoint = endpoint
	login := strings.EqualFold(get(envAuthMode), "login")
	switch key, sas := get(envKey), get(envSAS); {
	case key != "" && !login:
		cred, err := container.NewSharedKeyCredential(t.account, key)
		if err != nil {
			return target{}, fmt.Errorf("%s is not an account key (a base64 string, as the portal shows it); copy the key again", envKey)
		}
		t.auth = auth{
			name:      "the account key in " + envKey,
			check:     envKey + " (and the account " + t.account + ")",
			sharedKey: cred, secrets: []string{key},
		}
	case sas != "" && !login:
		sas = strings.TrimPrefix(sas, "?")
		if _, err := url.ParseQuery(sas); err != nil {
			return target{}, fmt.Errorf("%s is not a SAS token (a query string such as sv=...&sig=...); copy it again", envSAS)
		}
		t.auth = auth{name: "the SAS token in " + envSAS, check: envSAS + " (its permissions and expiry)", sas: sas, secrets: sasSecrets(sas)}
	default:
		if strings.HasPrefix(t.endpoint, "http:") {
			return target{}, fmt.Errorf("no credential for %s: Azure's identity chain needs an https endpoint, and neither %s nor %s nor %s is set; set one of them (Azurite takes the account key)", t.endpoint, envConnectionString, envKey, envSAS)
		}
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return target{}, fmt.Errorf("the Azure identity chain cannot be used (%s); give a service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), run with a workload or managed identity, or set %s or %s", oneLine(err), envConnectionString, envKey)
		}
		t.auth = auth{
			name:  "Azure's identity chain",
			check: "the identity's role assignment (Storage Blob Data Contributor) and the service principal's variables (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)",
			token: cred, secrets: []string{get("AZURE_CLIENT_SECRET")},
		}
	}
	return t, nil
}

// serviceURL is the Blob service's URL for the endpoint (option or variable, "" for Azure's
// public cloud) and the target's account: a path-style endpoint names the account in its path
// (added when missing), any other names it in its host.
func (t *target) serviceURL(endpoint string) (string, error) {
	if endpoint == "" {
		if t.account == "" {
			return "", fmt.Errorf("no storage account; set the option account or AZURE_STORAGE_ACCOUNT (or AZURE_STORAGE_CONNECTION_STRING)")
		}
		return "https://" + t.account + ".blob.core.windows.net", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	path := strings.Trim(u.Path, "/")
	switch {
	case !pathStyle(u.Hostname()) && t.account == "":
		first, rest, _ := strings.Cut(u.Hostname(), ".")
		if !strings.HasPrefix(rest, "blob.") && !strings.Contains(rest, ".blob.") || !accountName.MatchString(first) {
			return "", fmt.Errorf("the endpoint %s does not name the account as ACCOUNT.blob.…; set the option account or AZURE_STORAGE_ACCOUNT", endpoint)
		}
		t.account = first
		return endpoint, nil
	case !pathStyle(u.Hostname()):
		return endpoint, nil
	case path == "" && t.account == "":
		return "", fmt.Errorf("the endpoint %s names no account; write it as %s/ACCOUNT, or set the option account or AZURE_STORAGE_ACCOUNT", endpoint, endpoint)
	case path == "":
		return endpoint + "/" + t.account, nil
	case t.account != "" && t.account != path:
		return "", fmt.Errorf("the endpoint %s names the account %s, the account given is %s; make them agree", endpoint, path, t.account)
	}
	t.account = path
	return endpoint, nil
}

// connectionString holds the fields of an Azure Storage connection string this backend uses.
type connectionString struct {
	protocol, account, key, sas, blobEndpoint, suffix string
}

// parseConnectionString reads "Name=value;Name=value" (names case-insensitive, a value may hold
// '='). Its errors never quote the string: it holds the key.
func parseConnectionString(s string) (connectionString, error) {
	var c connectionString
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return connectionString{}, fmt.Errorf("%s has a part without '=' (the string is Name=value pairs separated by ';'); copy it again", envConnectionString)
		}
		switch value = strings.TrimSpace(value); strings.ToLower(strings.TrimSpace(name)) {
		case "defaultendpointsprotocol":
			c.protocol = strings.ToLower(value)
		case "accountname":
			c.account = value
		case "accountkey":
			c.key = value
		case "sharedaccesssignature":
			c.sas = strings.TrimPrefix(value, "?")
		case "blobendpoint":
			c.blobEndpoint = value
		case "endpointsuffix":
			c.suffix = value
		case "usedevelopmentstorage":
			return connectionString{}, fmt.Errorf("%s says UseDevelopmentStorage, which this tool does not take; write Azurite's AccountName, AccountKey and BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1", envConnectionString)
		}
	}
	return c, nil
}

// fromConnectionString is resolve's first case. The connection string decides the account and
// the endpoint: an account or endpoint given otherwise must agree with it.
func fromConnectionString(o Options, s string) (target, error) {
	c, err := parseConnectionString(s)
	if err != nil {
		return target{}, err
	}
	t := target{account: c.account}
	switch {
	case c.account != "" && o.Account != "" && c.account != o.Account:
		return target{}, fmt.Errorf("%s names the account %s, the option account or AZURE_STORAGE_ACCOUNT %s; make them agree, or unset one", envConnectionString, c.account, o.Account)
	case c.account == "":
		t.account = o.Account
	}
	endpoint := o.Endpoint
	if c.blobEndpoint != "" {
		e, err := parseEndpoint(c.blobEndpoint)
		if err != nil {
			return target{}, fmt.Errorf("%s: BlobEndpoint: %w", envConnectionString, err)
		}
		if endpoint != "" && strings.TrimSuffix(endpoint, "/"+t.account) != strings.TrimSuffix(e, "/"+t.account) {
			return target{}, fmt.Errorf("%s names the endpoint %s, the option endpoint or AZURE_STORAGE_SERVICE_ENDPOINT %s; make them agree, or unset one", envConnectionString, e, endpoint)
		}
		endpoint = e
	}
	if endpoint == "" && c.suffix != "" {
		protocol := c.protocol
		if protocol == "" {
			protocol = "https"
		}
		if t.account == "" {
			return target{}, fmt.Errorf("%s has no AccountName; copy it again", envConnectionString)
		}
		endpoint = protocol + "://" + t.account + ".blob." + c.suffix
	}
	if t.endpoint, err = t.serviceURL(endpoint); err != nil {
		return target{}, fmt.Errorf("%s: %w", envConnectionString, err)
	}
	switch {
	case c.key != "":
		cred, err := container.NewSharedKeyCredential(t.account, c.key)
		if err != nil {
			return target{}, fmt.Errorf("%s: its AccountKey is not an account key (a base64 string); copy it again", envConnectionString)
		}
		t.auth = auth{name: "the account key in " + envConnectionString, check: envConnectionString + " (its AccountName and AccountKey)", sharedKey: cred}
	case c.sas != "":
		if _, err := url.ParseQuery(c.sas); err != nil {
			return target{}, fmt.Errorf("%s: its SharedAccessSignature is not a SAS token; copy it again", envConnectionString)
		}
		t.auth = auth{name: "the SAS token in " + envConnectionString, check: envConnectionString + " (its SAS token's permissions and expiry)", sas: c.sas}
	default:
		return target{}, fmt.Errorf("%s has neither AccountKey nor SharedAccessSignature; copy it again, or unset it to use Azure's identity chain", envConnectionString)
	}
	t.auth.secrets = append([]string{s, c.key}, sasSecrets(c.sas)...)
	return t, nil
}

// sasSecrets are the parts of a SAS token no message may hold: the whole token and its
// signature.
func sasSecrets(sas string) []string {
	if sas == "" {
		return nil
	}
	out := []string{sas}
	if q, err := url.ParseQuery(sas); err == nil && q.Get("sig") != "" {
		out = append(out, q.Get("sig"), url.QueryEscape(q.Get("sig")))
	}
	return out
}
