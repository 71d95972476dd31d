package connkit

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              DefaultRetryAfter,
		"37":                            37 * time.Second,
		"0":                             0,
		"-5":                            DefaultRetryAfter,
		"soon":                          DefaultRetryAfter,
		"999999":                        24 * time.Hour,
		"Sat, 28 Nov 2026 18:02:00 GMT": 2 * time.Minute,
		"Sat, 28 Nov 2026 17:00:00 GMT": time.Second,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := RetryAfter(h, now, DefaultRetryAfter); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
}

func TestChannel(t *testing.T) {
	for raw, want := range map[string]string{
		"Web Form": "email", "Mail": "email", "email": "email", "Email": "email", "web": "email",
		"Voice": "phone", "Phone call (inbound)": "phone", "Phone": "phone",
		"Text": "sms", "SMS": "sms",
		"Chat": "chat", "Messaging": "chat", "native_messaging": "chat",
		"WhatsApp": "whatsapp", "Web service": "api", "": "",
		"Closed ticket": "closed_ticket", "Some <odd> channel!": "some_odd_channel",
	} {
		if got := Channel(raw); got != want {
			t.Errorf("Channel(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := Channel(strings.Repeat("a", 500)); len(got) > 50 {
		t.Errorf("Channel of a long name: %d bytes", len(got))
	}
}

func TestNote(t *testing.T) {
	w := plaudit.Writeback{Response: plaudit.Response{Score: 5, Comment: " quick and kind ",
		Excellence: []string{"friendly", "went_extra_mile"}, Improvement: []string{"speed"}, Reward: true}}
	want := "Customer feedback via Plaudit: 5/5 ★★★★★\nComment: quick and kind\nStrengths: friendly, went extra mile\nTo improve: speed\nReward: yes"
	if got := Note(w); got != want {
		t.Errorf("note\n%s\nwant\n%s", got, want)
	}
	w = plaudit.Writeback{Update: true, Response: plaudit.Response{Score: 2, Test: true}}
	if got := Note(w); got != "Feedback updated via Plaudit: 2/5 ★★☆☆☆ (test)" {
		t.Errorf("update note %q", got)
	}
	w = plaudit.Writeback{Response: plaudit.Response{Comment: "just words"}}
	if got := Note(w); got != "Customer feedback via Plaudit: no score\nComment: just words" {
		t.Errorf("no-score note %q", got)
	}
}

func TestCutUTF8(t *testing.T) {
	s := "ab€d" // € is 3 bytes: a b [e2 82 ac] d
	for n, want := range map[int]string{0: "", 1: "a", 2: "ab", 3: "ab", 4: "ab", 5: "ab€", 6: "ab€d", 100: "ab€d", -1: ""} {
		got := CutUTF8(s, n)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("CutUTF8(%q, %d) = %q, want %q", s, n, got, want)
		}
	}
}

func TestDecodeConfig(t *testing.T) {
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
	} {
		var c cfg
		err := DecodeConfig(json.RawMessage(raw), &c, []string{"secret"})
		if msg == "" {
			if err != nil {
				t.Errorf("DecodeConfig(%s) = %v", raw, err)
			}
			continue
		}
		var e *plaudit.Error
		if !errors.As(err, &e) || e.Code != plaudit.EInvalid || e.Message != msg {
			t.Errorf("DecodeConfig(%s) = %v, want %q", raw, err, msg)
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

func TestString(t *testing.T) {
	var v struct {
		A, B, C, D String
	}
	if err := json.Unmarshal([]byte(`{"A":"x","B":12345678901234567890,"C":null,"D":true}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "x" || v.B != "12345678901234567890" || v.C != "" || v.D != "true" {
		t.Errorf("%+v", v)
	}
	err := json.Unmarshal([]byte(`{"A":{"x":1}}`), &v)
	if got := JSONError(err); plaudit.ErrorMessage(got) != "A must be a string" {
		t.Errorf("object into String: %v", got)
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"ENTITY_IS_DELETED": "ENTITY_IS_DELETED", "invalid_grant": "invalid_grant", "RecordInvalid": "RecordInvalid",
		"Lukas Fischer said": "", "a@b.example": "", strings.Repeat("A", 61): "", "": "",
	} {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}
