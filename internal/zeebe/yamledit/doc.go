// Package yamledit sets properties in a Spring Boot YAML configuration (a Zeebe broker's
// application.yaml) and changes nothing else: what a restore does to the configuration it
// installs (cluster file set: entries and --set).
//
// The API is [Edit] and [Apply]. Keys are matched as package config reads them (relaxed
// forms, nested or dotted, activation conditions of multi-document files); config only reads,
// this package only writes.
//
// Invariants:
//
//  1. Only the text an edit must change changes: comments, blank lines, key order,
//     indentation, line endings, a byte order mark and the quoting of untouched values stay
//     byte for byte.
//  2. Edits apply in the order given, so the same edits give the same bytes every run.
//  3. After each edit the result is read back as config.LoadValues reads it: the edited key
//     must have the new value in the documents it changed and every other setting must read
//     as before, or Apply fails rather than return the result.
//  4. A key Apply cannot set safely (through a scalar, a sequence or an alias, an anchored
//     node used elsewhere, an activation key) is an error naming the key and the line.
//  5. Input is bounded by package limits (size, nesting, aliases) before anything is expanded.
//
// The expected outputs are golden files in testdata (input.yaml + edits.json -> want.yaml);
// `go test ./internal/zeebe/yamledit -update` rewrites them.
package yamledit
