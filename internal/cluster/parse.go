package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// LoadOptions changes how a description is read. The cluster package knows no storage
// backend and no host kind: the registries check those values through CheckRepository and
// CheckHost, so that their problems keep the file's line numbers.
type LoadOptions struct {
	// Repository overrides the file's repository (the --repo flag); the file may then omit
	// it, and what the file says (repository and repositoryOptions) is not checked nor kept.
	// It is checked by CheckRepository as given, without options (the caller makes a relative
	// path absolute first: see storage.FlagLocation).
	Repository string
	// CheckRepository checks a repository location and the options written beside it
	// (repositoryOptions:, nil when none) and returns the location as it is kept (a path
	// cleaned, a URL as written); its error says what is wrong and what to write. An error
	// about one option has a method Option() (name, problem string), so that the problem is
	// reported on that option's line. nil takes the location as written.
	CheckRepository func(loc string, options map[string]string) (string, error)
	// CheckHost checks a broker's host value; its error says what is wrong and what to
	// write. nil takes every host as written.
	CheckHost func(host string) error
}

var topKeys = []string{"repository", "repositoryOptions", "gateway", "version", "brokers"}

// parser collects the problems of one description.
type parser struct {
	problems
}

// Load reads and validates the description in the file at path. A file that cannot be read
// is an error wrapping the os error (errors.Is(err, fs.ErrNotExist) works); a file that is
// wrong is a *DescriptionError. The file is read and parsed within the limits of package
// limits; a file over them is a *DescriptionError too.
func Load(ctx context.Context, path string, opts LoadOptions) (*Description, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read cluster description: %w", err)
	}
	data, err := limits.ReadAll(ctx, f, limits.MaxYAMLBytes, "file")
	f.Close()
	var le *limits.Error
	if errors.As(err, &le) {
		return nil, &DescriptionError{Problems: []Problem{{File: displayName(path), Message: le.Message()}}}
	}
	if err != nil {
		return nil, fmt.Errorf("read cluster description %s: %w", path, err)
	}
	return Parse(ctx, data, path, opts)
}

// Parse validates a description; path names it in messages ("" when it comes from no file).
// All problems are reported together in a *DescriptionError; a done ctx gives ctx's error.
func Parse(ctx context.Context, data []byte, path string, opts LoadOptions) (*Description, error) {
	p := &parser{problems{file: displayName(path)}}
	d := p.description(ctx, data, opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	d.Path = path
	return d, nil
}

func (p *parser) description(ctx context.Context, data []byte, opts LoadOptions) *Description {
	docs, err := limits.YAML(ctx, data)
	var le *limits.Error
	switch {
	case errors.As(err, &le):
		p.add(le.Line, "", "%s", le.Message())
		return nil
	case err != nil:
		p.syntax(err)
		return nil
	case len(docs) == 0:
		p.empty(0)
		return nil
	case len(docs) > 1:
		p.add(docs[1].Line, "", "a second YAML document; the file holds one description, remove the --- and what follows it")
	}
	doc := docs[0]
	if len(doc.Content) == 0 {
		p.empty(doc.Line)
		return nil
	}
	if isNull(deref(doc.Content[0])) {
		p.empty(doc.Content[0].Line)
		return nil
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "", "found %s; the file is a mapping with repository: and brokers:, starting e.g. with the line repository: file:///var/backups/zeebe", kind(root))
		return nil
	}
	f := p.fields("", root, "the file", topKeys)
	d := &Description{}
	d.Repository, d.RepositoryOptions = p.repository(f, opts)
	if s, line, ok := p.str(f, "gateway", ""); ok {
		if msg := checkGateway(s); msg != "" {
			p.add(line, "gateway", "%s", msg)
		}
		d.Gateway = s
	}
	if s, line, ok := p.str(f, "version", ""); ok {
		if _, err := zeebe.ParseVersion(s); err != nil {
			p.add(line, "version", "%v", err)
		}
		d.Version = s
	}
	d.Brokers = p.brokers(f, opts.CheckHost)
	return d
}

func (p *parser) empty(line int) {
	p.add(line, "", "the file is empty; describe the cluster in it: repository: (where backups go) and brokers: (one entry per broker with nodeId, host, config, stop, start and health)")
}

// repository reads the repository and its options, or takes the override (without options).
func (p *parser) repository(f fields, opts LoadOptions) (string, map[string]string) {
	check := opts.CheckRepository
	if check == nil {
		check = func(loc string, _ map[string]string) (string, error) { return loc, nil }
	}
	options, lines := p.repositoryOptions(f)
	if opts.Repository != "" {
		repo, err := check(opts.Repository, nil)
		if err != nil {
			p.list = append(p.list, Problem{Field: "--repo", Message: redact.Text(err.Error())})
		}
		return repo, nil
	}
	s, line, ok := p.str(f, "repository", "where backups go, e.g. /var/backups/zeebe (or give --repo)")
	if !ok {
		return "", nil
	}
	repo, err := check(s, options)
	var oe interface{ Option() (string, string) }
	if errors.As(err, &oe) {
		if name, problem := oe.Option(); lines[name] > 0 {
			p.add(lines[name], "repositoryOptions."+name, "%s", redact.Text(problem))
			return s, options
		}
	}
	if err != nil {
		p.add(line, "repository", "%s", redact.Text(err.Error()))
		return s, options
	}
	return repo, options
}

// repositoryOptions reads repositoryOptions: a mapping of option names to single values, nil
// when not written. lines gives the line of each option.
func (p *parser) repositoryOptions(f fields) (map[string]string, map[string]int) {
	e, found := f.m["repositoryOptions"]
	if !found || isNull(e.value) {
		return nil, nil
	}
	if e.value.Kind != yaml.MappingNode {
		p.add(e.value.Line, "repositoryOptions", "found %s; want a mapping of the repository's settings, e.g. region: eu-west-1", kind(e.value))
		return nil, nil
	}
	out, lines := map[string]string{}, map[string]int{}
	for _, kv := range p.entries("repositoryOptions", e.value) {
		at := "repositoryOptions." + kv.key
		switch v := kv.value; {
		case strings.TrimSpace(kv.key) == "":
			p.add(kv.line, at, "empty key; write the option's name, e.g. region")
		case v.Kind != yaml.ScalarNode:
			p.add(v.Line, at, "found %s; want a single value", kind(v))
		case isNull(v):
			p.add(kv.line, at, "no value; write one, or remove the option")
		default:
			out[kv.key], lines[kv.key] = v.Value, kv.line
		}
	}
	return out, lines
}

// str reads a key as a trimmed string. A key that is missing, null or blank gives ok=false,
// and a problem when need (what the value is, for the message) is not "". A value that is not
// a scalar is a problem.
func (p *parser) str(f fields, key, need string) (s string, line int, ok bool) {
	e, found := f.m[key]
	line = f.line
	if found {
		line = e.line
		v := e.value
		if v.Kind != yaml.ScalarNode {
			p.add(v.Line, f.at(key), "found %s; want a single value", kind(v))
			return "", line, false
		}
		if !isNull(v) {
			if s = strings.TrimSpace(v.Value); s != "" {
				return s, v.Line, true
			}
		}
	}
	if need != "" {
		p.add(line, f.at(key), "required; %s", need)
	}
	return "", line, false
}

// nodeID reads a broker's node id; ok is false when there is none to use.
func (p *parser) nodeID(f fields) (id, line int, ok bool) {
	s, line, ok := p.str(f, "nodeId", "the broker's node id, 0 to the number of brokers - 1")
	if !ok {
		return 0, line, false
	}
	if tag := f.m["nodeId"].value.ShortTag(); tag != "!!int" && tag != "!!str" {
		ok = false
	}
	id, err := strconv.Atoi(s)
	if !ok || err != nil {
		p.add(line, f.at("nodeId"), "%q is not a node id; write a whole number from 0", s)
		return 0, line, false
	}
	if id < 0 {
		p.add(line, f.at("nodeId"), "%d is negative; node ids run from 0", id)
		return 0, line, false
	}
	return id, line, true
}
