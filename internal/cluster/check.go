package cluster

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
)

// The checks below return "" when a value is fine, else what is wrong and what to write.

const hostForms = `write local, or ssh://[user@]host[:port] like ssh://zeebe@10.0.0.10`

// checkHost accepts "local" and ssh://[user@]host[:port].
func checkHost(s string) string {
	if s == Local {
		return ""
	}
	if !strings.Contains(s, "://") {
		return fmt.Sprintf("%q is neither local nor an ssh:// URL; %s", redact.Text(s), hostForms)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("%q is not a valid URL; %s", redact.Text(s), hostForms)
	}
	switch {
	case u.Scheme != "ssh":
		return fmt.Sprintf("%q: scheme %s is not supported; %s", redact.Text(s), u.Scheme, hostForms)
	case u.Hostname() == "":
		return fmt.Sprintf("%q names no host; %s", redact.Text(s), hostForms)
	case hasPassword(u):
		return fmt.Sprintf("%q holds a password; use an ssh key or agent, and %s", redact.Text(s), hostForms)
	case u.User != nil && u.User.Username() == "":
		return fmt.Sprintf("%q has an empty user name; %s", redact.Text(s), hostForms)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return fmt.Sprintf("%q has more than a host; %s", redact.Text(s), hostForms)
	}
	if msg := checkPort(u.Port()); msg != "" && u.Port() != "" {
		return fmt.Sprintf("%q: %s; %s", redact.Text(s), msg, hostForms)
	}
	return ""
}

func hasPassword(u *url.URL) bool {
	_, ok := u.User.Password() // nil-safe
	return ok
}

// checkPort accepts 1..65535.
func checkPort(port string) string {
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("port %q is not a number from 1 to 65535", port)
	}
	return ""
}

// checkGateway accepts host:port.
func checkGateway(s string) string {
	const form = "write the gRPC address of a gateway as host:port, e.g. 10.0.0.10:26500"
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not host:port; %s", redact.Text(s), form)
	}
	if host == "" || strings.ContainsAny(host, "/@") {
		return fmt.Sprintf("%q names no host; %s", redact.Text(s), form)
	}
	if msg := checkPort(port); msg != "" {
		return fmt.Sprintf("%q: %s; %s", redact.Text(s), msg, form)
	}
	return ""
}

// checkHealth accepts an http(s) URL with a host; it returns it without trailing slashes.
func checkHealth(s string) (string, string) {
	const form = "write the broker's management URL, e.g. http://10.0.0.10:9600"
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return s, fmt.Sprintf("%q is not a valid URL; %s", redact.Text(s), form)
	case u.Scheme != "http" && u.Scheme != "https":
		return s, fmt.Sprintf("%q is not an http:// or https:// URL; %s", redact.Text(s), form)
	case u.Hostname() == "":
		return s, fmt.Sprintf("%q names no host; %s", redact.Text(s), form)
	case u.User != nil:
		return s, fmt.Sprintf("%q holds a user name; the management API takes none, %s", redact.Text(s), form)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return s, fmt.Sprintf("%q has a query or fragment; %s", redact.Text(s), form)
	}
	return strings.TrimRight(s, "/"), ""
}

var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// checkRepository accepts an absolute path (relative too when fromFlag: it is made absolute
// against the current directory), a file:// URL with an absolute path, and s3://bucket[/prefix].
// It returns paths cleaned and URLs as written.
func checkRepository(s string, fromFlag bool) (string, string) {
	const forms = "write a path (/var/backups/zeebe), a file:// URL (file:///var/backups/zeebe) or s3://bucket/prefix"
	if !urlScheme.MatchString(s) {
		if filepath.IsAbs(s) {
			return filepath.Clean(s), ""
		}
		if fromFlag {
			abs, err := filepath.Abs(s)
			if err != nil {
				return s, fmt.Sprintf("%q: %v", redact.Text(s), err)
			}
			return abs, ""
		}
		return s, fmt.Sprintf("%q is a relative path; %s", redact.Text(s), forms)
	}
	u, err := url.Parse(s)
	if err != nil {
		return s, fmt.Sprintf("%q is not a valid URL; %s", redact.Text(s), forms)
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		switch {
		case u.Opaque != "" || (u.Host != "" && u.Host != "localhost"):
			return s, fmt.Sprintf("%q does not start with file:/// (three slashes); write file:///absolute/path", redact.Text(s))
		case u.Path == "" || !filepath.IsAbs(u.Path):
			return s, fmt.Sprintf("%q names no folder; write file:///absolute/path", redact.Text(s))
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			return s, fmt.Sprintf("%q has more than a path; write file:///absolute/path", redact.Text(s))
		}
	case "s3":
		switch {
		case u.Opaque != "" || u.Host == "":
			return s, fmt.Sprintf("%q names no bucket; write s3://bucket or s3://bucket/prefix", redact.Text(s))
		case u.User != nil:
			return s, fmt.Sprintf("%q holds credentials; remove them, the keys are read from the environment", redact.Text(s))
		case u.Port() != "":
			return s, fmt.Sprintf("%q has a port; write s3://bucket/prefix, the endpoint is set in the environment", redact.Text(s))
		case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
			return s, fmt.Sprintf("%q has a query or fragment; write s3://bucket/prefix", redact.Text(s))
		}
	default:
		return s, fmt.Sprintf("%q: scheme %s is not supported; %s", redact.Text(s), u.Scheme, forms)
	}
	return s, ""
}
