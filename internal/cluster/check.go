package cluster

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
)

// The checks below return "" when a value is fine, else what is wrong and what to write.

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
