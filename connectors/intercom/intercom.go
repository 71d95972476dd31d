// Package intercom connects Plaudit to Intercom: it answers the HEAD
// check of Intercom's webhook set-up, verifies and parses signed
// conversation notifications (closed, reopened), reads the contact and
// the admin through the Intercom API to complete them, and writes
// responses back as a private note plus conversation attributes and tags.
package intercom

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/connectors/internal/tagids"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "intercom"

// Secret config fields: write-only through the API, encrypted at rest.
// The previous client secret carries a rotation (docs/intercom.md).
const (
	SecretAccessToken          = "access_token"
	SecretClientSecret         = "client_secret"
	SecretClientSecretPrevious = "client_secret_previous"
)

// DefaultBaseURL is Intercom's API in the US region; workspaces hosted
// in Europe or Australia set base_url to https://api.eu.intercom.io or
// https://api.au.intercom.io.
const DefaultBaseURL = "https://api.intercom.io"

// APIVersion is the Intercom-Version header sent with every call: the
// shapes this package reads are those of this version.
const APIVersion = "2.11"

var secretFields = []string{SecretAccessToken, SecretClientSecret, SecretClientSecretPrevious}

// config is the public part of an Intercom connector's config.
type config struct {
	// AdminID is the admin (teammate) in whose name notes are written.
	AdminID string `json:"admin_id"`
	BaseURL string `json:"base_url"`
	// RatingAttribute and CommentAttribute are optional conversation
	// data attributes that receive the score and the comment.
	RatingAttribute  string   `json:"rating_attribute"`
	CommentAttribute string   `json:"comment_attribute"`
	Tags             []string `json:"tags"`
}

// Kind describes the intercom connector kind for the registry.
func Kind() plaudit.Kind {
	return connconfig.Kind(Name, secretFields, parseConfig, NewClient)
}

// parseConfig decodes and checks a config, naming the first wrong field.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, err
	}
	cfg.AdminID = strings.TrimSpace(cfg.AdminID)
	if err := connconfig.Required("admin_id", cfg.AdminID, inbound.Digits, "the admin's numeric id"); err != nil {
		return cfg, err
	}
	if err := connconfig.BaseURL(&cfg.BaseURL, DefaultBaseURL); err != nil {
		return cfg, err
	}
	if err := connconfig.FieldPair("rating_attribute", &cfg.RatingAttribute, "comment_attribute", &cfg.CommentAttribute); err != nil {
		return cfg, err
	}
	if err := connconfig.Tags(cfg.Tags); err != nil {
		return cfg, err
	}
	return cfg, connconfig.Secrets(secrets, []string{SecretAccessToken, SecretClientSecret}, []string{SecretClientSecretPrevious})
}

// Client is the driver of one Intercom connector. It is safe for
// concurrent use.
type Client struct {
	cfg     config
	secrets [][]byte // client secret, then the previous one
	api     httpx.JSONAPI
	tags    tagids.Cache
}

// NewClient builds the driver for a configured Intercom connector. Calls
// to the Intercom API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, err := connconfig.Open(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	token := c.Secrets[SecretAccessToken]
	return &Client{
		cfg:     cfg,
		secrets: [][]byte{[]byte(c.Secrets[SecretClientSecret]), []byte(c.Secrets[SecretClientSecretPrevious])},
		api: httpx.JSONAPI{System: Name, BaseURL: cfg.BaseURL, HTTP: deps.HTTP, Authorize: func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Intercom-Version", APIVersion)
			return nil
		}},
	}, nil
}

var (
	_ plaudit.Driver     = (*Client)(nil)
	_ plaudit.Enricher   = (*Client)(nil)
	_ plaudit.Handshaker = (*Client)(nil)
	_ plaudit.Tester     = (*Client)(nil)
)
