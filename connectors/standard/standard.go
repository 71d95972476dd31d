// Package standard is the connector for any system that can send the
// direct trigger body signed as a Standard Webhook
// (https://www.standardwebhooks.com: webhook-id, webhook-timestamp,
// webhook-signature "v1,…"). Responses go back, when a callback_url is
// configured, as signed "feedback.response.created" webhooks.
package standard

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/connconfig"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
	"github.com/plaudit/plaudit/internal/httpx"
)

// Name is the connector kind.
const Name = "standard"

// Secret config fields: write-only through the API, encrypted at rest.
// The _previous secrets carry a rotation: inbound webhooks verify with
// either secret, and callbacks carry a signature for each.
const (
	SecretSigningSecret          = "signing_secret"
	SecretSigningSecretPrevious  = "signing_secret_previous"
	SecretCallbackSecret         = "callback_secret"
	SecretCallbackSecretPrevious = "callback_secret_previous"
)

// EventResponseCreated is the type of the callback event.
const EventResponseCreated = "feedback.response.created"

// Tolerance is how far webhook-timestamp may be from the receiving clock,
// as the Standard Webhooks specification recommends.
const Tolerance = 5 * time.Minute

// Secret sizes the Standard Webhooks specification recommends.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// config is the public part of a standard connector's config.
type config struct {
	// CallbackURL, when set, receives each response as a signed webhook.
	CallbackURL string `json:"callback_url"`
}

var secretFields = []string{SecretSigningSecret, SecretSigningSecretPrevious, SecretCallbackSecret, SecretCallbackSecretPrevious}

// Kind describes the standard connector kind for the registry.
func Kind() plaudit.Kind {
	return connconfig.Kind(Name, secretFields, parse, NewClient)
}

// parsed is a checked config with its secrets turned into signers.
type parsed struct {
	callbackURL string
	verifiers   []*standardwebhooks.Webhook // current, then previous
	signers     []*standardwebhooks.Webhook // current, then previous
}

func parse(raw json.RawMessage, secrets map[string]string) (parsed, error) {
	var cfg config
	var p parsed
	if err := connconfig.Decode(raw, &cfg, secretFields); err != nil {
		return p, err
	}
	if strings.TrimSpace(cfg.CallbackURL) != "" {
		u, err := connconfig.APIURL("callback_url", cfg.CallbackURL)
		if err != nil {
			return p, err
		}
		p.callbackURL = u
	}
	if strings.TrimSpace(secrets[SecretSigningSecret]) == "" {
		return p, plaudit.Errorf(plaudit.EInvalid, "config.%s is required", SecretSigningSecret)
	}
	for _, f := range []string{SecretSigningSecret, SecretSigningSecretPrevious} {
		if secrets[f] == "" {
			continue
		}
		wh, err := webhook(f, secrets[f])
		if err != nil {
			return p, err
		}
		p.verifiers = append(p.verifiers, wh)
	}
	if p.callbackURL == "" {
		return p, nil
	}
	if strings.TrimSpace(secrets[SecretCallbackSecret]) == "" {
		return p, plaudit.Errorf(plaudit.EInvalid, "config.%s is required when callback_url is set", SecretCallbackSecret)
	}
	for _, f := range []string{SecretCallbackSecret, SecretCallbackSecretPrevious} {
		if secrets[f] == "" {
			continue
		}
		wh, err := webhook(f, secrets[f])
		if err != nil {
			return p, err
		}
		p.signers = append(p.signers, wh)
	}
	return p, nil
}

// webhook checks a "whsec_" secret and makes a signer for it.
func webhook(field, secret string) (*standardwebhooks.Webhook, error) {
	secret = strings.TrimSpace(secret)
	rest, ok := strings.CutPrefix(secret, "whsec_")
	key, err := base64.StdEncoding.DecodeString(rest)
	if !ok || err != nil || len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, plaudit.Errorf(plaudit.EInvalid, "config.%s must be \"whsec_\" followed by %d to %d base64-encoded bytes", field, minSecretBytes, maxSecretBytes)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "config.%s cannot be used", field)
	}
	return wh, nil
}

// Client is the driver of one standard connector. It is safe for
// concurrent use.
type Client struct {
	p    parsed
	http *http.Client
	now  func() time.Time
}

// NewClient builds the driver for a configured standard connector.
// Callbacks go through deps.HTTP, the egress client, without following
// redirects: a signed POST is meant for the configured URL only.
func NewClient(c plaudit.Connector, deps plaudit.DriverDeps) (*Client, error) {
	p, err := connconfig.Open(Name, c, deps, parse)
	if err != nil {
		return nil, err
	}
	hc := *deps.HTTP
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{p: p, http: &hc, now: time.Now}, nil
}

var (
	_ plaudit.Driver = (*Client)(nil)
	_ plaudit.Tester = (*Client)(nil)
)

// Receive verifies the Standard Webhooks signature with the current or the
// previous secret and parses the direct trigger body. The timestamp is
// checked against the delivery's clock (Delivery.Now), like every other
// kind, rather than the library's own reading of the wall clock; the
// library then checks the signature.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	id := strings.TrimSpace(d.Header.Get(standardwebhooks.HeaderWebhookID))
	stamp := strings.TrimSpace(d.Header.Get(standardwebhooks.HeaderWebhookTimestamp))
	if id == "" || stamp == "" || d.Header.Get(standardwebhooks.HeaderWebhookSignature) == "" {
		return nil, plaudit.Errorf(plaudit.EUnauthorized, "signature headers are missing")
	}
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EUnauthorized, "signature timestamp is not valid")
	}
	now := inbound.ReceivedAt(d)
	if err := inbound.Fresh(time.Unix(sec, 0), now, Tolerance); err != nil {
		return nil, err
	}
	verified := false
	for _, wh := range c.p.verifiers {
		if wh.VerifyIgnoringTimestamp(d.Body, d.Header) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	if len(id) > 200 {
		return nil, plaudit.Errorf(plaudit.EInvalid, "webhook-id must be at most 200 characters")
	}
	in, err := plaudit.ParseTrigger(d.Body)
	if err != nil {
		return nil, err
	}
	in.Source = Name
	in.DedupKey = id
	return []plaudit.Event{{DedupKey: id, Interaction: in}}, nil
}

// Callback is the body of a "feedback.response.created" webhook.
type Callback struct {
	Type      string       `json:"type"`
	Timestamp string       `json:"timestamp"`
	Data      CallbackData `json:"data"`
}

// CallbackData is one response, as the callback receiver sees it.
type CallbackData struct {
	ResponseID       string        `json:"response_id"`
	RequestID        string        `json:"request_id"`
	ExtInteractionID string        `json:"ext_interaction_id"`
	Score            int           `json:"score"`
	Comment          string        `json:"comment"`
	Excellence       []string      `json:"excellence"`
	Improvement      []string      `json:"improvement"`
	Reward           bool          `json:"reward"`
	Agent            CallbackAgent `json:"agent"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
	// Update is true when this completes a response sent before (a
	// comment after an SMS score, say); receivers replace what they have.
	Update bool `json:"update"`
	// Test is true for responses to test-mode requests.
	Test bool `json:"test"`
}

// CallbackAgent names the agent the response is about.
type CallbackAgent struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Writeback POSTs the response to callback_url as a signed webhook. The
// webhook-id is the response id and version, so that a retried delivery
// carries the same id and the receiver can drop the duplicate. Without a
// callback_url there is nothing to do.
func (c *Client) Writeback(ctx context.Context, w plaudit.Writeback) error {
	_, err := c.WritebackStatus(ctx, w)
	return err
}

// WritebackStatus is Writeback that also returns the HTTP status the
// receiver answered, for the connector's delivery log: 0 when no answer
// came (a timeout, a refused connection) and, with a nil error, when there
// is no callback_url and nothing was sent.
func (c *Client) WritebackStatus(ctx context.Context, w plaudit.Writeback) (int, error) {
	if c.p.callbackURL == "" {
		return 0, nil
	}
	now := c.now().UTC().Truncate(time.Second)
	r := w.Response
	cb := Callback{
		Type:      EventResponseCreated,
		Timestamp: now.Format(time.RFC3339),
		Data: CallbackData{
			ResponseID:       r.ID,
			RequestID:        first(r.RequestID, w.Request.ID),
			ExtInteractionID: first(w.Interaction.ExternalID, w.Request.TicketID, r.TicketID),
			Score:            r.Score,
			Comment:          r.Comment,
			Excellence:       nonNil(r.Excellence),
			Improvement:      nonNil(r.Improvement),
			Reward:           r.Reward,
			Agent:            CallbackAgent{ID: first(w.Agent.ID, r.AgentID), Email: w.Agent.Email, Name: w.Agent.Name},
			CreatedAt:        r.CreatedAt.UTC(),
			UpdatedAt:        r.UpdatedAt.UTC(),
			Update:           w.Update,
			Test:             r.Test,
		},
	}
	body, err := json.Marshal(cb)
	if err != nil {
		return 0, fmt.Errorf("standard: callback: %w", err)
	}
	status, retryAfter, err := c.deliver(ctx, r.ID+":"+strconv.Itoa(r.Version), now, body)
	if err != nil {
		return 0, err
	}
	return status, classify(status, retryAfter)
}

// deliver signs body as a Standard Webhook with each callback secret and
// POSTs it to callback_url. It returns the answer's status and
// Retry-After, or an error when no answer came.
func (c *Client) deliver(ctx context.Context, msgID string, now time.Time, body []byte) (status int, retryAfter string, err error) {
	sigs := make([]string, 0, len(c.p.signers))
	for _, wh := range c.p.signers {
		s, err := wh.Sign(msgID, now, body)
		if err != nil {
			return 0, "", fmt.Errorf("standard: callback: sign: %w", err)
		}
		sigs = append(sigs, s)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.p.callbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, "", plaudit.Permanent("standard: callback_url cannot be used", fmt.Errorf("standard: callback: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Plaudit-Webhooks")
	req.Header.Set(standardwebhooks.HeaderWebhookID, msgID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, strings.Join(sigs, " "))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", httpx.TransportError("standard", "callback", err)
	}
	httpx.ReadBody(resp)
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

// classify: 2xx is done; 429, 408 and 5xx are retried (honouring
// Retry-After, see httpx.Classify); a redirect or any other answer is
// permanent, since the receiver said no or the URL is wrong.
func classify(code int, retryAfter string) error {
	reason := fmt.Sprintf("callback rejected (%d)", code)
	if code >= 300 && code < 400 {
		reason = fmt.Sprintf("callback was redirected (%d); redirects are not followed", code)
	}
	base := fmt.Errorf("standard: callback: status %d", code)
	return httpx.Classify("standard", code, retryAfter, base, reason)
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
