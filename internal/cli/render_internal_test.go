package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
)

// The archive commands' progress goes through the one renderer: JSON lines with --json (as
// docs/json-output.md promises for every command), a live line on a terminal that is cleared
// before the result, nothing with --quiet.
func TestArchiveProgressIsRenderedAsEvents(t *testing.T) {
	var errOut bytes.Buffer
	ren := newRenderer(Streams{Err: &errOut}, output{json: true})
	ren.archiveProgress("/data", "archive")(archive.Progress{Files: 3, Bytes: 2048, Path: "a/b"})
	var e progress.Event
	if err := json.Unmarshal(errOut.Bytes(), &e); err != nil {
		t.Fatalf("--json progress is not a JSON event: %v\n%s", err, errOut.String())
	}
	if !e.Progress || e.Phase != "archive" || e.Bytes != 2048 || e.Files != 3 || e.Level != progress.Info || e.Time.IsZero() {
		t.Errorf("event %+v", e)
	}

	errOut.Reset()
	ren = newRenderer(Streams{Err: &errOut, ErrIsTerminal: true}, output{})
	update := ren.archiveProgress("/data", "extract")
	ren.mu.Lock()
	clear(ren.last) // as if the step had lasted
	ren.mu.Unlock()
	update(archive.Progress{Files: 1, Bytes: 4096})
	ren.done()
	got := errOut.String()
	if !strings.HasPrefix(got, "\r/data extract 4.0 KiB") || !strings.HasSuffix(got, "\r") || strings.Count(got, "\r") != 3 {
		t.Errorf("terminal output %q: want a live line about /data, then cleared", got)
	}

	errOut.Reset()
	ren = newRenderer(Streams{Err: &errOut}, output{quiet: true})
	ren.archiveProgress("/data", "archive")(archive.Progress{Files: 1, Bytes: 1})
	ren.done()
	if errOut.Len() != 0 {
		t.Errorf("--quiet printed %q", errOut.String())
	}
}
