package server

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// FuzzJSONText walks API bodies for what the store must not take. For any
// valid JSON its verdict is the one of a check that knows no structure:
// find every string literal, decode it on its own, and refuse invalid
// UTF-8, a control character other than a line break or tab, and in a key
// (a literal a colon follows) any control character. A refusal is a 400.
// Seeds: testdata/fuzz/FuzzJSONText.
func FuzzJSONText(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSONText(body) // whatever the body, no panic
		if !json.Valid(body) {
			return
		}
		want := refusedLiteral(body)
		if (err != nil) != want {
			t.Fatalf("checkJSONText(%q) = %v; a literal the API refuses: %v", body, err, want)
		}
		if err != nil && plaudit.ErrorCode(err) != plaudit.EInvalid {
			t.Fatalf("checkJSONText(%q) = %v, want invalid input", body, err)
		}
	})
}

// refusedLiteral reports whether a string literal of the valid JSON text
// body holds what the API refuses. Outside literals valid JSON is ASCII,
// so invalid UTF-8 anywhere is inside one.
func refusedLiteral(body []byte) bool {
	if !utf8.Valid(body) {
		return true
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		end := i + 1
		for body[end] != '"' {
			if body[end] == '\\' {
				end++
			}
			end++
		}
		var s string
		if err := json.Unmarshal(body[i:end+1], &s); err != nil {
			panic(err) // a literal of valid JSON
		}
		rest := bytes.TrimLeft(body[end+1:], " \t\r\n")
		key := len(rest) > 0 && rest[0] == ':'
		for _, r := range s {
			if unicode.IsControl(r) && (key || (r != '\n' && r != '\r' && r != '\t')) {
				return true
			}
		}
		i = end
	}
	return false
}
