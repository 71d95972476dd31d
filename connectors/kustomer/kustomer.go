// Package kustomer connects Plaudit to Kustomer: it verifies the HMAC
// signature of Kustomer's outbound webhooks, turns conversation updates
// that move the status to done (or back out of it) into solved and
// reopened interactions, reads the conversation, its customer and its
// agent through the Kustomer API, and writes responses back as a note
// (notes are internal: customers never see them) plus optional
// conversation custom attributes and tags.
package kustomer

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "kustomer"

// Secret config fields: write-only through the API, encrypted at rest.
const (
	// SecretAPIKey is the API key's token (API calls).
	SecretAPIKey = "api_key"
	// SecretWebhookSecret is the outbound webhook's token, the key of its
	// signature.
	SecretWebhookSecret = "webhook_secret"
)

var secretFields = []string{SecretAPIKey, SecretWebhookSecret}

// DefaultBaseURL is Kustomer's API. Organizations can use their own host,
// https://{org}.api.kustomerapp.com (https://{org}.api.prod2.kustomerapp.com
// in the EU), as base_url.
const DefaultBaseURL = "https://api.kustomerapp.com"

// config is the public part of a Kustomer connector's config.
type config struct {
	BaseURL string `json:"base_url"`
	// RatingAttribute and CommentAttribute are optional conversation
	// custom attributes (their names, such as csatScoreNum) that receive
	// the score and the comment.
	RatingAttribute  string `json:"rating_attribute"`
	CommentAttribute string `json:"comment_attribute"`
	// Tags are added to the conversation on writeback.
	Tags []string `json:"tags"`
}

var (
	// A custom attribute's name ends in its type: a score fits a number
	// (Num) or a string (Str), a comment a string (Str) or text (Txt).
	ratingRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,95}(Num|Str)$`)
	commentRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,95}(Str|Txt)$`)
	// idRE is a Kustomer object id (24 hex digits), loosely: whatever
	// goes into an API path must be letters and digits.
	idRE = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// Kind describes the kustomer connector kind for the registry.
func Kind() plaudit.Kind {
	return connconfig.Kind(Name, secretFields, parseConfig, NewClient)
}

// parseConfig decodes and checks a config, naming the first wrong field,
// and fills the defaults.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, err
	}
	if err := connconfig.BaseURL(&cfg.BaseURL, DefaultBaseURL); err != nil {
		return cfg, err
	}
	if cfg.RatingAttribute != "" && !ratingRE.MatchString(cfg.RatingAttribute) {
		return cfg, plaudit.Errorf(plaudit.EInvalid, "config.rating_attribute must be a conversation attribute name ending in Num or Str (such as csatScoreNum)")
	}
	if cfg.CommentAttribute != "" && !commentRE.MatchString(cfg.CommentAttribute) {
		return cfg, plaudit.Errorf(plaudit.EInvalid, "config.comment_attribute must be a conversation attribute name ending in Str or Txt (such as csatCommentTxt)")
	}
	if err := connconfig.TagList(cfg.Tags, func(t string) bool {
		return strings.TrimSpace(t) == t && t != "" && len(t) <= 80 && strings.IndexFunc(t, unicode.IsControl) < 0
	}, "tag names of at most 80 characters"); err != nil {
		return cfg, err
	}
	// API keys are JWTs of a few hundred bytes; 4 KiB leaves room.
	return cfg, connconfig.Secrets(secrets, secretFields, nil)
}

// Client is the driver of one Kustomer connector. It is safe for
// concurrent use.
type Client struct {
	cfg           config
	webhookSecret []byte
	api           httpx.JSONAPI
}

// NewClient builds the driver for a configured Kustomer connector. Calls
// to the Kustomer API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, err := connconfig.Open(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:           cfg,
		webhookSecret: []byte(c.Secrets[SecretWebhookSecret]),
		api:           httpx.JSONAPI{System: Name, BaseURL: cfg.BaseURL, HTTP: deps.HTTP, Authorize: httpx.Bearer(c.Secrets[SecretAPIKey])},
	}, nil
}

var (
	_ plaudit.Driver   = (*Client)(nil)
	_ plaudit.Enricher = (*Client)(nil)
	_ plaudit.Tester   = (*Client)(nil)
)
