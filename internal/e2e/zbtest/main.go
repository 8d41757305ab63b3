// Command zbtest is zeebe-backup as the end-to-end tests run it when they stop it at a phase
// (to signal it, kill it, or look at the cluster there). It is built by the tests only, never
// shipped: the same storage backends and host kinds as cmd/zeebe-backup (both take
// plugins.All), plus cli.Plugins.Pause read from its environment:
//
//	ZBTEST_PAUSE_AT  a phase, or phases separated by commas, to pause at
//	ZBTEST_RESUME    the file whose creation ends a pause
//
// At a listed phase it writes "paused at PHASE" on standard error and waits until the resume
// file exists (or forever, to be killed there), then removes the file, so that the next listed
// phase waits for it again.
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/plugins"
)

func main() {
	p := plugins.All()
	p.Pause = pause(os.Getenv("ZBTEST_PAUSE_AT"), os.Getenv("ZBTEST_RESUME"), cli.NewOutputStream(os.Stderr))
	os.Exit(cli.Main(p))
}

// pause is the Pause of the phases listed in at, resumed by the file resume; nil when at is empty.
func pause(at, resume string, w io.Writer) func(string) {
	if at == "" {
		return nil
	}
	phases := strings.Split(at, ",")
	return func(phase string) {
		if !slices.Contains(phases, phase) {
			return
		}
		fmt.Fprintf(w, "paused at %s\n", phase)
		for {
			if _, err := os.Stat(resume); resume != "" && err == nil {
				os.Remove(resume)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
