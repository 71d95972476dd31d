package freshdesk

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestConfig(t *testing.T) {
	secrets := map[string]string{SecretAPIKey: testKey, SecretWebhookSecret: testSecret}
	k := Kind()
	if k.Name != "freshdesk" || strings.Join(k.SecretFields, ",") != "api_key,webhook_secret,webhook_secret_previous" {
		t.Errorf("kind %+v", k)
	}
	for raw, base := range map[string]string{
		`{"domain":"nordlicht"}`:                          "https://nordlicht.freshdesk.com",
		`{"domain":" Nordlicht.freshdesk.com "}`:          "https://nordlicht.freshdesk.com",
		`{"domain":"x","base_url":"http://127.0.0.1:9/"}`: "http://127.0.0.1:9",
		`{"base_url":"https://proxy.example/fd","rating_field":"cf_rating","comment_field":"cf_comment","tags":["plaudit","csat done"],"rate_limit_per_second":50}`: "https://proxy.example/fd",
	} {
		_, got, err := parseConfig(json.RawMessage(raw), secrets)
		if err != nil || got != base {
			t.Errorf("%s: base %q, err %v; want %q", raw, got, err, base)
		}
	}
	for raw, msg := range map[string]string{
		`{}`:                      "config.domain is required",
		`{"domain":"nord licht"}`: "config.domain must be the account name before .freshdesk.com (letters, digits, hyphens)",
		`{"domain":"x","base_url":"http://proxy.example"}`:            "config.base_url must be an https URL",
		`{"domain":"x","rating_field":"rating"}`:                      "config.rating_field must be the API name of a ticket custom field, such as cf_rating",
		`{"domain":"x","comment_field":"cf_Comment!"}`:                "config.comment_field must be the API name of a ticket custom field, such as cf_rating",
		`{"domain":"x","rating_field":"cf_a","comment_field":"cf_a"}`: "config.comment_field must differ from config.rating_field",
		`{"domain":"x","tags":["a,b"]}`:                               "config.tags must be words of at most 32 characters, without commas",
		`{"domain":"x","tags":"plaudit"}`:                             "config.tags must be an array",
		`{"domain":"x","rate_limit_per_second":-1}`:                   "config.rate_limit_per_second must be between 1 and 100000",
		`{"domain":"x","subdomain":"y"}`:                              "config.subdomain is not a known setting",
	} {
		err := k.Validate(json.RawMessage(raw), secrets)
		wantError(t, err, plaudit.EInvalid, msg)
	}
	for s, msg := range map[string]map[string]string{
		"config.api_key is required":                                                 {SecretWebhookSecret: testSecret},
		"config.webhook_secret is required":                                          {SecretAPIKey: testKey},
		"config.webhook_secret must be 16 to 512 characters without spaces":          {SecretAPIKey: testKey, SecretWebhookSecret: "short"},
		"config.webhook_secret_previous must be 16 to 512 characters without spaces": {SecretAPIKey: testKey, SecretWebhookSecret: testSecret, SecretWebhookSecretPrevious: "has a space in it ok"},
		"config.api_key is not a Freshdesk API key":                                  {SecretAPIKey: "a:b", SecretWebhookSecret: testSecret},
	} {
		wantError(t, k.Validate(json.RawMessage(`{"domain":"x"}`), msg), plaudit.EInvalid, s)
	}
}
