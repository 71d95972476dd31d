package connconfig

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestDecode(t *testing.T) {
	type cfg struct {
		Name  string   `json:"name"`
		Count int64    `json:"count"`
		Tags  []string `json:"tags"`
		On    bool     `json:"on"`
	}
	for raw, msg := range map[string]string{
		`{"name":"x","count":3,"tags":["a"],"on":true}`: "",
		`{"name":"x","secret":"s"}`:                     "",
		``:                                              "",
		`null`:                                          "",
		`{"nmae":"x"}`:                                  "config.nmae is not a known setting",
		`{"name":1}`:                                    "config.name must be a string",
		`{"count":"3"}`:                                 "config.count must be a whole number",
		`{"count":1.5}`:                                 "config.count must be a whole number",
		`{"tags":"a"}`:                                  "config.tags must be an array",
		`{"on":"yes"}`:                                  "config.on must be true or false",
		`[]`:                                            "config must be a JSON object",
		`{"name":`:                                      "config must be a JSON object",
		`{"rate_limit_per_second":250}`:                 "",
		`{"rate_limit_per_second":0}`:                   "config.rate_limit_per_second must be between 1 and 100000",
		`{"rate_limit_per_second":"fast"}`:              "config.rate_limit_per_second must be a whole number",
	} {
		var c cfg
		err := Decode(json.RawMessage(raw), &c, []string{"secret"})
		if msg == "" {
			if err != nil {
				t.Errorf("Decode(%s) = %v", raw, err)
			}
			continue
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != msg {
			t.Errorf("Decode(%s) = %v, want %q", raw, err, msg)
		}
	}
}

func TestAPIURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://nordlicht.zendesk.com":  "https://nordlicht.zendesk.com",
		"https://proxy.example/zendesk/": "https://proxy.example/zendesk",
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080",
		"http://localhost:9000/x":        "http://localhost:9000/x",
		"http://[::1]:1/":                "http://[::1]:1",
		"http://example.com":             "",
		"https://user:pw@example.com":    "",
		"https://example.com/?token=1":   "",
		"https://example.com/#x":         "",
		"ftp://example.com":              "",
		"example.com":                    "",
		"":                               "",
	} {
		got, err := APIURL("base_url", raw)
		if want == "" {
			if err == nil || plaudit.ErrorMessage(err) != "config.base_url must be an https URL" {
				t.Errorf("APIURL(%q) = %q, %v", raw, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("APIURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

func TestInboundSecret(t *testing.T) {
	const good = "0123456789abcdef"
	for _, c := range []struct {
		secrets map[string]string
		noSpace bool
		msg     string
	}{
		{map[string]string{"s": good}, true, ""},
		{map[string]string{"s": good, "p": good + "x"}, true, ""},
		{map[string]string{"s": "with a space 0123"}, false, ""},
		{map[string]string{}, true, "config.s is required"},
		{map[string]string{"p": good}, true, "config.s is required"},
		{map[string]string{"s": "short"}, false, "config.s must be 16 to 512 characters"},
		{map[string]string{"s": "with a space 0123"}, true, "config.s must be 16 to 512 characters without spaces"},
		{map[string]string{"s": good, "p": "tab\there-0123456789"}, false, "config.p must be 16 to 512 characters"},
		{map[string]string{"s": strings.Repeat("x", 513)}, true, "config.s must be 16 to 512 characters without spaces"},
	} {
		err := InboundSecret(c.secrets, "s", "p", c.noSpace)
		if got := plaudit.ErrorMessage(err); (err == nil) != (c.msg == "") || (err != nil && got != c.msg) {
			t.Errorf("%v: %v, want %q", c.secrets, err, c.msg)
		}
	}
}

func TestAPISecret(t *testing.T) {
	for v, msg := range map[string]string{
		"k3y-abc": "", "": "config.k is required", "  ": "config.k is required",
		"a b": "config.k is not a key", "a:b": "config.k is not a key", strings.Repeat("k", 513): "config.k is not a key",
	} {
		err := APISecret(map[string]string{"k": v}, "k", "a key")
		if got := plaudit.ErrorMessage(err); (err == nil) != (msg == "") || (err != nil && got != msg) {
			t.Errorf("%q: %v, want %q", v, err, msg)
		}
	}
}
