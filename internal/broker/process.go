package broker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// configEnvPrefixes are the prefixes of the environment variables that Zeebe's Spring Boot
// configuration reads: its own keys (zeebe.*, camunda.*), the web and management servers
// (server.*, management.*) and Spring's own (spring.*, e.g. SPRING_CONFIG_ADDITIONAL_LOCATION).
var configEnvPrefixes = []string{"ZEEBE_", "CAMUNDA_", "SERVER_", "MANAGEMENT_", "SPRING_"}

// ConfigEnv says whether an environment variable is one Zeebe's configuration reads (case
// insensitive, as Spring's relaxed binding is).
func ConfigEnv(name string) bool {
	upper := strings.ToUpper(name)
	return slices.ContainsFunc(configEnvPrefixes, func(p string) bool { return strings.HasPrefix(upper, p) })
}

// Candidates inspects the processes that may run the broker of a data folder: those holding
// its files open or mapped (Zeebe maps its journal segments; a process that only has its
// working folder there is a shell, not the broker), in process-id order. It returns none and no
// error when no process holds the folder: the broker is not running. A process that cannot be
// inspected is an error; one that ended meanwhile is left out. The caller picks the process
// whose configuration points at this data folder.
func Candidates(ctx context.Context, h Processes, dataDir string) ([]Process, error) {
	holders, err := h.Holders(ctx, dataDir)
	if err != nil {
		return nil, fmt.Errorf("find the process holding %s: %w", dataDir, err)
	}
	var out []Process
	var errs []error
	for _, hd := range holders {
		if hd.How == "working folder" {
			continue
		}
		p, err := h.Inspect(ctx, hd.PID)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("process %d (%s), which holds %s: %w", hd.PID, hd.Command, hd.Path, err))
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Process) int { return a.PID - b.PID })
	return out, errors.Join(errs...)
}
