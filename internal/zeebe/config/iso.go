package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseISODuration reads the ISO-8601 durations java.time.Duration.parse accepts:
// [+-]P[nD][T[nH][nM][n[.f]S]], case-insensitive, each number optionally signed, the seconds
// with up to nine fraction digits after '.' or ','. Years, months and weeks are not durations.
func parseISODuration(t string) (time.Duration, error) {
	bad := fmt.Errorf("%s", durationAllowed)
	s, neg := t, false
	if s[0] == '+' || s[0] == '-' {
		s, neg = s[1:], s[0] == '-'
	}
	s = s[1:] // the 'P'
	datePart, timePart, hasT := s, "", false
	if i := strings.IndexAny(s, "Tt"); i >= 0 {
		datePart, timePart, hasT = s[:i], s[i+1:], true
	}
	if (datePart == "" && !hasT) || (hasT && timePart == "") {
		return 0, bad
	}
	var total time.Duration
	if datePart != "" {
		tok, rest, ok := isoToken(datePart)
		if !ok || rest != "" || tok.unit != 'D' || tok.hasFrac {
			return 0, bad
		}
		var err error
		if total, err = scale(total, tok.n, 24*time.Hour); err != nil {
			return 0, err
		}
	}
	order := "HMS"
	for timePart != "" {
		tok, rest, ok := isoToken(timePart)
		if !ok {
			return 0, bad
		}
		i := strings.IndexByte(order, tok.unit)
		if i < 0 || (tok.hasFrac && tok.unit != 'S') {
			return 0, bad
		}
		order, timePart = order[i+1:], rest
		var err error
		switch tok.unit {
		case 'H':
			total, err = scale(total, tok.n, time.Hour)
		case 'M':
			total, err = scale(total, tok.n, time.Minute)
		case 'S':
			if total, err = scale(total, tok.n, time.Second); err == nil && tok.frac != "" {
				f, _ := strconv.ParseInt(tok.frac, 10, 64)
				for range 9 - len(tok.frac) {
					f *= 10
				}
				if tok.neg {
					f = -f
				}
				total, err = scale(total, f, time.Nanosecond)
			}
		}
		if err != nil {
			return 0, err
		}
	}
	if neg {
		if total == math.MinInt64 {
			return 0, fmt.Errorf("is too long for a duration")
		}
		total = -total
	}
	return total, nil
}

type isoTok struct {
	n       int64
	neg     bool
	frac    string
	hasFrac bool
	unit    byte // upper case
}

// isoToken reads one "[+-]digits[.fraction]UNIT" from the start of s.
func isoToken(s string) (isoTok, string, bool) {
	var tok isoTok
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		tok.neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return tok, "", false
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil {
		return tok, "", false
	}
	tok.n = n
	if j < len(s) && (s[j] == '.' || s[j] == ',') {
		k := j + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k-(j+1) > 9 {
			return tok, "", false
		}
		tok.frac, tok.hasFrac = s[j+1:k], true
		j = k
	}
	if j >= len(s) {
		return tok, "", false
	}
	tok.unit = strings.ToUpper(s[j : j+1])[0]
	return tok, s[j+1:], true
}
