package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// LoadOptions says where a broker's configuration comes from.
type LoadOptions struct {
	// Inline are YAML documents given as bytes (a configuration not on disk), read before Files.
	Inline []Inline
	Files  []string          // YAML files in order; later files override earlier ones
	Env    map[string]string // the broker's environment; nil means none

	// WorkDir is the broker's working directory, against which relative entries of
	// SPRING_CONFIG_ADDITIONAL_LOCATION are resolved. "" means the current directory.
	WorkDir string

	// ReadFile reads Files and the entries of SPRING_CONFIG_ADDITIONAL_LOCATION where the
	// broker runs (its host); nil reads them from this machine. Its errors name the path, as
	// os's do; a missing file's wraps fs.ErrNotExist, and a folder's wraps syscall.EISDIR (as
	// os's read of a folder does): that is how a location is told to be a folder.
	ReadFile func(path string) ([]byte, error)
}

// Inline is a YAML configuration given as bytes, with a name for messages.
type Inline struct {
	Name string
	Data []byte
}

// additionalLocationEnv is the environment variable naming extra configuration locations.
const additionalLocationEnv = "SPRING_CONFIG_ADDITIONAL_LOCATION"

// LoadValues reads the files and then SPRING_CONFIG_ADDITIONAL_LOCATION (from Env:
// comma-separated; entries may start with "file:"; a directory entry means application.yaml
// and application.yml inside it; optional entries "optional:file:..." that are missing are
// skipped, required missing ones are errors) and applies environment variables on top.
//
// Documents of a multi-document file that carry spring.config.activate.on-profile (or the
// older spring.profiles) apply only when one of their profiles is active: "broker", which the
// broker application always adds (StandaloneBroker's additional profile; the 8.8+ unified
// application has it in its default spring.profiles.active, and runs no broker without it),
// plus spring.profiles.active and spring.profiles.include. So "default" is never active and
// spring.profiles.default does not matter (§6). Documents with spring.config.activate.on-cloud-platform apply only when it names
// the platform the environment shows ("kubernetes" when KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT are set, otherwise "none").
func LoadValues(ctx context.Context, opts LoadOptions) (*Values, error) {
	var docs []document
	var files []string
	for _, in := range opts.Inline {
		d, err := parseYAML(ctx, in.Name, in.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Name, err)
		}
		docs = append(docs, d...)
		files = append(files, in.Name)
	}
	read := opts.ReadFile
	if read == nil {
		read = func(path string) ([]byte, error) { return readLocalFile(ctx, path) }
	}
	for _, path := range opts.Files {
		d, err := readYAMLFile(ctx, read, path)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
		files = append(files, path)
	}
	extra, extraFiles, err := readAdditionalLocations(ctx, read, opts.Env[additionalLocationEnv], opts.WorkDir)
	if err != nil {
		return nil, err
	}
	docs = append(docs, extra...)
	files = append(files, extraFiles...)

	// First pass: documents without an activation condition, to learn the active profiles.
	var plain []document
	for _, d := range docs {
		if !hasCondition(d) {
			plain = append(plain, d)
		}
	}
	active := activeProfiles(build(plain, opts.Env, files))
	platform := cloudPlatform(opts.Env)

	var chosen []document
	for _, d := range docs {
		ok, err := documentActive(d, active, platform)
		if err != nil {
			return nil, err
		}
		if ok {
			chosen = append(chosen, d)
		}
	}
	return build(chosen, opts.Env, files), nil
}

// readAdditionalLocations reads the entries of SPRING_CONFIG_ADDITIONAL_LOCATION in order
// (later ones override earlier ones) and returns their documents and the files read.
func readAdditionalLocations(ctx context.Context, read func(string) ([]byte, error), spec, workDir string) ([]document, []string, error) {
	var docs []document
	var files []string
	for _, raw := range strings.Split(spec, ",") {
		loc := strings.TrimSpace(raw)
		if loc == "" {
			continue
		}
		optional := false
		if rest, ok := strings.CutPrefix(loc, "optional:"); ok {
			optional, loc = true, rest
		}
		if strings.HasPrefix(loc, "classpath:") {
			if optional {
				continue
			}
			return nil, nil, fmt.Errorf("%s entry %q: classpath locations are not supported", additionalLocationEnv, raw)
		}
		loc = strings.TrimPrefix(loc, "file:")
		path := filepath.Clean(loc)
		if workDir != "" && !filepath.IsAbs(path) {
			path = filepath.Join(workDir, path)
		}
		d, f, err := readLocation(ctx, read, path, strings.HasSuffix(loc, "/"))
		if errors.Is(err, fs.ErrNotExist) && optional {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s entry %q: %w", additionalLocationEnv, raw, err)
		}
		docs = append(docs, d...)
		files = append(files, f...)
	}
	return docs, files, nil
}

// readLocation reads one file, or application.yaml then application.yml of a directory (the
// .yml one overriding, as Spring lists it first). A directory without either file is fine.
// Whether path is a directory is learnt by reading it: a directory cannot be read (EISDIR).
func readLocation(ctx context.Context, read func(string) ([]byte, error), path string, wantDir bool) ([]document, []string, error) {
	data, err := read(path)
	switch {
	case errors.Is(err, syscall.EISDIR):
	case err != nil:
		return nil, nil, err
	case wantDir:
		return nil, nil, fmt.Errorf("%s is not a directory", path)
	case strings.HasSuffix(path, ".properties"):
		return nil, nil, fmt.Errorf("%s: .properties files are not supported", path)
	default:
		d, err := parseYAMLFile(ctx, path, data)
		return d, []string{path}, err
	}
	var docs []document
	var files []string
	for _, name := range []string{"application.yaml", "application.yml"} {
		p := filepath.Join(path, name)
		d, err := readYAMLFile(ctx, read, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, d...)
		files = append(files, p)
	}
	return docs, files, nil
}

// Activation condition keys, canonical.
var (
	onProfileKeys  = []string{canonicalKey("spring.config.activate.on-profile"), canonicalKey("spring.profiles")}
	onPlatformKeys = []string{canonicalKey("spring.config.activate.on-cloud-platform")}
)

func condition(d document, keys []string) (values []string, found bool) {
	for _, e := range d.entries {
		c := canonicalKey(e.key)
		for _, k := range keys {
			if c != k {
				continue
			}
			found = true
			if e.isList {
				values = append(values, e.list...)
			} else {
				values = append(values, splitList(e.value)...)
			}
		}
	}
	return values, found
}

func hasCondition(d document) bool {
	_, p := condition(d, onProfileKeys)
	_, c := condition(d, onPlatformKeys)
	return p || c
}

// brokerProfile is the Spring profile a broker always runs with (§6).
const brokerProfile = "broker"

// activeProfiles are the broker profile and the profiles the configuration activates. Spring
// activates "default" (or spring.profiles.default) only when no profile is active, which for a
// broker is never.
func activeProfiles(v *Values) map[string]bool {
	names := append([]string{brokerProfile}, v.StringList("spring.profiles.active")...)
	names = append(names, v.StringList("spring.profiles.include")...)
	active := make(map[string]bool, len(names))
	for _, n := range names {
		active[n] = true
	}
	return active
}

func cloudPlatform(env map[string]string) string {
	if env["KUBERNETES_SERVICE_HOST"] != "" && env["KUBERNETES_SERVICE_PORT"] != "" {
		return "kubernetes"
	}
	return "none"
}

// documentActive decides whether a document applies. A profile condition is a list of
// profile names, each possibly negated with '!'; the document applies when any of them
// matches. Profile expressions with '&', '|' or parentheses are refused rather than guessed.
func documentActive(d document, active map[string]bool, platform string) (bool, error) {
	if names, ok := condition(d, onProfileKeys); ok {
		match := false
		for _, n := range names {
			if strings.ContainsAny(n, "&|()") {
				return false, fmt.Errorf("%s: profile expression %q is not supported", d.source, n)
			}
			if neg, ok := strings.CutPrefix(n, "!"); ok {
				match = match || !active[strings.TrimSpace(neg)]
			} else {
				match = match || active[n]
			}
		}
		if !match {
			return false, nil
		}
	}
	if names, ok := condition(d, onPlatformKeys); ok {
		for _, n := range names {
			if !strings.EqualFold(n, platform) {
				return false, nil
			}
		}
	}
	return true, nil
}
