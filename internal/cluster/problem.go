package cluster

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a description.
type Problem struct {
	File    string // the file as named to Load or Parse; "<input>" when none; "" for options
	Line    int    // 1-based; 0 when the problem concerns no line
	Field   string // path of the field, e.g. "brokers[2].nodeId"; "" for the whole file
	Message string // what is wrong and what to do
}

// String is "file:line: field: message", leaving out what is empty.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// DescriptionError lists every problem found in a description, in file order.
type DescriptionError struct {
	Problems []Problem
}

// Error is one problem per line.
func (e *DescriptionError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects the problems of one file.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) add(line int, field, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// err returns a *DescriptionError sorted by line (options first), or nil.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		if (a.File == "") != (b.File == "") {
			return a.File == ""
		}
		return a.Line < b.Line
	})
	if extra := len(ps.list) - maxProblems; extra > 0 {
		ps.list = append(ps.list[:maxProblems:maxProblems], Problem{File: ps.file,
			Message: fmt.Sprintf("and %d more problems; fix these first", extra)})
	}
	return &DescriptionError{Problems: ps.list}
}

// maxProblems bounds a report: a hostile file (aliases repeating one wrong broker) could
// otherwise make a message of megabytes.
const maxProblems = 20

var yamlLineError = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntax turns a yaml.v3 error ("yaml: line 3: mapping values are not allowed ...") into a
// problem at that line.
func (ps *problems) syntax(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLineError.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	ps.add(line, "", "YAML syntax error: %s", msg)
}

// displayName is how problems name the file.
func displayName(path string) string {
	if path == "" {
		return "<input>"
	}
	return filepath.Clean(path)
}
