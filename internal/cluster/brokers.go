package cluster

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
)

var brokerKeys = []string{"nodeId", "host", "config", "dataDir", "installDir", "env", "stop", "start", "health", "set"}

var commandKeys = []string{"run", "timeout"}

// brokerAt is a parsed broker entry with what the checks across brokers need.
type brokerAt struct {
	Broker
	path    string // brokers[i]
	idLine  int    // line of the node id
	idOK    bool   // NodeID holds a usable node id
	dirLine int    // line of dataDir
}

// brokers reads the brokers list and checks the brokers against each other; the result is
// sorted by node id.
func (p *parser) brokers(f fields, checkHost func(string) error) []Broker {
	e, found := f.m["brokers"]
	const need = "list every broker of the cluster, each with nodeId, host, config, stop, start and health"
	if !found || isNull(e.value) {
		line := f.line
		if found {
			line = e.line
		}
		p.add(line, "brokers", "required; %s", need)
		return nil
	}
	if e.value.Kind != yaml.SequenceNode {
		p.add(e.value.Line, "brokers", "found %s; %s", kind(e.value), need)
		return nil
	}
	if len(e.value.Content) == 0 {
		p.add(e.line, "brokers", "the list is empty; %s", need)
		return nil
	}
	var all []brokerAt
	for i, n := range e.value.Content {
		path := fmt.Sprintf("brokers[%d]", i)
		if n = deref(n); n.Kind != yaml.MappingNode {
			p.add(n.Line, path, "found %s; a broker is a mapping with nodeId, host, config, stop, start and health", kind(n))
			continue
		}
		all = append(all, p.broker(path, n, checkHost))
	}
	p.nodeIDs(e.line, len(e.value.Content), all)
	p.sharedDataDirs(all)

	out := make([]Broker, len(all))
	for i, b := range all {
		out[i] = b.Broker
	}
	slices.SortStableFunc(out, func(a, b Broker) int { return a.NodeID - b.NodeID })
	return out
}

func (p *parser) broker(path string, n *yaml.Node, checkHost func(string) error) brokerAt {
	f := p.fields(path, n, "a broker", brokerKeys)
	b := brokerAt{path: path}
	b.Line = n.Line
	b.NodeID, b.idLine, b.idOK = p.nodeID(f)

	if s, line, ok := p.str(f, "host", "where the broker runs, e.g. local"); ok {
		if checkHost != nil {
			if err := checkHost(s); err != nil {
				p.add(line, f.at("host"), "%s", redact.Text(err.Error()))
			}
		}
		b.Host = s
	}
	b.Config = p.absPath(f, "config", "the absolute path of the broker's application.yaml on its host, e.g. /opt/zeebe/config/application.yaml")
	b.DataDir = p.absPath(f, "dataDir", "")
	b.dirLine = f.m["dataDir"].line
	b.InstallDir = p.absPath(f, "installDir", "")
	if b.InstallDir == "" && b.Config != "" {
		b.InstallDir = filepath.Dir(filepath.Dir(b.Config))
	}
	b.Env = p.stringMap(f, "env", true)
	b.Stop = p.command(f, "stop", DefaultStopTimeout, "systemctl stop zeebe")
	b.Start = p.command(f, "start", DefaultStartTimeout, "systemctl start zeebe")
	if s, line, ok := p.str(f, "health", "the broker's management URL, e.g. http://10.0.0.10:9600"); ok {
		h, msg := checkHealth(s)
		if msg != "" {
			p.add(line, f.at("health"), "%s", msg)
		}
		b.Health = h
	}
	b.Set = p.stringMap(f, "set", false)
	return b
}

// absPath reads an absolute path, cleaned.
func (p *parser) absPath(f fields, key, need string) string {
	s, line, ok := p.str(f, key, need)
	if !ok {
		return ""
	}
	if !filepath.IsAbs(s) {
		p.add(line, f.at(key), "%q is relative; write an absolute path on the broker's host, e.g. %s", s, examplePath[key])
		return ""
	}
	return filepath.Clean(s)
}

var examplePath = map[string]string{
	"config":     "/opt/zeebe/config/application.yaml",
	"dataDir":    "/opt/zeebe/data",
	"installDir": "/opt/zeebe",
}

// command reads a command written as a string or as {run: ..., timeout: ...}.
func (p *parser) command(f fields, key string, def time.Duration, example string) Command {
	need := fmt.Sprintf("a shell command run on the broker's host, e.g. %s: %s, or %s: {run: %s, timeout: 2m}", key, example, key, example)
	c := Command{Timeout: def}
	e, found := f.m[key]
	if !found || e.value.Kind != yaml.MappingNode {
		c.Run, _, _ = p.str(f, key, need)
		return c
	}
	cf := p.fields(f.at(key), e.value, "a command", commandKeys)
	c.Run, _, _ = p.str(cf, "run", "the shell command to run, e.g. run: "+example)
	if s, line, ok := p.str(cf, "timeout", ""); ok {
		t, err := time.ParseDuration(s)
		switch {
		case err != nil:
			p.add(line, cf.at("timeout"), "%q is not a duration; write it like 90s or 2m", s)
		case t <= 0:
			p.add(line, cf.at("timeout"), "%s is not positive; write how long the command may run, like 90s or 2m", s)
		default:
			c.Timeout = t
		}
	}
	return c
}

// stringMap reads env or set: a mapping of names to single values. It is never nil.
func (p *parser) stringMap(f fields, key string, env bool) map[string]string {
	out := map[string]string{}
	e, found := f.m[key]
	if !found || isNull(e.value) {
		return out
	}
	want := "config keys to set, e.g. zeebe.broker.network.advertisedHost: 10.0.0.20"
	if env {
		want = "environment variables, e.g. ZEEBE_BROKER_DATA_DIRECTORY: /data"
	}
	if e.value.Kind != yaml.MappingNode {
		p.add(e.value.Line, f.at(key), "found %s; want a mapping of %s", kind(e.value), want)
		return out
	}
	for _, kv := range p.entries(f.at(key), e.value) {
		at := f.at(key) + "." + kv.key
		switch v := kv.value; {
		case env && (kv.key == "" || strings.ContainsAny(kv.key, "=\x00")):
			p.add(kv.line, at, "%q is not a variable name; a name has no '=' and is not empty", kv.key)
		case !env && strings.TrimSpace(kv.key) == "":
			p.add(kv.line, at, "empty key; write the config key, e.g. zeebe.broker.network.advertisedHost")
		case v.Kind != yaml.ScalarNode:
			p.add(v.Line, at, "found %s; want a single value (%s takes %s)", kind(v), key, want)
		case isNull(v):
			p.add(kv.line, at, `no value; write one, or "" for an empty value`)
		default:
			out[kv.key] = v.Value
		}
	}
	return out
}

// nodeIDs checks that the node ids are exactly 0..n-1.
func (p *parser) nodeIDs(line, n int, all []brokerAt) {
	first := map[int]brokerAt{}
	for _, b := range all {
		if !b.idOK {
			continue
		}
		if o, dup := first[b.NodeID]; dup {
			p.add(b.idLine, b.path+".nodeId", "%d is also used by %s (line %d); every broker needs its own node id", b.NodeID, o.path, o.idLine)
			continue
		}
		first[b.NodeID] = b
		if b.NodeID >= n {
			p.add(b.idLine, b.path+".nodeId", "%d is out of range; with %d brokers the node ids are 0..%d", b.NodeID, n, n-1)
		}
	}
	var missing []string
	for id := range n {
		if _, ok := first[id]; !ok {
			missing = append(missing, fmt.Sprint(id))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		p.add(line, "brokers", "node ids 0..%d expected, %s is missing", n-1, missing[0])
	default:
		p.add(line, "brokers", "node ids 0..%d expected, %s are missing", n-1, list(missing))
	}
}

// sharedDataDirs reports two brokers on one host given the same data folder.
func (p *parser) sharedDataDirs(all []brokerAt) {
	type place struct{ host, dir string }
	first := map[place]brokerAt{}
	for _, b := range all {
		if b.DataDir == "" || b.Host == "" {
			continue
		}
		k := place{b.Host, b.DataDir}
		if o, dup := first[k]; dup {
			p.add(b.dirLine, b.path+".dataDir", "%s is also the data folder of %s (line %d) on the same host; every broker needs its own", b.DataDir, o.path, o.dirLine)
			continue
		}
		first[k] = b
	}
}
