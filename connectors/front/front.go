// Package front connects Plaudit to Front: it answers the sync challenge
// of a Front application webhook, verifies and parses signed conversation
// events (archived, reopened), reads the conversation, contact and
// teammate through the Front API to complete them, and writes responses
// back as a comment (internal to teammates) plus conversation custom
// fields and tags.
package front

import (
	"encoding/json"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/connectors/internal/tagids"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "front"

// Secret config fields: write-only through the API, encrypted at rest.
// The previous app secret carries a rotation (docs/front.md).
const (
	SecretAPIToken          = "api_token"
	SecretAppSecret         = "app_secret"
	SecretAppSecretPrevious = "app_secret_previous"
)

// DefaultBaseURL is Front's API.
const DefaultBaseURL = "https://api2.frontapp.com"

var secretFields = []string{SecretAPIToken, SecretAppSecret, SecretAppSecretPrevious}

// config is the public part of a Front connector's config.
type config struct {
	BaseURL string `json:"base_url"`
	// RatingField and CommentField are optional conversation custom
	// fields (by name) that receive the score and the comment.
	RatingField  string   `json:"rating_field"`
	CommentField string   `json:"comment_field"`
	Tags         []string `json:"tags"`
}

// Kind describes the front connector kind for the registry.
func Kind() plaudit.Kind {
	return connconfig.Kind(Name, secretFields, parseConfig, NewClient)
}

// parseConfig decodes and checks a config, naming the first wrong field.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, err
	}
	if err := connconfig.BaseURL(&cfg.BaseURL, DefaultBaseURL); err != nil {
		return cfg, err
	}
	if err := connconfig.FieldPair("rating_field", &cfg.RatingField, "comment_field", &cfg.CommentField); err != nil {
		return cfg, err
	}
	if err := connconfig.Tags(cfg.Tags); err != nil {
		return cfg, err
	}
	return cfg, connconfig.Secrets(secrets, []string{SecretAPIToken, SecretAppSecret}, []string{SecretAppSecretPrevious})
}

// Client is the driver of one Front connector. It is safe for concurrent
// use.
type Client struct {
	cfg     config
	secrets [][]byte // app secret, then the previous one
	api     httpx.JSONAPI
	tags    tagids.Cache
}

// NewClient builds the driver for a configured Front connector. Calls to
// the Front API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, err := connconfig.Open(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:     cfg,
		secrets: [][]byte{[]byte(c.Secrets[SecretAppSecret]), []byte(c.Secrets[SecretAppSecretPrevious])},
		api:     httpx.JSONAPI{System: Name, BaseURL: cfg.BaseURL, HTTP: deps.HTTP, Authorize: httpx.Bearer(c.Secrets[SecretAPIToken])},
	}, nil
}

var (
	_ plaudit.Driver     = (*Client)(nil)
	_ plaudit.Enricher   = (*Client)(nil)
	_ plaudit.Handshaker = (*Client)(nil)
	_ plaudit.Tester     = (*Client)(nil)
)
