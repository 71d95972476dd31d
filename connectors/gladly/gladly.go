// Package gladly connects Plaudit to Gladly: it authenticates webhook
// deliveries by the basic-auth credentials set on the Gladly webhook,
// answers Gladly's PING, turns CONVERSATION/CLOSED and
// CONVERSATION/REOPENED events into interactions, reads the customer
// profile, the agent and the conversation's items through the Gladly API
// (the events carry ids only), and writes responses back as a conversation
// note plus optional conversation custom attributes.
package gladly

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "gladly"

// Secret config fields: write-only through the API, encrypted at rest.
// webhook_password_previous carries a rotation: deliveries may use either.
const (
	SecretAPIToken                = "api_token"
	SecretWebhookPassword         = "webhook_password"
	SecretWebhookPasswordPrevious = "webhook_password_previous"
)

var secretFields = []string{SecretAPIToken, SecretWebhookPassword, SecretWebhookPasswordPrevious}

// config is the public part of a Gladly connector's config.
type config struct {
	// BaseURL is the organization's address, https://{org}.gladly.com
	// (https://{org}.gladly.qa for a sandbox); the API is below /api/v1.
	BaseURL string `json:"base_url"`
	// APIUser is the email of the user whose API token Plaudit uses.
	APIUser string `json:"api_user"`
	// WebhookUsername is the basic-auth user name set on the webhook.
	WebhookUsername string `json:"webhook_username"`
	// RatingAttribute and CommentAttribute are optional conversation
	// custom attribute keys that receive the score and the comment.
	RatingAttribute  string `json:"rating_attribute"`
	CommentAttribute string `json:"comment_attribute"`
	// Tags are accepted as every kind takes them; Gladly conversations
	// have topics (ids) rather than tags, so they are not written.
	Tags []string `json:"tags"`
}

// attributeRE is the shape of a custom attribute key ("csatScore",
// "CSAT_SCORE").
var attributeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Kind describes the gladly connector kind for the registry. Gladly
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
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.base_url is required (https://{organization}.gladly.com)")
	}
	base, err := connconfig.APIURL("base_url", cfg.BaseURL)
	if err != nil {
		return cfg, "", err
	}
	cfg.APIUser = strings.TrimSpace(cfg.APIUser)
	if !connconfig.IsEmail(cfg.APIUser) {
		return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.api_user must be the email of the Gladly user who owns the API token")
	}
	if u := cfg.WebhookUsername; u == "" || len(u) > 200 || strings.IndexFunc(u, func(r rune) bool { return r == ':' || r < ' ' || r == 0x7f }) >= 0 {
		return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.webhook_username is required: at most 200 characters, without a colon")
	}
	if err := connconfig.FieldNames("rating_attribute", cfg.RatingAttribute, "comment_attribute", cfg.CommentAttribute,
		attributeRE.MatchString, "a custom attribute key (letters, digits, _ . -)"); err != nil {
		return cfg, "", err
	}
	if err := connconfig.TagList(cfg.Tags, nil, ""); err != nil {
		return cfg, "", err
	}
	return cfg, base, checkSecrets(secrets)
}

// checkSecrets requires the API token and a webhook password long enough
// not to be guessed.
func checkSecrets(secrets map[string]string) error {
	if err := connconfig.APISecret(secrets, SecretAPIToken, "a Gladly API token"); err != nil {
		return err
	}
	return connconfig.InboundSecret(secrets, SecretWebhookPassword, SecretWebhookPasswordPrevious, false)
}

// Client is the driver of one Gladly connector. It is safe for concurrent
// use.
type Client struct {
	cfg       config
	api       httpx.JSONAPI
	passwords []string // current, then previous
}

// NewClient builds the driver for a configured Gladly connector. Calls to
// the Gladly API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, base, err := connconfig.OpenWith(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:       cfg,
		api:       httpx.JSONAPI{System: Name, BaseURL: base, HTTP: deps.HTTP, Authorize: httpx.BasicAuth(cfg.APIUser, c.Secrets[SecretAPIToken])},
		passwords: []string{c.Secrets[SecretWebhookPassword], c.Secrets[SecretWebhookPasswordPrevious]},
	}, nil
}

var (
	_ plaudit.Driver     = (*Client)(nil)
	_ plaudit.Enricher   = (*Client)(nil)
	_ plaudit.Tester     = (*Client)(nil)
	_ plaudit.Handshaker = (*Client)(nil)
)
