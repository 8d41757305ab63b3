package limits

import (
	"context"
	"encoding/json"
	"io"
)

// JSON reads at most max bytes of JSON from r into v; what names the content for messages
// ("manifest"). A larger or deeper document is an *Error; a done ctx gives ctx's error.
func JSON(ctx context.Context, r io.Reader, max int64, what string, v any) error {
	b, err := ReadAll(ctx, r, max, what)
	if err != nil {
		return err
	}
	return DecodeJSON(b, max, what, v)
}

// DecodeJSON decodes data into v within max bytes and MaxJSONDepth.
func DecodeJSON(data []byte, max int64, what string, v any) error {
	if int64(len(data)) > max {
		return &Error{What: "the size of the " + what, Limit: max, Unit: "bytes"}
	}
	if jsonDepth(data, MaxJSONDepth) > MaxJSONDepth {
		return &Error{What: "the nesting depth of the " + what, Limit: MaxJSONDepth, Unit: "levels"}
	}
	return json.Unmarshal(data, v)
}

// jsonDepth is the deepest nesting of arrays and objects in data, scanning no further once
// it passes stop. Malformed input gives some number; json.Unmarshal then refuses it.
func jsonDepth(data []byte, stop int) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > stop {
					return deepest
				}
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}
