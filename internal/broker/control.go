package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// Probe is what a broker's management endpoint says.
type Probe struct {
	Answering bool // any HTTP answer at all
	Ready     bool // readiness answered 2xx
	Status    int
}

// healthClient follows Zeebe 8.5+'s 301 from /ready to /actuator/health/readiness.
var healthClient = &http.Client{Timeout: 2 * time.Second}

// ProbeHealth asks base + "/ready": 8.0-8.4 answer 204 or 503 there, 8.5+ redirect to the
// readiness group, which answers 200 or 503 (§7).
func ProbeHealth(ctx context.Context, base string) Probe {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/ready", nil)
	if err != nil {
		return Probe{}
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return Probe{}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return Probe{Answering: true, Ready: resp.StatusCode/100 == 2, Status: resp.StatusCode}
}

// WaitReady polls the readiness endpoint until it answers 2xx or ctx ends.
func WaitReady(ctx context.Context, base string, every time.Duration) error {
	var last Probe
	for {
		if last = ProbeHealth(ctx, base); last.Ready {
			return nil
		}
		select {
		case <-ctx.Done():
			if last.Answering {
				return fmt.Errorf("%s/ready still answers %d (not ready): %w", base, last.Status, ctx.Err())
			}
			return fmt.Errorf("%s/ready does not answer: %w", base, ctx.Err())
		case <-time.After(every):
		}
	}
}

// ErrStillUp says that a broker could not be proven down.
var ErrStillUp = errors.New("the broker is not fully down")

// ProveDown polls until the broker is fully down: its management endpoint no longer answers and
// no process holds anything below its data folder. It returns what it saw last when ctx ends.
//
// What it reports is the last observation that completed before ctx ended: a probe or a scan
// cut short by the deadline itself says nothing about the broker.
func ProveDown(ctx context.Context, h Processes, health, dataDir string, every time.Duration) error {
	var seen error // the last completed observation that the broker is still up
	for {
		p := ProbeHealth(ctx, health)
		holders, err := h.Holders(ctx, dataDir)
		if errors.Is(err, fs.ErrNotExist) {
			// An absent data folder (a restore killed between its two renames): nothing below
			// it is held; the endpoint still tells whether the broker runs.
			holders, err = nil, nil
		}
		if ctx.Err() != nil {
			return stillUp(seen, ctx.Err())
		}
		switch {
		case p.Answering:
			seen = fmt.Errorf("%s/ready still answers (%d)", health, p.Status)
		case len(holders) > 0:
			seen = fmt.Errorf("process %d (%s) holds %s (%s)", holders[0].PID, holders[0].Command, holders[0].Path, holders[0].How)
		case err != nil:
			seen = err
		default:
			return nil
		}
		select {
		case <-ctx.Done():
			return stillUp(seen, ctx.Err())
		case <-time.After(every):
		}
	}
}

// stillUp is ErrStillUp with what was seen last, or with why nothing could be seen.
func stillUp(seen, ctxErr error) error {
	if seen == nil {
		return fmt.Errorf("%w: no check completed before the time ran out (%v)", ErrStillUp, ctxErr)
	}
	return fmt.Errorf("%w: %v", ErrStillUp, seen)
}
