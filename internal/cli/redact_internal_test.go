package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
)

// Progress messages, as text and as JSON, never show a URL's password.
func TestRenderedMessagesRedactURLPasswords(t *testing.T) {
	for _, o := range []output{{}, {json: true}} {
		var errb bytes.Buffer
		r := newRenderer(Streams{Err: &errb}, o)
		r.event(progress.Event{Phase: "lock", Broker: 0, Message: "repository s3://AKIA:hunter2@bucket/zeebe, host ssh://zeebe@10.0.0.12"})
		out := errb.String()
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "s3://***@bucket") || !strings.Contains(out, "ssh://zeebe@10.0.0.12") {
			t.Errorf("json %v: %s", o.json, out)
		}
	}
}
