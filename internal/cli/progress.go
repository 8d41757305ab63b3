package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

// meter renders archive progress on stderr: a live line on a terminal, a log line every few
// seconds elsewhere, nothing when quiet.
type meter struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	quiet    bool
	verb     string
	start    time.Time
	last     time.Time
	every    time.Duration
	lastLine int
}

func newMeter(s Streams, verb string, quiet bool) *meter {
	every := 5 * time.Second
	if s.ErrIsTerminal {
		every = 200 * time.Millisecond
	}
	now := time.Now()
	return &meter{w: s.Err, tty: s.ErrIsTerminal, quiet: quiet, verb: verb, start: now, last: now, every: every}
}

// update is the archive.Progress callback.
func (m *meter) update(p archive.Progress) {
	if m.quiet {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if now.Sub(m.last) < m.every {
		return
	}
	m.last = now
	line := fmt.Sprintf("%s: %d entries, %s, %s/s, at %s", m.verb, p.Files, humanBytes(p.Bytes),
		humanBytes(int64(float64(p.Bytes)/now.Sub(m.start).Seconds())), p.Path)
	if m.tty {
		pad := max(0, m.lastLine-len(line))
		fmt.Fprintf(m.w, "\r%s%*s", line, pad, "")
		m.lastLine = len(line)
		return
	}
	fmt.Fprintln(m.w, line)
}

// done clears a live line.
func (m *meter) done() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tty && m.lastLine > 0 {
		fmt.Fprintf(m.w, "\r%*s\r", m.lastLine, "")
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
