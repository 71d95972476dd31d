// Package freshdesk connects Plaudit to Freshdesk: it authenticates the
// deliveries of an automation's "Trigger webhook" action (Freshdesk cannot
// sign them: the admin adds a secret header or basic auth), parses the
// recommended body, reads the ticket and its requester through the
// Freshdesk API for what the body lacks, and writes responses back as a
// private note plus optional custom fields and tags.
package freshdesk

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "freshdesk"

// Secret config fields: write-only through the API, encrypted at rest.
// webhook_secret_previous carries a rotation: deliveries may use either.
const (
	SecretAPIKey                = "api_key"
	SecretWebhookSecret         = "webhook_secret"
	SecretWebhookSecretPrevious = "webhook_secret_previous"
)

var secretFields = []string{SecretAPIKey, SecretWebhookSecret, SecretWebhookSecretPrevious}

// maxTagLen is the longest tag Freshdesk takes.
const maxTagLen = 32

// config is the public part of a Freshdesk connector's config.
type config struct {
	// Domain names the account: the API is at https://{domain}.freshdesk.com.
	Domain string `json:"domain"`
	// BaseURL overrides the API address (proxies, tests).
	BaseURL string `json:"base_url"`
	// RatingField and CommentField are optional ticket custom fields
	// ("cf_…") that receive the score and the comment.
	RatingField  string `json:"rating_field"`
	CommentField string `json:"comment_field"`
	// Tags are added to the ticket on writeback.
	Tags []string `json:"tags"`
}

var (
	domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	fieldRE  = regexp.MustCompile(`^cf_[a-z0-9_]{1,60}$`)
)

// Kind describes the freshdesk connector kind for the registry. Freshdesk
// cannot sign its deliveries: the webhook URL carries a secret of its
// own.
func Kind() plaudit.Kind {
	k := connconfig.KindWith(Name, secretFields, parseConfig, NewClient)
	k.URLSecret = true
	return k
}

// parseConfig decodes and checks a config, naming the first wrong field,
// and returns it with the API base URL.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, string, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, "", err
	}
	base, err := apiBase(&cfg)
	if err != nil {
		return cfg, "", err
	}
	if err := connconfig.FieldNames("rating_field", cfg.RatingField, "comment_field", cfg.CommentField,
		fieldRE.MatchString, "the API name of a ticket custom field, such as cf_rating"); err != nil {
		return cfg, "", err
	}
	if err := connconfig.TagList(cfg.Tags, tagOK, fmt.Sprintf("words of at most %d characters, without commas", maxTagLen)); err != nil {
		return cfg, "", err
	}
	return cfg, base, checkSecrets(secrets)
}

// apiBase works out the API address from domain or base_url. An admin
// may paste the whole host ("nordlicht.freshdesk.com"): it is taken as
// the account name.
func apiBase(cfg *config) (string, error) {
	cfg.Domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(cfg.Domain)), ".freshdesk.com")
	if cfg.Domain != "" && !domainRE.MatchString(cfg.Domain) {
		return "", plaudit.Errorf(plaudit.EInvalid, "config.domain must be the account name before .freshdesk.com (letters, digits, hyphens)")
	}
	if strings.TrimSpace(cfg.BaseURL) != "" {
		return connconfig.APIURL("base_url", cfg.BaseURL)
	}
	if cfg.Domain == "" {
		return "", plaudit.Errorf(plaudit.EInvalid, "config.domain is required")
	}
	return "https://" + cfg.Domain + ".freshdesk.com", nil
}

// tagOK takes a tag Freshdesk takes: a word of at most maxTagLen
// characters, without a comma (tags are sent as a list, but read back as
// one comma-separated string).
func tagOK(t string) bool {
	return strings.TrimSpace(t) == t && t != "" && utf8.RuneCountInString(t) <= maxTagLen && !strings.ContainsRune(t, ',') &&
		strings.IndexFunc(t, unicode.IsControl) < 0
}

// checkSecrets requires the API key and a webhook secret long enough not
// to be guessed; a secret travels in a header, so it has no spaces.
func checkSecrets(secrets map[string]string) error {
	if err := connconfig.APISecret(secrets, SecretAPIKey, "a Freshdesk API key"); err != nil {
		return err
	}
	return connconfig.InboundSecret(secrets, SecretWebhookSecret, SecretWebhookSecretPrevious, true)
}

// Client is the driver of one Freshdesk connector. It is safe for
// concurrent use.
type Client struct {
	cfg            config
	api            httpx.JSONAPI
	webhookSecrets []string // current, then previous
}

// NewClient builds the driver for a configured Freshdesk connector. Calls
// to the Freshdesk API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, base, err := connconfig.OpenWith(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg: cfg,
		// Freshdesk's basic auth: the API key as the user name, "X" as
		// the password.
		api:            httpx.JSONAPI{System: Name, BaseURL: base, HTTP: deps.HTTP, Authorize: httpx.BasicAuth(c.Secrets[SecretAPIKey], "X")},
		webhookSecrets: []string{c.Secrets[SecretWebhookSecret], c.Secrets[SecretWebhookSecretPrevious]},
	}, nil
}

var (
	_ plaudit.Driver   = (*Client)(nil)
	_ plaudit.Enricher = (*Client)(nil)
	_ plaudit.Tester   = (*Client)(nil)
)
