package cluster

import (
	"strings"
	"testing"
)

// A password in a URL of the cluster file is never repeated in a problem.
func TestProblemsDoNotRepeatURLPasswords(t *testing.T) {
	for _, c := range []struct{ from, to string }{
		{"repository: /var/backups/zeebe", "repository: s3://AKIA:hunter2@bucket/zeebe"},
		{"repository: /var/backups/zeebe", "repository: file://u:hunter2@/var/backups"},
		{"host: local", "host: ssh://zeebe:hunter2@10.0.0.12"},
		{"health: http://localhost:9600", "health: http://admin:hunter2@localhost:9600"},
	} {
		problems := parseProblems(t, strings.Replace(base, c.from, c.to, 1), checks())
		all := strings.Join(problems, "\n")
		if strings.Contains(all, "hunter2") || !strings.Contains(all, "***@") {
			t.Errorf("%s:\n%s", c.to, all)
		}
	}
}
