package storage

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	// MaxKeyLen is the longest key in bytes.
	MaxKeyLen = 1024
	// MaxSegmentLen is the longest key segment in bytes (NAME_MAX of common file systems), so
	// that every key is storable by every backend.
	MaxSegmentLen = 255
	// ReservedPrefix starts the names backends use for temporary files; no key segment may
	// start with it.
	ReservedPrefix = ".tmp-"
)

// ErrInvalidKey is wrapped by the error of every method given an invalid key or prefix.
var ErrInvalidKey = errors.New("invalid key")

// ValidKey checks a key: non-empty, at most [MaxKeyLen] bytes, valid UTF-8 without NUL or
// backslash, not starting with "/", made of segments separated by single slashes, none empty,
// "." or "..", longer than [MaxSegmentLen] or starting with [ReservedPrefix]. The error wraps
// [ErrInvalidKey] and says what is wrong.
func ValidKey(key string) error {
	if problem := keyProblem(key, false); problem != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, problem)
	}
	return nil
}

// ValidPrefix checks a List prefix: "" (everything) or the beginning of some valid key, so it
// may end with "/" or inside a segment ("a/b", "a/", "a/.", "zeebe-backup-2026"). The error
// wraps [ErrInvalidKey].
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if problem := keyProblem(prefix, true); problem != "" {
		return fmt.Errorf("%w: prefix %q: %s", ErrInvalidKey, prefix, problem)
	}
	return nil
}

// keyProblem says what is wrong with key, or "" if nothing is. With partial, the last segment
// may be the beginning of a valid segment (empty, ".", "..").
func keyProblem(key string, partial bool) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	case strings.ContainsRune(key, 0):
		return "contains NUL"
	case strings.ContainsRune(key, '\\'):
		return "contains a backslash"
	case key[0] == '/':
		return "starts with a slash (keys are relative)"
	}
	segments := strings.Split(key, "/")
	for i, seg := range segments {
		last := i == len(segments)-1
		switch {
		case len(seg) > MaxSegmentLen:
			return fmt.Sprintf("segment %q is longer than %d bytes", seg, MaxSegmentLen)
		case strings.HasPrefix(seg, ReservedPrefix):
			return fmt.Sprintf("segment %q starts with the reserved %q", seg, ReservedPrefix)
		case partial && last:
			// Any beginning of a valid segment, including "", "." and "..".
		case seg == "":
			if last {
				return "ends with a slash"
			}
			return "has an empty segment (two slashes in a row)"
		case seg == "." || seg == "..":
			return fmt.Sprintf("has a %q segment", seg)
		}
	}
	return ""
}
