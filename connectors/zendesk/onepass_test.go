package zendesk

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// onePassSeeds are bodies on both sides of Parse's one-pass decoding:
// ones that take it, and ones that must fall back to parseSlow.
var onePassSeeds = []string{
	`{"ticket":{"id":"1","status":"Solved"}}`,
	`{"ticket":{"id":"1","status":"Solved"},"type":"zen:event-type:ticket.status_changed","detail":{"id":"2"}}`,
	`{"type":"zen:event-type:user.created","id":"e1"}`,
	`{"type":{"nested":true},"ticket":{"id":"7"}}`,
	`{"type":["a"],"ticket":{"id":"7"}}`,
	`{"type":12,"ticket":{"id":"7","tags":["a b","c"]}}`,
	`{"ticket":{"id":7,"status":null,"tags":"x  y"},"requester":{"name":"Ren\u00e9e \"R\" M\u00fcller","email":"r@example.org"}}`,
	`{"ticket":{"id":"8","brand":"caf` + "\xe9" + `"}}`,
	`{"ticket":{"id":{"x":1}}}`,
	`{"ticket":[]}`,
	`{"ticket":{"id":"9"},"assignee":{"id":"abc"}}`,
	`{"Ticket":{"ID":"10","Status":"Gelöst"}}`,
	`{"ticket":{"id":"11"},"ticket":{"id":"12"}}`,
	`null`,
	` null `,
	`[]`,
	`"just a string"`,
	`{"ticket":`,
	``,
}

// FuzzParseOnePass checks that Parse's one-pass decoding gives exactly
// what decoding in separate passes (parseSlow) gives: the same events, or
// the same error.
func FuzzParseOnePass(f *testing.F) {
	for _, s := range onePassSeeds {
		f.Add([]byte(s))
	}
	for _, name := range []string{"zendesk-trigger.json", "zendesk-event-status-changed.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gerr := Parse(body)
		want, werr := parseSlow(body)
		if !reflect.DeepEqual(gerr, werr) {
			t.Fatalf("error: one pass %v, separate passes %v", gerr, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("events differ:\none pass  %+v\nseparate  %+v", got, want)
		}
	})
}

// FuzzTextMatchesInboundString checks the short way of text against
// inbound.String for any JSON value.
func FuzzTextMatchesInboundString(f *testing.F) {
	for _, s := range []string{`"plain"`, `"with \"escapes\" \u00e9"`, `"caf` + "\xe9" + `"`, `""`, `null`, `12.5`, `true`, `{"a":1}`, `["x"]`, `"  spaced  "`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // the decoder hands an unmarshaler only valid values
		}
		var got text
		var want inbound.String
		gerr, werr := json.Unmarshal(b, &got), json.Unmarshal(b, &want)
		if (gerr == nil) != (werr == nil) || string(got) != string(want) {
			t.Fatalf("%q: text %q (%v), inbound.String %q (%v)", b, got, gerr, want, werr)
		}
	})
}
