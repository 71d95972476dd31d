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

func TestTagWordsAndTagList(t *testing.T) {
	if err := TagWords([]string{"csat", "rated-5"}); err != nil {
		t.Error(err)
	}
	for _, bad := range [][]string{{""}, {"two words"}, {strings.Repeat("x", 81)}} {
		if plaudit.ErrorMessage(TagWords(bad)) != "config.tags must be words without spaces, at most 80 characters each" {
			t.Errorf("TagWords(%q) = %v", bad, TagWords(bad))
		}
	}
	if plaudit.ErrorMessage(TagList(make([]string, 21), nil, "")) != "config.tags: at most 20 tags are allowed" {
		t.Error("21 tags were accepted")
	}
	if err := TagList([]string{"", " x "}, nil, ""); err != nil {
		t.Errorf("any tag: %v", err)
	}
}

func TestBaseURLAndFieldPair(t *testing.T) {
	got := "  "
	if err := BaseURL(&got, "https://api.example/"); err != nil || got != "https://api.example" {
		t.Errorf("default: %q %v", got, err)
	}
	got = "http://api.example"
	if err := BaseURL(&got, "https://x"); plaudit.ErrorMessage(err) != "config.base_url must be an https URL" || got != "http://api.example" {
		t.Errorf("http: %q %v", got, err)
	}
	rating, comment := " CSAT", "CSAT "
	if err := FieldPair("rating_field", &rating, "comment_field", &comment); plaudit.ErrorMessage(err) != "config.comment_field must differ from config.rating_field" ||
		rating != "CSAT" || comment != "CSAT" {
		t.Errorf("same field: %v (%q, %q)", err, rating, comment)
	}
	rating, comment = "", " "
	if err := FieldPair("rating_field", &rating, "comment_field", &comment); err != nil || comment != "" {
		t.Errorf("none: %v", err)
	}
}

func TestFieldNamesAndIDs(t *testing.T) {
	lower := func(v string) bool { return strings.ToLower(v) == v }
	for _, tc := range []struct {
		rating, comment, msg string
	}{
		{"", "", ""},
		{"csat", "", ""},
		{"CSAT", "", "config.rating_property must be lower case"},
		{"csat", "Note", "config.comment_property must be lower case"},
		{"csat", "csat", "config.comment_property must differ from config.rating_property"},
	} {
		err := FieldNames("rating_property", tc.rating, "comment_property", tc.comment, lower, "lower case")
		if message(err) != tc.msg {
			t.Errorf("FieldNames(%q, %q) = %v, want %q", tc.rating, tc.comment, err, tc.msg)
		}
	}
	for _, tc := range []struct {
		rating, comment int64
		msg             string
	}{
		{0, 0, ""},
		{7, 8, ""},
		{-1, 0, "config.rating_field_id must be a positive number"},
		{0, -1, "config.comment_field_id must be a positive number"},
		{7, 7, "config.comment_field_id must differ from config.rating_field_id"},
	} {
		err := FieldIDs(tc.rating, tc.comment)
		if message(err) != tc.msg {
			t.Errorf("FieldIDs(%d, %d) = %v, want %q", tc.rating, tc.comment, err, tc.msg)
		}
	}
}

// message is err's message, "" for none.
func message(err error) string {
	if err == nil {
		return ""
	}
	return plaudit.ErrorMessage(err)
}

func TestRequired(t *testing.T) {
	for v, want := range map[string]string{
		"":                  "config.email is required",
		"a@b.example":       "",
		"Ann <a@b.example>": "config.email must be an email address",
		"nope":              "config.email must be an email address",
	} {
		if got := message(Required("email", v, IsEmail, "an email address")); got != want {
			t.Errorf("Required(%q) = %q, want %q", v, got, want)
		}
	}
}
