// Package sendgrid sends feedback request emails through SendGrid's v3 Mail
// Send API, with the official sendgrid-go library, and reads what SendGrid
// posts back: the signed Event Webhook (VerifyEvents, ParseEvents) and
// Inbound Parse (ParseInbound), into the domain's DeliveryEvent and
// InboundReply.
package sendgrid

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	sg "github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/httpx"
	"github.com/plaudit/plaudit/notify"
)

// DefaultBaseURL is SendGrid's API host; SENDGRID_API_URL overrides it.
const DefaultBaseURL = "https://api.sendgrid.com"

const sendPath = "/v3/mail/send"

// Client sends email through SendGrid. It is safe for concurrent use.
type Client struct {
	apiKey string
	host   string
	// rest is sendgrid-go's HTTP layer with our *http.Client: the library's
	// package-level helpers (sendgrid.MakeRequestWithContext, Client.Send)
	// go through rest.DefaultClient, a global we must not replace.
	rest *rest.Client
}

var _ notify.EmailSender = (*Client)(nil)

// NewClient returns a client for apiKey. baseURL "" means DefaultBaseURL; a
// different one points the client at a proxy or a test server. hc nil
// means a client with a 30-second timeout.
//
// A missing or malformed key, or an unusable baseURL, is an error that
// names its environment variable (SENDGRID_API_KEY, SENDGRID_API_URL) and
// never quotes the value.
func NewClient(apiKey, baseURL string, hc *http.Client) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	switch u, err := url.Parse(baseURL); {
	case apiKey == "":
		return nil, plaudit.Errorf(plaudit.EInvalid, "SENDGRID_API_KEY is required")
	case !visibleASCII(apiKey):
		// It goes into the Authorization header, which takes nothing else.
		return nil, plaudit.Errorf(plaudit.EInvalid, "SENDGRID_API_KEY must be printable ASCII without spaces, as SendGrid shows it (SG.…)")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, plaudit.Errorf(plaudit.EInvalid, "SENDGRID_API_URL must be an http(s) URL such as %s", DefaultBaseURL)
	}
	return &Client{apiKey: apiKey, host: strings.TrimRight(baseURL, "/"), rest: &rest.Client{HTTPClient: hc}}, nil
}

// visibleASCII reports whether s is made of the characters from "!" to "~".
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// message builds the Mail Send body. Click and open tracking and the
// subscription footer are off: rewritten links would break the one-click
// score links (and leak them to a tracker), and a tracking pixel is not
// something the controller asked for.
func message(m notify.Email) *mail.SGMailV3 {
	msg := mail.NewV3Mail()
	msg.SetFrom(mail.NewEmail(m.FromName, m.From))
	msg.Subject = m.Subject
	p := mail.NewPersonalization()
	p.AddTos(mail.NewEmail("", m.To))
	msg.AddPersonalizations(p)
	// SendGrid wants text/plain before text/html.
	if m.Text != "" {
		msg.AddContent(mail.NewContent("text/plain", m.Text))
	}
	if m.HTML != "" {
		msg.AddContent(mail.NewContent("text/html", m.HTML))
	}
	if m.ReplyTo != "" {
		msg.SetReplyTo(mail.NewEmail("", m.ReplyTo))
	}
	if m.TenantID != "" {
		msg.SetCustomArg("tenant_id", m.TenantID)
	}
	if m.RequestID != "" {
		msg.SetCustomArg("request_id", m.RequestID)
	}
	if m.Reminder {
		name, value, _ := strings.Cut(notify.ReminderArg, "=")
		msg.SetCustomArg(name, value)
	}
	// Asks autoresponders (vacation notices) not to answer (RFC 3834).
	msg.SetHeader("Auto-Submitted", "auto-generated")
	for _, h := range m.ListUnsubscribe() {
		msg.SetHeader(h.Name, h.Value)
	}
	ts := mail.NewTrackingSettings()
	ts.SetClickTracking(mail.NewClickTrackingSetting().SetEnable(false).SetEnableText(false))
	ts.SetOpenTracking(mail.NewOpenTrackingSetting().SetEnable(false))
	ts.SetSubscriptionTracking(mail.NewSubscriptionTrackingSetting().SetEnable(false))
	msg.SetTrackingSettings(ts)
	return msg
}

// SendEmail sends m and returns SendGrid's X-Message-Id, which the Event
// Webhook's sg_message_id starts with.
func (c *Client) SendEmail(ctx context.Context, m notify.Email) (string, error) {
	switch {
	case m.To == "":
		return "", plaudit.Permanent("sendgrid: no recipient", nil)
	case m.From == "":
		return "", plaudit.Permanent("sendgrid: no sender address (set from_email)", nil)
	case m.HTML == "" && m.Text == "":
		return "", plaudit.Permanent("sendgrid: empty message", nil)
	}
	body, err := json.Marshal(message(m))
	if err != nil {
		return "", fmt.Errorf("sendgrid: encode message: %w", err)
	}
	req := sg.GetRequest(c.apiKey, sendPath, c.host)
	req.Method = rest.Post
	req.Body = body
	resp, err := c.rest.SendWithContext(ctx, req)
	if err != nil {
		// Transport errors name the URL (no personal data): timeouts,
		// refused and reset connections are retried.
		return "", fmt.Errorf("sendgrid: %w", err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return header(resp.Headers, "X-Message-Id"), nil
	}
	return "", classify(resp)
}

// header reads a header from the map rest.Response keeps, which holds
// canonical keys.
func header(h map[string][]string, key string) string {
	return http.Header(h).Get(key)
}

// apiErrors is SendGrid's error body. Only the field names are used: the
// messages may quote the addresses that were refused.
type apiErrors struct {
	Errors []struct {
		Field *string `json:"field"`
	} `json:"errors"`
}

func classify(resp *rest.Response) error {
	pe := &notify.ProviderError{Provider: "sendgrid", Status: resp.StatusCode}
	reason := ""
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		reason = "401 unauthorized (check the API key)"
	case http.StatusForbidden:
		reason = "403 forbidden (check the sender identity and the key's permissions)"
	case http.StatusRequestEntityTooLarge:
		reason = "413 message too large"
	case http.StatusBadRequest:
		var body apiErrors
		_ = json.Unmarshal([]byte(resp.Body), &body)
		field := ""
		for _, e := range body.Errors {
			if e.Field != nil && *e.Field != "" {
				field = *e.Field
				break
			}
		}
		pe.Detail = safeField(field)
		reason = "400 " + fieldReason(field)
	}
	return httpx.Classify(pe.Provider, pe.Status, header(resp.Headers, "Retry-After"), pe, reason)
}

// fieldReason names what SendGrid refused, for tenant admins.
func fieldReason(field string) string {
	switch {
	case field == "":
		return "bad request"
	case strings.HasPrefix(field, "personalizations") && (strings.Contains(field, ".to") || strings.HasSuffix(field, "personalizations")):
		return "invalid recipient"
	case strings.HasPrefix(field, "from"):
		return "invalid sender"
	case strings.HasPrefix(field, "reply_to"):
		return "invalid reply-to address"
	case strings.HasPrefix(field, "content"):
		return "invalid content"
	case strings.HasPrefix(field, "subject"):
		return "invalid subject"
	}
	return "invalid " + safeField(field)
}

// safeField keeps a field name to the characters field paths are made of,
// so that nothing else from the answer reaches a log.
func safeField(field string) string {
	var b strings.Builder
	for _, r := range field {
		if b.Len() >= 64 {
			break
		}
		if r == '.' || r == '_' || r == '-' || r == '[' || r == ']' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
