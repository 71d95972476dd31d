package connconfig

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestSecrets(t *testing.T) {
	req, opt := []string{"api_token", "app_secret"}, []string{"app_secret_previous"}
	for _, tc := range []struct {
		secrets map[string]string
		msg     string
	}{
		{map[string]string{"api_token": "t", "app_secret": "s"}, ""},
		{map[string]string{"api_token": "t", "app_secret": "s", "app_secret_previous": "p"}, ""},
		{map[string]string{"app_secret": "s"}, "config.api_token is required"},
		{map[string]string{"api_token": " ", "app_secret": "s"}, "config.api_token is required"},
		{map[string]string{"api_token": "t", "app_secret": strings.Repeat("x", MaxSecret+1)}, "config.app_secret is too long"},
		{map[string]string{"api_token": "t ok", "app_secret": "s"}, "config.api_token must not contain spaces"},
		{map[string]string{"api_token": "t", "app_secret": "s", "app_secret_previous": strings.Repeat("x", MaxSecret+1)}, "config.app_secret_previous is too long"},
	} {
		err := Secrets(tc.secrets, req, opt)
		if got := plaudit.ErrorMessage(err); (err == nil) != (tc.msg == "") || (err != nil && got != tc.msg) {
			t.Errorf("Secrets(%v) = %v, want %q", tc.secrets, err, tc.msg)
		}
	}
}

func TestTagsAndName(t *testing.T) {
	if err := Tags([]string{"rated by customer", "plaudit"}); err != nil {
		t.Error(err)
	}
	for _, bad := range [][]string{{""}, {"a\nb"}, {strings.Repeat("x", 81)}, make([]string, 21)} {
		if plaudit.ErrorCode(Tags(bad)) != plaudit.EInvalid {
			t.Errorf("Tags(%q) accepted", bad)
		}
	}
	if err := Name("rating_attribute", "CSAT score"); err != nil {
		t.Error(err)
	}
	if plaudit.ErrorMessage(Name("rating_attribute", "a\tb")) != "config.rating_attribute must be a name of at most 190 characters" {
		t.Error("a control character was accepted")
	}
}

func TestBaseURLAndFieldPair(t *testing.T) {
	if got, err := BaseURL("  ", "https://api.example/"); err != nil || got != "https://api.example" {
		t.Errorf("default: %q %v", got, err)
	}
	if _, err := BaseURL("http://api.example", "https://x"); plaudit.ErrorMessage(err) != "config.base_url must be an https URL" {
		t.Errorf("http: %v", err)
	}
	if err := FieldPair("rating_field", "CSAT", "comment_field", "CSAT"); plaudit.ErrorMessage(err) != "config.comment_field must differ from config.rating_field" {
		t.Errorf("same field: %v", err)
	}
	if err := FieldPair("rating_field", "", "comment_field", ""); err != nil {
		t.Errorf("none: %v", err)
	}
}
