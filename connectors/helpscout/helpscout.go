// Package helpscout connects Plaudit to Help Scout: it verifies and
// parses signed conversation webhooks (status closed, reopened), reads
// the conversation and customer through the Mailbox API 2.0 to complete
// them, and writes responses back as a private note plus custom fields
// and tags. The API is reached with an OAuth token from the client
// credentials flow.
package helpscout

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "helpscout"

// Secret config fields: write-only through the API, encrypted at rest.
// The previous webhook secret carries a rotation (docs/helpscout.md).
const (
	SecretAppSecret             = "app_secret"
	SecretWebhookSecret         = "webhook_secret"
	SecretWebhookSecretPrevious = "webhook_secret_previous"
)

// DefaultBaseURL is Help Scout's API.
const DefaultBaseURL = "https://api.helpscout.net"

var secretFields = []string{SecretAppSecret, SecretWebhookSecret, SecretWebhookSecretPrevious}

// config is the public part of a Help Scout connector's config.
type config struct {
	// AppID is the OAuth client id of the Help Scout app (My Apps).
	AppID   string `json:"app_id"`
	BaseURL string `json:"base_url"`
	// RatingFieldID and CommentFieldID are optional custom fields of
	// the mailbox that receive the score and the comment.
	RatingFieldID  int64    `json:"rating_field_id"`
	CommentFieldID int64    `json:"comment_field_id"`
	Tags           []string `json:"tags"`
}

// Kind describes the helpscout connector kind for the registry.
func Kind() plaudit.Kind {
	return connconfig.Kind(Name, secretFields, parseConfig, NewClient)
}

// parseConfig decodes and checks a config, naming the first wrong field.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, err
	}
	cfg.AppID = strings.TrimSpace(cfg.AppID)
	if err := connconfig.Required("app_id", cfg.AppID, func(id string) bool { return len(id) <= 128 && inbound.Token(id) },
		"the App ID that Help Scout shows (letters and digits)"); err != nil {
		return cfg, err
	}
	if err := connconfig.BaseURL(&cfg.BaseURL, DefaultBaseURL); err != nil {
		return cfg, err
	}
	if err := connconfig.FieldIDs(cfg.RatingFieldID, cfg.CommentFieldID); err != nil {
		return cfg, err
	}
	if err := connconfig.Tags(cfg.Tags); err != nil {
		return cfg, err
	}
	return cfg, connconfig.Secrets(secrets, []string{SecretAppSecret, SecretWebhookSecret}, []string{SecretWebhookSecretPrevious})
}

// Client is the driver of one Help Scout connector. It is safe for
// concurrent use.
type Client struct {
	cfg       config
	appSecret string
	secrets   [][]byte // webhook secret, then the previous one
	http      *http.Client
	api       httpx.JSONAPI
	now       func() time.Time

	mu  sync.Mutex
	tok *token
}

// NewClient builds the driver for a configured Help Scout connector.
// Calls to the API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, err := connconfig.Open(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	cl := &Client{
		cfg:       cfg,
		appSecret: c.Secrets[SecretAppSecret],
		secrets:   [][]byte{[]byte(c.Secrets[SecretWebhookSecret]), []byte(c.Secrets[SecretWebhookSecretPrevious])},
		http:      deps.HTTP,
		now:       time.Now,
	}
	cl.api = httpx.JSONAPI{System: Name, BaseURL: cfg.BaseURL, HTTP: deps.HTTP, Authorize: func(ctx context.Context, req *http.Request) error {
		t, err := cl.accessToken(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+t.access)
		return nil
	}}
	return cl, nil
}

var (
	_ plaudit.Driver   = (*Client)(nil)
	_ plaudit.Enricher = (*Client)(nil)
	_ plaudit.Tester   = (*Client)(nil)
)
