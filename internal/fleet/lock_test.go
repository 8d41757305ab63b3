package fleet

import (
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
)

// A cluster lock file that is too large or too deep is refused without being decoded.
func TestHostileClusterLockIsRefused(t *testing.T) {
	big := `{"operation":"` + strings.Repeat(limitstest.Secret, limits.MaxLockBytes/len(limitstest.Secret)+1) + `"}`
	for _, c := range []struct{ body, what string }{
		{big, "size of the cluster lock"},
		{limitstest.DeepJSON(limits.MaxJSONDepth + 1), "nesting depth of the cluster lock"},
	} {
		_, err := parseClusterLock([]byte(c.body))
		var le *limits.Error
		if !errors.As(err, &le) || le.What != "the "+c.what {
			t.Fatalf("err = %.300v; want the limit on the %s", err, c.what)
		}
		if msg := err.Error(); len(msg) > 300 || strings.Contains(msg, limitstest.Secret) {
			t.Fatalf("message: %.400s", msg)
		}
	}
	if l, err := parseClusterLock([]byte(`{"repository":"/r","operation":"backup x"}`)); err != nil || l.Operation != "backup x" {
		t.Fatalf("a good lock: %+v, %v", l, err)
	}
}
