// Package hubspot connects Plaudit to HubSpot Service Hub: it verifies
// HubSpot's v3 webhook signatures, turns ticket.propertyChange events on
// the pipeline stage into solved and reopened interactions, reads the
// ticket, its contact and its owner through the CRM v3 API, and writes
// responses back as a note on the ticket (notes are never shown to the
// customer) plus optional ticket properties.
package hubspot

import (
	"encoding/json"
	"regexp"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "hubspot"

// Secret config fields: write-only through the API, encrypted at rest.
const (
	// SecretAccessToken is the private app's access token (API calls).
	SecretAccessToken = "access_token"
	// SecretAppSecret is the app's client secret, the key of the webhook
	// signature.
	SecretAppSecret = "app_secret"
)

var secretFields = []string{SecretAccessToken, SecretAppSecret}

// Defaults of the config.
const (
	DefaultBaseURL = "https://api.hubapi.com"
	// DefaultClosedStage is the "Closed" stage of HubSpot's default
	// support pipeline.
	DefaultClosedStage = "4"
)

// config is the public part of a HubSpot connector's config.
type config struct {
	// ClosedStages are the hs_pipeline_stage values that mean a ticket is
	// closed, across every pipeline the account uses.
	ClosedStages []string `json:"closed_stages"`
	// BaseURL overrides the API address (proxies, tests).
	BaseURL string `json:"base_url"`
	// RatingProperty and CommentProperty are optional ticket properties
	// (internal names) that receive the score and the comment.
	RatingProperty  string `json:"rating_property"`
	CommentProperty string `json:"comment_property"`
	// Tags is accepted like every kind's, but HubSpot tickets have no
	// tags to add them to.
	Tags []string `json:"tags"`
}

var (
	// propertyRE is a property's internal name as HubSpot makes it.
	propertyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)
	// stageRE is a pipeline stage id: digits for stages made since 2021,
	// words such as "closedwon" or UUIDs for older ones.
	stageRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)
)

// Kind describes the hubspot connector kind for the registry.
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
	if cfg.ClosedStages == nil {
		cfg.ClosedStages = []string{DefaultClosedStage}
	}
	if err := checkStages(cfg.ClosedStages); err != nil {
		return cfg, err
	}
	if err := connconfig.FieldNames("rating_property", cfg.RatingProperty, "comment_property", cfg.CommentProperty,
		propertyRE.MatchString, "a ticket property's internal name (lower case, digits, underscores)"); err != nil {
		return cfg, err
	}
	if err := connconfig.TagWords(cfg.Tags); err != nil {
		return cfg, err
	}
	return cfg, connconfig.Secrets(secrets, secretFields, nil)
}

func checkStages(stages []string) error {
	if len(stages) == 0 {
		return plaudit.Errorf(plaudit.EInvalid, "config.closed_stages must name at least one pipeline stage")
	}
	if len(stages) > 100 {
		return plaudit.Errorf(plaudit.EInvalid, "config.closed_stages: at most 100 stages are allowed")
	}
	for _, s := range stages {
		if !stageRE.MatchString(s) {
			return plaudit.Errorf(plaudit.EInvalid, "config.closed_stages must hold pipeline stage ids (such as \"4\")")
		}
	}
	return nil
}

// Client is the driver of one HubSpot connector. It is safe for
// concurrent use.
type Client struct {
	cfg       config
	closed    map[string]bool
	appSecret []byte
	api       httpx.JSONAPI
}

// NewClient builds the driver for a configured HubSpot connector. Calls to
// the HubSpot API go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, err := connconfig.Open(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	closed := make(map[string]bool, len(cfg.ClosedStages))
	for _, s := range cfg.ClosedStages {
		closed[s] = true
	}
	return &Client{
		cfg:       cfg,
		closed:    closed,
		appSecret: []byte(c.Secrets[SecretAppSecret]),
		api:       httpx.JSONAPI{System: Name, BaseURL: cfg.BaseURL, HTTP: deps.HTTP, Authorize: httpx.Bearer(c.Secrets[SecretAccessToken])},
	}, nil
}

var (
	_ plaudit.Driver   = (*Client)(nil)
	_ plaudit.Enricher = (*Client)(nil)
	_ plaudit.Tester   = (*Client)(nil)
)
