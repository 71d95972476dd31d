// Package zendesk connects Plaudit to Zendesk Support: it verifies and
// parses Zendesk webhooks (trigger bodies and event subscriptions), reads
// tickets and users through the Zendesk API to complete events that carry
// only ids, and writes responses back as an internal note plus optional
// custom fields and tags.
package zendesk

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "zendesk"

// Secret config fields: write-only through the API, encrypted at rest.
const (
	SecretAPIToken      = "api_token"
	SecretSigningSecret = "signing_secret"
)

var secretFields = []string{SecretAPIToken, SecretSigningSecret}

// Tolerance is how far a signature timestamp may be from the receiving
// clock before the delivery is refused as a possible replay.
const Tolerance = 5 * time.Minute

// config is the public part of a Zendesk connector's config.
type config struct {
	// Subdomain names the account: the API is at https://{subdomain}.zendesk.com.
	Subdomain string `json:"subdomain"`
	// BaseURL overrides the API address (proxies, tests).
	BaseURL string `json:"base_url"`
	// Email is the API user; with the api_token it makes basic auth
	// "{email}/token:{api_token}".
	Email string `json:"email"`
	// RatingFieldID and CommentFieldID are optional ticket custom fields
	// that receive the score and the comment.
	RatingFieldID  int64 `json:"rating_field_id"`
	CommentFieldID int64 `json:"comment_field_id"`
	// Tags are added to the ticket on writeback.
	Tags []string `json:"tags"`
}

var subdomainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Kind describes the zendesk connector kind for the registry.
func Kind() plaudit.Kind {
	return connconfig.KindWith(Name, secretFields, parseConfig, NewClient)
}

// parseConfig decodes and checks a config, naming the first wrong field,
// and returns it with the API base URL.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, string, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, "", err
	}
	cfg.Subdomain = strings.ToLower(strings.TrimSpace(cfg.Subdomain))
	cfg.Email = strings.TrimSpace(cfg.Email)
	var base string
	switch {
	case strings.TrimSpace(cfg.BaseURL) != "":
		u, err := connconfig.APIURL("base_url", cfg.BaseURL)
		if err != nil {
			return cfg, "", err
		}
		base = u
		if cfg.Subdomain != "" && !subdomainRE.MatchString(cfg.Subdomain) {
			return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.subdomain must be the account name before .zendesk.com (letters, digits, hyphens)")
		}
	case cfg.Subdomain == "":
		return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.subdomain is required")
	case !subdomainRE.MatchString(cfg.Subdomain):
		return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.subdomain must be the account name before .zendesk.com (letters, digits, hyphens)")
	default:
		base = "https://" + cfg.Subdomain + ".zendesk.com"
	}
	if err := connconfig.Required("email", cfg.Email, connconfig.IsEmail, "an email address"); err != nil {
		return cfg, "", err
	}
	if err := connconfig.FieldIDs(cfg.RatingFieldID, cfg.CommentFieldID); err != nil {
		return cfg, "", err
	}
	if err := connconfig.TagWords(cfg.Tags); err != nil {
		return cfg, "", err
	}
	for _, f := range []string{SecretAPIToken, SecretSigningSecret} {
		v := secrets[f]
		if strings.TrimSpace(v) == "" {
			return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.%s is required", f)
		}
		if len(v) > 512 {
			return cfg, "", plaudit.Errorf(plaudit.EInvalid, "config.%s is too long", f)
		}
	}
	return cfg, base, nil
}

// Client is the driver of one Zendesk connector. It is safe for
// concurrent use.
type Client struct {
	cfg           config
	base          string
	apiToken      string
	signingSecret []byte
	api           httpx.JSONAPI
}

// NewClient builds the driver for a configured Zendesk connector. Calls to
// the Zendesk API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, base, err := connconfig.OpenWith(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	cl := &Client{
		cfg:           cfg,
		base:          base,
		apiToken:      c.Secrets[SecretAPIToken],
		signingSecret: []byte(c.Secrets[SecretSigningSecret]),
	}
	// Zendesk's basic auth for API tokens: "{email}/token" and the token.
	cl.api = httpx.JSONAPI{System: Name, BaseURL: base, HTTP: deps.HTTP, Authorize: func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(cl.cfg.Email+"/token", cl.apiToken)
		return nil
	}}
	return cl, nil
}

var (
	_ plaudit.Driver   = (*Client)(nil)
	_ plaudit.Enricher = (*Client)(nil)
	_ plaudit.Tester   = (*Client)(nil)
)
