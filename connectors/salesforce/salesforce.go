// Package salesforce connects Plaudit to Salesforce Service Cloud: it
// receives Outbound Messages (SOAP) about Cases, answers them with the
// Ack (or a SOAP fault) that Salesforce expects, and writes responses back
// as a private CaseComment plus optional Case fields, through the REST API
// with an OAuth 2.0 token (client-credentials or JWT bearer flow).
package salesforce

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
)

// Name is the connector kind.
const Name = "salesforce"

// Secret config fields: write-only through the API, encrypted at rest.
const (
	SecretClientSecret = "client_secret"
	SecretPrivateKey   = "private_key"
)

var secretFields = []string{SecretClientSecret, SecretPrivateKey}

// Defaults of the config.
const (
	DefaultLoginURL   = "https://login.salesforce.com"
	DefaultAPIVersion = "v60.0"
)

// config is the public part of a Salesforce connector's config.
type config struct {
	// OrgID is the organization (15 or 18 characters) whose Outbound
	// Messages this connector accepts.
	OrgID string `json:"org_id"`
	// LoginURL is where tokens are requested: login.salesforce.com,
	// test.salesforce.com for sandboxes, or the org's My Domain (which the
	// client-credentials flow requires).
	LoginURL   string `json:"login_url"`
	ClientID   string `json:"client_id"`
	APIVersion string `json:"api_version"`
	// FieldMap names the Case fields that carry what Plaudit needs.
	FieldMap fieldMap `json:"field_map"`
	// RatingField and CommentField are optional Case fields that receive
	// the score and the comment.
	RatingField  string `json:"rating_field"`
	CommentField string `json:"comment_field"`
	// Username selects the JWT bearer flow (with the private_key secret):
	// the user the token is issued for.
	Username string `json:"username"`
}

// fieldMap names Case fields. Empty entries use the defaults: SuppliedName;
// ContactEmail then SuppliedEmail; ContactMobile then SuppliedPhone;
// OwnerId; no agent email; Status; IsClosed; Language.
type fieldMap struct {
	CustomerName  string `json:"customer_name"`
	CustomerEmail string `json:"customer_email"`
	CustomerPhone string `json:"customer_phone"`
	AgentID       string `json:"agent_id"`
	// AgentEmail names a field with the agent's email (a formula field such
	// as Owner:User.Email: an Outbound Message carries the Case's own
	// fields only), so that agents known by email alone are found too.
	AgentEmail string `json:"agent_email"`
	Status     string `json:"status"`
	Closed     string `json:"closed"`
	Language   string `json:"language"`
}

var (
	// fieldRE is a Case field's API name (standard or custom, "Rating__c").
	fieldRE      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,79}$`)
	orgIDRE      = regexp.MustCompile(`^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$`)
	apiVersionRE = regexp.MustCompile(`^v[0-9]{2,3}\.[0-9]$`)
	// idRE is a Salesforce record id, 15 or 18 characters.
	idRE = regexp.MustCompile(`^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$`)
)

// Kind describes the salesforce connector kind for the registry. An
// Outbound Message is not signed, and its OrganizationId is no secret:
// the webhook URL carries a secret of its own.
func Kind() plaudit.Kind {
	k := connconfig.KindWith(Name, secretFields, parseConfig, NewClient)
	k.URLSecret = true
	return k
}

// parseConfig decodes and checks a config, naming the first wrong field,
// fills the defaults and returns the JWT signing key when that flow is
// configured.
func parseConfig(raw json.RawMessage, secrets map[string]string) (config, *rsa.PrivateKey, error) {
	var cfg config
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return cfg, nil, err
	}
	if err := checkFieldMapKeys(raw); err != nil {
		return cfg, nil, err
	}
	cfg.OrgID = strings.TrimSpace(cfg.OrgID)
	if err := connconfig.Required("org_id", cfg.OrgID, orgIDRE.MatchString, "a 15- or 18-character Salesforce organization id"); err != nil {
		return cfg, nil, err
	}
	if strings.TrimSpace(cfg.LoginURL) == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	u, err := connconfig.APIURL("login_url", cfg.LoginURL)
	if err != nil {
		return cfg, nil, err
	}
	cfg.LoginURL = u
	cfg.ClientID = strings.TrimSpace(cfg.ClientID)
	if cfg.ClientID == "" {
		return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.client_id is required")
	}
	cfg.APIVersion = strings.TrimSpace(cfg.APIVersion)
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if !strings.HasPrefix(cfg.APIVersion, "v") {
		cfg.APIVersion = "v" + cfg.APIVersion
	}
	if !apiVersionRE.MatchString(cfg.APIVersion) {
		return cfg, nil, plaudit.Errorf(plaudit.EInvalid, `config.api_version must look like "v60.0"`)
	}
	fm := &cfg.FieldMap
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"field_map.customer_name", &fm.CustomerName}, {"field_map.customer_email", &fm.CustomerEmail},
		{"field_map.customer_phone", &fm.CustomerPhone}, {"field_map.agent_id", &fm.AgentID}, {"field_map.agent_email", &fm.AgentEmail},
		{"field_map.status", &fm.Status}, {"field_map.closed", &fm.Closed}, {"field_map.language", &fm.Language},
		{"rating_field", &cfg.RatingField}, {"comment_field", &cfg.CommentField},
	} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v != "" && !fieldRE.MatchString(*f.v) {
			return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.%s must be a field's API name such as \"Rating__c\"", f.name)
		}
	}
	if cfg.RatingField != "" && strings.EqualFold(cfg.RatingField, cfg.CommentField) {
		return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.comment_field must differ from config.rating_field")
	}

	cfg.Username = strings.TrimSpace(cfg.Username)
	pemKey := strings.TrimSpace(secrets[SecretPrivateKey])
	switch {
	case cfg.Username != "" && pemKey == "":
		return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.private_key is required for the JWT bearer flow (username is set)")
	case cfg.Username == "" && pemKey != "":
		return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.username is required for the JWT bearer flow (private_key is set)")
	case pemKey != "":
		key, err := parsePrivateKey([]byte(pemKey))
		if err != nil {
			return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.private_key must be an RSA private key in PEM form (2048 bits or more)")
		}
		return cfg, key, nil
	case strings.TrimSpace(secrets[SecretClientSecret]) == "":
		return cfg, nil, plaudit.Errorf(plaudit.EInvalid, "config.client_secret is required")
	}
	return cfg, nil, nil
}

// checkFieldMapKeys names an unknown key inside field_map, which the
// top-level check cannot see.
func checkFieldMapKeys(raw json.RawMessage) error {
	var probe struct {
		FieldMap map[string]json.RawMessage `json:"field_map"`
	}
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &probe) != nil {
		return nil
	}
	known := map[string]bool{"customer_name": true, "customer_email": true, "customer_phone": true,
		"agent_id": true, "agent_email": true, "status": true, "closed": true, "language": true}
	keys := make([]string, 0, len(probe.FieldMap))
	for k := range probe.FieldMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			return plaudit.Errorf(plaudit.EInvalid, "config.field_map.%s is not a known setting", k)
		}
	}
	return nil
}

// parsePrivateKey reads an RSA key in PKCS #1 ("RSA PRIVATE KEY") or
// PKCS #8 ("PRIVATE KEY") PEM form.
func parsePrivateKey(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("not an RSA key")
		}
		key = rk
	default:
		return nil, errors.New("unexpected PEM block")
	}
	if key.N.BitLen() < 2048 {
		return nil, errors.New("key too short")
	}
	return key, nil
}

// Client is the driver of one Salesforce connector. It keeps the OAuth
// token between calls; it is safe for concurrent use.
type Client struct {
	cfg          config
	clientSecret string
	key          *rsa.PrivateKey // JWT bearer flow when set
	http         *http.Client
	now          func() time.Time

	mu  sync.Mutex
	tok *token
}

// NewClient builds the driver for a configured Salesforce connector. Calls
// to Salesforce go through deps.HTTP, the egress client.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	cfg, key, err := connconfig.OpenWith(Name, c, deps, parseConfig)
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:          cfg,
		clientSecret: c.Secrets[SecretClientSecret],
		key:          key,
		http:         deps.HTTP,
		now:          time.Now,
	}, nil
}

var (
	_ plaudit.Driver   = (*Client)(nil)
	_ plaudit.Answerer = (*Client)(nil)
	_ plaudit.Tester   = (*Client)(nil)
)
