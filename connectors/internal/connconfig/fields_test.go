package connconfig

import (
	"testing"

	"github.com/plaudit/plaudit"
)

func TestBaseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"":                          "https://api.example",
		"  ":                        "https://api.example",
		"https://proxy.example/x/":  "https://proxy.example/x",
		"http://127.0.0.1:9/":       "http://127.0.0.1:9",
		"http://proxy.example":      "config.base_url must be an https URL",
		"https://u:p@proxy.example": "config.base_url must be an https URL",
	} {
		got, err := BaseURL("base_url", raw, "https://api.example")
		if err != nil {
			got = plaudit.ErrorMessage(err)
		}
		if got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	for _, tc := range []struct {
		secrets map[string]string
		msg     string
	}{
		{map[string]string{"a": "x", "b": "y"}, ""},
		{map[string]string{"b": "y"}, "config.a is required"},
		{map[string]string{"a": " ", "b": "y"}, "config.a is required"},
		{map[string]string{"a": "x"}, "config.b is required"},
		{map[string]string{"a": "12345678901", "b": "y"}, "config.a is too long"},
		{map[string]string{"a": "x", "b": "y\n"}, "config.b must not contain spaces"},
	} {
		err := Secrets(tc.secrets, 10, "a", "b")
		if got := plaudit.ErrorMessage(err); (err == nil) != (tc.msg == "") || (err != nil && got != tc.msg) {
			t.Errorf("Secrets(%v) = %v, want %q", tc.secrets, err, tc.msg)
		}
	}
}
