package gladly

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

func TestConfig(t *testing.T) {
	secrets := map[string]string{SecretAPIToken: testToken, SecretWebhookPassword: hookPassword}
	k := Kind()
	if k.Name != "gladly" || strings.Join(k.SecretFields, ",") != "api_token,webhook_password,webhook_password_previous" {
		t.Errorf("kind %+v", k)
	}
	good := `"api_user":"` + testUser + `","webhook_username":"` + hookUser + `"`
	for raw, base := range map[string]string{
		`{"base_url":"https://nordlicht.gladly.com/",` + good + `}`:                                                                 "https://nordlicht.gladly.com",
		`{"base_url":"https://nordlicht.gladly.qa",` + good + `,"rating_attribute":"csatScore","comment_attribute":"CSAT_COMMENT"}`: "https://nordlicht.gladly.qa",
		`{"base_url":"http://127.0.0.1:8089",` + good + `,"tags":["plaudit"],"rate_limit_per_second":20}`:                           "http://127.0.0.1:8089",
	} {
		_, got, err := parseConfig(json.RawMessage(raw), secrets)
		if err != nil || got != base {
			t.Errorf("%s: base %q, err %v; want %q", raw, got, err, base)
		}
	}
	for raw, msg := range map[string]string{
		`{` + good + `}`: "config.base_url is required (https://{organization}.gladly.com)",
		`{"base_url":"http://nordlicht.gladly.com",` + good + `}`:                                         "config.base_url must be an https URL",
		`{"base_url":"https://nordlicht.gladly.com","webhook_username":"u"}`:                              "config.api_user must be the email of the Gladly user who owns the API token",
		`{"base_url":"https://nordlicht.gladly.com","api_user":"` + testUser + `"}`:                       "config.webhook_username is required: at most 200 characters, without a colon",
		`{"base_url":"https://x.gladly.com","api_user":"a@b.example","webhook_username":"a:b"}`:           "config.webhook_username is required: at most 200 characters, without a colon",
		`{"base_url":"https://x.gladly.com",` + good + `,"rating_attribute":"csat score"}`:                "config.rating_attribute must be a custom attribute key (letters, digits, _ . -)",
		`{"base_url":"https://x.gladly.com",` + good + `,"rating_attribute":"a","comment_attribute":"a"}`: "config.comment_attribute must differ from config.rating_attribute",
		`{"base_url":"https://x.gladly.com",` + good + `,"rate_limit_per_second":-5}`:                     "config.rate_limit_per_second must be between 1 and 100000",
		`{"base_url":"https://x.gladly.com",` + good + `,"organization":"x"}`:                             "config.organization is not a known setting",
	} {
		wantError(t, k.Validate(json.RawMessage(raw), secrets), plaudit.EInvalid, msg)
	}
	cfg := json.RawMessage(`{"base_url":"https://x.gladly.com",` + good + `}`)
	for msg, s := range map[string]map[string]string{
		"config.api_token is required":                                  {SecretWebhookPassword: hookPassword},
		"config.api_token is not a Gladly API token":                    {SecretAPIToken: "a token", SecretWebhookPassword: hookPassword},
		"config.webhook_password is required":                           {SecretAPIToken: testToken},
		"config.webhook_password must be 16 to 512 characters":          {SecretAPIToken: testToken, SecretWebhookPassword: "short"},
		"config.webhook_password_previous must be 16 to 512 characters": {SecretAPIToken: testToken, SecretWebhookPassword: hookPassword, SecretWebhookPasswordPrevious: "line\nbreak-0123456789"},
	} {
		wantError(t, k.Validate(cfg, s), plaudit.EInvalid, msg)
	}
}
