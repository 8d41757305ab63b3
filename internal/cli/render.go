package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
)

// renderer is the one terminal renderer of the commands: it shows a workflow's events, and the
// progress of archive create and extract, as JSON lines with --json, as a live status line
// per broker on a terminal, and as plain log lines elsewhere (progress counts at most every
// few seconds per broker); with --quiet, only warnings and errors.
type renderer struct {
	mu      sync.Mutex
	s       Streams
	json    bool
	quiet   bool
	subject string            // what events of Broker progress.Cluster are about
	last    map[int]time.Time // when a broker's step began or its count was last shown
	status  map[int]progress.Event
	begun   map[int]time.Time // when a broker's current step began, for its rate
	drawn   int
	started time.Time // when the command began: the rate's start before a step is shown
}

func newRenderer(s Streams, o output) *renderer {
	return &renderer{s: s, json: o.json, quiet: o.quiet, subject: "cluster", last: map[int]time.Time{}, status: map[int]progress.Event{}, begun: map[int]time.Time{}, started: time.Now()}
}

func (r *renderer) who(b int) string {
	if b == progress.Cluster {
		return r.subject
	}
	return fmt.Sprintf("broker %d", b)
}

// archiveProgress is the archive.Progress callback of a command that archives or extracts
// one folder, subject (named in the lines shown): each call is a running count of phase.
func (r *renderer) archiveProgress(subject, phase string) func(archive.Progress) {
	r.mu.Lock()
	r.subject = subject
	r.last[progress.Cluster] = time.Now() // the step begins: its count shows once it lasts
	r.mu.Unlock()
	return func(p archive.Progress) {
		r.event(progress.Event{Level: progress.Info, Phase: phase, Broker: progress.Cluster, Progress: true, Bytes: p.Bytes, Files: p.Files, Message: p.Path})
	}
}

// done clears a live status line: the command prints its result next.
func (r *renderer) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	clear(r.status)
}

func (r *renderer) event(e progress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Message = redact.Text(interruptedText(e.Message))
	if r.json {
		b, _ := json.Marshal(e)
		fmt.Fprintln(r.s.Err, string(b))
		return
	}
	if r.quiet && e.Level == progress.Info {
		return
	}
	if e.Progress {
		r.status[e.Broker] = e
		every := 5 * time.Second
		if r.s.ErrIsTerminal {
			every = 200 * time.Millisecond
		}
		if time.Since(r.last[e.Broker]) < every {
			return
		}
		r.last[e.Broker] = time.Now()
		if r.s.ErrIsTerminal {
			r.draw()
			return
		}
		fmt.Fprintf(r.s.Err, "%s %s %s: %s, %d files, %s/s\n", e.Time.UTC().Format(time.RFC3339), r.who(e.Broker), e.Phase, humanBytes(e.Bytes), e.Files, humanBytes(r.rate(e)))
		return
	}
	delete(r.status, e.Broker)
	r.last[e.Broker] = time.Now() // a running count shows only when a step lasts
	r.begun[e.Broker] = time.Now()
	r.clear()
	level := ""
	if e.Level != progress.Info {
		level = strings.ToUpper(string(e.Level)) + " "
	}
	fmt.Fprintf(r.s.Err, "%s %s%s %s: %s\n", e.Time.UTC().Format("15:04:05"), level, r.who(e.Broker), e.Phase, e.Message)
	if r.s.ErrIsTerminal && len(r.status) > 0 {
		r.draw()
	}
}

// draw shows one line with every broker's running count.
func (r *renderer) draw() {
	ids := make([]int, 0, len(r.status))
	for id := range r.status {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var parts []string
	for _, id := range ids {
		e := r.status[id]
		part := fmt.Sprintf("%s %s %s", r.who(id), e.Phase, humanBytes(e.Bytes))
		if e.Total > 0 {
			part += fmt.Sprintf(" of %s", humanBytes(e.Total))
		}
		part += fmt.Sprintf(" %s/s", humanBytes(r.rate(e)))
		parts = append(parts, part)
	}
	line := strings.Join(parts, " | ")
	pad := max(0, r.drawn-len(line))
	fmt.Fprintf(r.s.Err, "\r%s%*s", line, pad, "")
	r.drawn = len(line)
}

func (r *renderer) clear() {
	if r.s.ErrIsTerminal && r.drawn > 0 {
		fmt.Fprintf(r.s.Err, "\r%*s\r", r.drawn, "")
		r.drawn = 0
	}
}

// rate is the bytes per second of a broker's current step.
func (r *renderer) rate(e progress.Event) int64 {
	begun := r.begun[e.Broker]
	if begun.IsZero() {
		begun = r.started
	}
	since := time.Since(begun).Seconds()
	if since <= 0 {
		return 0
	}
	return int64(float64(e.Bytes) / since)
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
