// Package twilio sends feedback request texts through Twilio's Messages
// API, with the official twilio-go library, and reads what Twilio posts
// back (VerifyRequest, ParseSMS, ParseStatus) into the domain's
// InboundReply and DeliveryEvent.
//
// Only twilio-go's client and api/v2010 packages are imported: the root
// package pulls in every Twilio API (tens of megabytes of generated code).
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/httpx"
	"github.com/plaudit/plaudit/notify"
)

// DefaultBaseURL is Twilio's API host; TWILIO_API_URL overrides it.
const DefaultBaseURL = "https://api.twilio.com"

// Config names the account and the sender.
type Config struct {
	AccountSID string
	AuthToken  string
	// From is the sending number (E.164) or alphanumeric sender id. It is
	// used when MessagingServiceSID is empty.
	From string
	// MessagingServiceSID, when set, lets the Messaging Service pick the
	// sender (and handle opt-outs and sticky senders) instead of From.
	MessagingServiceSID string
	// BaseURL "" means DefaultBaseURL.
	BaseURL string
}

// Client sends SMS through Twilio. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
}

var _ notify.SMSSender = (*Client)(nil)

// The shapes of what Twilio takes: an SID is two letters and 32
// hexadecimal digits; a sender is an E.164 number, a short code or an
// alphanumeric sender id.
var (
	accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	e164       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	shortCode  = regexp.MustCompile(`^[0-9]{3,8}$`)
	// senderID is an alphanumeric sender id: letters, digits and spaces,
	// one of them a letter (at most 11, see validFrom).
	senderID = regexp.MustCompile(`^[A-Za-z0-9 ]*[A-Za-z][A-Za-z0-9 ]*$`)
)

// validFrom reports whether from can be a Twilio sender: an E.164 number,
// a short code or an alphanumeric sender id.
func validFrom(from string) bool {
	return e164.MatchString(from) || shortCode.MatchString(from) || len(from) <= 11 && senderID.MatchString(from)
}

// NewClient returns a client that makes its calls with hc (nil: a client
// with a 30-second timeout), or an error that names the environment
// variable (TWILIO_…) whose value cfg cannot work with. The error never
// quotes a value.
func NewClient(cfg Config, hc *http.Client) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	invalid := func(msg string) (*Client, error) { return nil, plaudit.Errorf(plaudit.EInvalid, "%s", msg) }
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	switch {
	case cfg.AccountSID == "":
		return invalid("TWILIO_ACCOUNT_SID is required")
	case !accountSID.MatchString(cfg.AccountSID):
		return invalid("TWILIO_ACCOUNT_SID must be an Account SID: AC and 32 hexadecimal digits")
	case cfg.AuthToken == "":
		return invalid("TWILIO_AUTH_TOKEN is required")
	case !alnum(cfg.AuthToken):
		return invalid("TWILIO_AUTH_TOKEN must be letters and digits only")
	case cfg.From == "" && cfg.MessagingServiceSID == "":
		return invalid("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required")
	case cfg.MessagingServiceSID != "" && !serviceSID.MatchString(cfg.MessagingServiceSID):
		return invalid("TWILIO_MESSAGING_SERVICE_SID must be a Messaging Service SID: MG and 32 hexadecimal digits")
	case cfg.From != "" && !validFrom(cfg.From):
		return invalid("TWILIO_FROM must be an E.164 number such as +4930123456789, a short code, or a sender id of at most 11 letters, digits and spaces")
	case err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "":
		return invalid("TWILIO_API_URL must be an http(s) URL such as " + DefaultBaseURL)
	}
	return &Client{cfg: cfg, base: base, hc: hc}, nil
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// SendSMS creates a Message and returns its Sid, which status callbacks
// carry as MessageSid.
func (c *Client) SendSMS(ctx context.Context, m notify.SMS) (string, error) {
	if m.To == "" {
		return "", plaudit.Permanent("twilio: no recipient", nil)
	}
	if m.Body == "" {
		return "", plaudit.Permanent("twilio: empty message", nil)
	}
	api, rt, cancel := c.api(ctx)
	defer cancel()

	p := &openapi.CreateMessageParams{}
	p.SetTo(m.To)
	p.SetBody(m.Body)
	switch {
	case strings.HasPrefix(m.From, "MG"):
		p.SetMessagingServiceSid(m.From)
	case m.From != "":
		p.SetFrom(m.From)
	case c.cfg.MessagingServiceSID != "":
		p.SetMessagingServiceSid(c.cfg.MessagingServiceSID)
	default:
		p.SetFrom(c.cfg.From)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	msg, err := api.CreateMessage(p)
	status, retryAfter := rt.answer()
	if err != nil {
		return "", classify(err, status, retryAfter)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		// Created, but without a Sid to follow it by. Sending again would
		// text the customer twice.
		return "", plaudit.Permanent("twilio: message accepted without a sid", nil)
	}
	return *msg.Sid, nil
}

// api is twilio-go's v2010 service for one call bound to ctx, with the
// transport that keeps the answer's status; cancel ends the call's time.
func (c *Client) api(ctx context.Context) (*openapi.ApiService, *callTransport, context.CancelFunc) {
	// twilio-go takes no context and builds its requests on
	// context.Background(): a per-call transport carries ctx (and hc's
	// timeout) to the request and keeps the answer's status and
	// Retry-After, which the library's error drops.
	cancel := context.CancelFunc(func() {})
	if c.hc.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.hc.Timeout)
	}
	rt := &callTransport{ctx: ctx, base: c.hc.Transport}
	tc := &twclient.Client{
		Credentials: twclient.NewCredentials(c.cfg.AccountSID, c.cfg.AuthToken),
		HTTPClient: &http.Client{
			Transport: rt,
			Jar:       c.hc.Jar,
			// As twilio-go's own default: an API answer is never a redirect
			// to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	tc.SetAccountSid(c.cfg.AccountSID)
	// The RequestHandler is built by hand, not with NewRequestHandler, so
	// that TWILIO_EDGE and TWILIO_REGION in the environment do not rewrite
	// the host behind the configuration's back.
	return openapi.NewApiService(&twclient.RequestHandler{Client: &rebased{Client: tc, base: c.base}}), rt, cancel
}

// reasons names the Twilio error codes a tenant admin may meet; each is
// permanent for this message.
var reasons = map[int]string{
	20003: "authentication failed",
	20404: "account or service not found",
	21211: "invalid number",
	21408: "region not enabled for the account",
	21602: "message body required",
	21606: "sender cannot send SMS",
	21610: "recipient opted out",
	21612: "number cannot be reached",
	21614: "not a mobile number",
	21617: "message too long",
	21703: "messaging service has no sender",
}

// classify maps what CreateMessage returned. TwilioRestError's text quotes
// the number ("The 'To' number +49… is not valid"), so it is reduced to
// status and code.
func classify(err error, status int, retryAfter string) error {
	var tre *twclient.TwilioRestError
	var v1 *twclient.RestErrorV1
	code := 0
	switch {
	case errors.As(err, &tre):
		code = tre.Code
		if tre.Status != 0 {
			status = tre.Status
		}
	case errors.As(err, &v1):
		code = v1.Code
		if v1.HttpStatusCode != 0 {
			status = v1.HttpStatusCode
		}
	case status == 0:
		// No answer: timeouts, refused and reset connections.
		return fmt.Errorf("twilio: %w", withoutQuery(err))
	case status >= 200 && status < 300:
		return plaudit.Permanent("twilio: message accepted but the answer could not be read", nil)
	}
	pe := &notify.ProviderError{Provider: "twilio", Status: status, Code: code}
	reason := ""
	if r, ok := reasons[code]; ok {
		reason = fmt.Sprintf("%d %s", code, r)
	} else if code != 0 {
		reason = fmt.Sprintf("%d error code %d", status, code)
	}
	return httpx.Classify(pe.Provider, pe.Status, retryAfter, pe, reason)
}

// rebased is twilio-go's client with the API host replaced: the v2010
// service has its base URL fixed to https://api.twilio.com, and every call
// passes through BaseClient.SendRequest.
type rebased struct {
	*twclient.Client
	base *url.URL
}

func (r *rebased) SendRequest(method, rawURL string, data url.Values, headers map[string]interface{}, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = r.base.Scheme, r.base.Host
	u.Path = r.base.Path + u.Path
	u.RawPath = ""
	return r.Client.SendRequest(method, u.String(), data, headers, body...)
}

// callTransport binds one call's context to the requests twilio-go makes,
// and remembers the last answer's status and Retry-After.
type callTransport struct {
	ctx  context.Context
	base http.RoundTripper

	mu         sync.Mutex
	status     int
	retryAfter string
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req.WithContext(t.ctx))
	if resp != nil {
		t.mu.Lock()
		t.status, t.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		t.mu.Unlock()
	}
	return resp, err
}

func (t *callTransport) answer() (int, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, t.retryAfter
}

// withoutQuery drops the query from a transport error's URL: a GET's
// query names the customer's number (the message list's To=), which must
// not reach an error message or a log. The path names only the account.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return fmt.Errorf("%s the Twilio API: %w", ue.Op, ue.Err)
	}
	u.RawQuery = ""
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}
