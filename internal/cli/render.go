package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
)

// renderer shows a workflow's events: JSON lines with --json, a live status line per broker on
// a terminal, plain log lines elsewhere (progress counts at most every few seconds per broker).
type renderer struct {
	mu      sync.Mutex
	s       Streams
	json    bool
	quiet   bool
	last    map[int]time.Time // when a broker's step began or its count was last shown
	status  map[int]progress.Event
	begun   map[int]time.Time // when a broker's current step began, for its rate
	drawn   int
	started time.Time
}

func newRenderer(s Streams, o output) *renderer {
	return &renderer{s: s, json: o.json, quiet: o.quiet, last: map[int]time.Time{}, status: map[int]progress.Event{}, begun: map[int]time.Time{}, started: time.Now()}
}

func who(b int) string {
	if b == progress.Cluster {
		return "cluster"
	}
	return fmt.Sprintf("broker %d", b)
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
		fmt.Fprintf(r.s.Err, "%s %s %s: %s, %d files, %s/s\n", e.Time.UTC().Format(time.RFC3339), who(e.Broker), e.Phase, humanBytes(e.Bytes), e.Files, humanBytes(r.rate(e)))
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
	fmt.Fprintf(r.s.Err, "%s %s%s %s: %s\n", e.Time.UTC().Format("15:04:05"), level, who(e.Broker), e.Phase, e.Message)
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
		part := fmt.Sprintf("%s %s %s", who(id), e.Phase, humanBytes(e.Bytes))
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
	since := time.Since(r.begun[e.Broker]).Seconds()
	if r.begun[e.Broker].IsZero() || since <= 0 {
		return 0
	}
	return int64(float64(e.Bytes) / since)
}
