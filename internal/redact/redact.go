// Package redact keeps secrets out of messages and records. Every URL or command line that
// goes into a message (errors, progress events) or a record (the repository lock, the cluster
// lock beside each data folder, manifests) goes through Text or Args first.
//
// Invariants:
//  1. A URL's user-info that holds a password ("user:password@") becomes "***@" wherever it
//     appears in a text; a user name alone ("ssh://zeebe@host") is kept, it is no secret.
//  2. A command line keeps the flags and the keys of --set, never their values: a --set value
//     may be a password.
package redact

import (
	"regexp"
	"strings"
)

// Mask stands for what was removed.
const Mask = "***"

// userInfo finds "scheme://userinfo@" up to the last '@' before the host ends, as url.Parse
// reads it. The user-info is group 2.
var userInfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^\s/?#"'<>]*)@`)

// Text returns s with the user-info of every URL in it that holds a password replaced by
// Mask.
func Text(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return userInfo.ReplaceAllStringFunc(s, func(m string) string {
		sub := userInfo.FindStringSubmatch(m)
		if !strings.Contains(sub[2], ":") {
			return m // a user name alone
		}
		return sub[1] + Mask + "@"
	})
}

// secretFlags are the flags whose values never go into a record.
var secretFlags = []string{"--set"}

// Args is a command line to record or show: the arguments joined by spaces, the value of each
// --set replaced by Mask (its broker and key kept: "--set 1.zeebe.x=***") and URLs passed
// through Text.
func Args(args []string) string {
	out := make([]string, len(args))
	maskNext := false
	for i, a := range args {
		switch {
		case maskNext:
			a, maskNext = maskValue(a), false
		case isSecretFlag(a):
			maskNext = true
		default:
			for _, f := range secretFlags {
				if v, ok := strings.CutPrefix(a, f+"="); ok {
					a = f + "=" + maskValue(v)
				}
			}
		}
		out[i] = Text(a)
	}
	return strings.Join(out, " ")
}

func isSecretFlag(a string) bool {
	for _, f := range secretFlags {
		if a == f {
			return true
		}
	}
	return false
}

// maskValue keeps what comes before the first '=' ("1.zeebe.x") and masks the rest.
func maskValue(v string) string {
	if k, _, ok := strings.Cut(v, "="); ok {
		return k + "=" + Mask
	}
	return Mask
}
