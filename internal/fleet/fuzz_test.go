package fleet

import (
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// FuzzClusterLock: any content of the lock file beside a data folder is read or refused,
// never a panic; what reads is shown in a message of bounded length without URL passwords.
func FuzzClusterLock(f *testing.F) {
	b, _ := encodeClusterLock(ClusterLock{Holder: repo.Holder{Host: "h", PID: 7, User: "zeebe", Command: "zeebe-backup backup", Since: time.Unix(0, 0).UTC()},
		Repository: "/var/backups/zeebe", Operation: "backup 20261124T103000Z"})
	f.Add(b)
	f.Add([]byte(`{"repository":"s3://key:secret@bucket","operation":"` + strings.Repeat("é", 3000) + `"}`))
	f.Add([]byte(`{"holder":{"pid":1e400}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parseClusterLock("/data.zeebe-backup-lock", data)
		if err != nil {
			if len(err.Error()) > 1000 {
				t.Fatalf("message of %d bytes", len(err.Error()))
			}
			return
		}
		msg := l.Holder.String() + shown(l.Operation) + shown(l.Repository)
		if len(msg) > 2000 {
			t.Fatalf("message of %d bytes", len(msg))
		}
		if redact.Text(msg) != msg {
			t.Fatalf("a URL password is shown: %s", msg)
		}
	})
}
