package front

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/inbound"
)

// Headers of a Front application webhook.
const (
	HeaderSignature = "X-Front-Signature"
	HeaderTimestamp = "X-Front-Request-Timestamp"
	HeaderChallenge = "X-Front-Challenge"
)

// Tolerance is how far the request timestamp may be from the receiving
// clock before a delivery is refused as a possible replay.
const Tolerance = 5 * time.Minute

// Limits on what is kept from an event.
const (
	maxText      = 200
	maxChallenge = 1024
)

// idRE is the shape of Front's resource ids (cnv_…, tea_…, crd_…, evt_…),
// which go into API paths.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Handshake answers the sync request that Front sends when an application
// webhook is saved: signed like every delivery, with a random string in
// X-Front-Challenge that the answer must echo. Other requests are
// deliveries.
func (c *Client) Handshake(_ context.Context, method string, d plaudit.Delivery) (plaudit.HookAnswer, bool, error) {
	challenge := d.Header.Get(HeaderChallenge)
	if method != http.MethodPost || challenge == "" {
		return plaudit.HookAnswer{}, false, nil
	}
	if err := Verify(c.secrets, d.Header.Get(HeaderSignature), d.Header.Get(HeaderTimestamp), d.Body, inbound.ReceivedAt(d)); err != nil {
		return plaudit.HookAnswer{}, true, err
	}
	if len(challenge) > maxChallenge {
		return plaudit.HookAnswer{}, true, plaudit.Errorf(plaudit.EInvalid, "%s is too long", HeaderChallenge)
	}
	body, _ := json.Marshal(map[string]string{"challenge": challenge})
	return plaudit.HookAnswer{Status: http.StatusOK, ContentType: "application/json", Body: body}, true, nil
}

// Receive verifies the signature and timestamp over the raw body and
// parses the event.
func (c *Client) Receive(_ context.Context, d plaudit.Delivery) ([]plaudit.Event, error) {
	if err := Verify(c.secrets, d.Header.Get(HeaderSignature), d.Header.Get(HeaderTimestamp), d.Body, inbound.ReceivedAt(d)); err != nil {
		return nil, err
	}
	return Parse(d.Body)
}

// Verify checks X-Front-Signature: base64(HMAC-SHA256(secret, timestamp +
// ":" + body)), the timestamp (Unix milliseconds) no further than
// Tolerance from now, against each secret (current, then previous).
func Verify(secrets [][]byte, signature, timestamp string, body []byte, now time.Time) error {
	signature, timestamp = strings.TrimSpace(signature), strings.TrimSpace(timestamp)
	if signature == "" || timestamp == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature headers are missing")
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !inbound.MatchHMAC(sha256.New, secrets, got, []byte(timestamp+":"), body) {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature does not match")
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return plaudit.Errorf(plaudit.EUnauthorized, "signature timestamp is not valid")
	}
	return inbound.Fresh(time.UnixMilli(ms), now, Tolerance)
}

// Sign computes the X-Front-Signature Front sends for body at timestamp
// (Unix milliseconds). It exists for tests and tools that simulate Front.
func Sign(secret []byte, timestamp string, body []byte) string {
	return base64.StdEncoding.EncodeToString(inbound.HMAC(sha256.New, secret, []byte(timestamp+":"), body))
}

// teammate is a Front teammate, in an event or an API answer.
type teammate struct {
	ID        inbound.String `json:"id"`
	Email     inbound.String `json:"email"`
	FirstName inbound.String `json:"first_name"`
	LastName  inbound.String `json:"last_name"`
}

// conversation is a Front conversation as a full event and the API show
// it; an event preview has the id only.
type conversation struct {
	ID        inbound.String `json:"id"`
	Status    inbound.String `json:"status"`
	Assignee  *teammate      `json:"assignee"`
	Recipient *struct {
		Handle inbound.String `json:"handle"`
		Name   inbound.String `json:"name"`
		Links  struct {
			Related struct {
				Contact inbound.String `json:"contact"`
			} `json:"related"`
		} `json:"_links"`
	} `json:"recipient"`
	Tags []struct {
		Name inbound.String `json:"name"`
	} `json:"tags"`
	CustomFields map[string]any `json:"custom_fields"`
}

// event is a Front event.
type event struct {
	ID           inbound.String `json:"id"`
	Type         inbound.String `json:"type"`
	Conversation *conversation  `json:"conversation"`
}

// EventType maps a Front event type to an interaction event: archiving is
// a solve; reopening (unarchiving) cancels a request not yet sent. Both
// the Events API's names and the application webhook's are known. Other
// types are no interaction.
func EventType(t string) string {
	switch t {
	case "archive", "conversation_archived":
		return plaudit.EventSolved
	case "reopen", "conversation_reopened":
		return plaudit.EventReopened
	}
	return ""
}

// Parse parses a verified body: an application webhook's envelope
// {type, authorization, payload} or a bare event.
func Parse(body []byte) ([]plaudit.Event, error) {
	var env struct {
		Type    inbound.String  `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := inbound.DecodeObject(body, &env); err != nil {
		return nil, err
	}
	prefix, raw := "", body
	if p := bytes.TrimSpace(env.Payload); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		if p[0] != '{' {
			return nil, plaudit.Errorf(plaudit.EInvalid, "payload must be an object")
		}
		prefix, raw = "payload.", env.Payload
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, plaudit.JSONError(err, "body", prefix)
	}
	typ := ev.Type.Trim()
	if typ == "" {
		typ = env.Type.Trim()
	}
	kind := EventType(typ)
	if kind == "" {
		return nil, nil // sync, messages, tags, assignments…
	}
	id := inbound.Cut(ev.ID.Trim(), maxText)
	if id == "" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "%sid is required", prefix)
	}
	in, err := interaction(ev.Conversation, kind, prefix)
	if err != nil {
		return nil, err
	}
	in.DedupKey = id
	return []plaudit.Event{{DedupKey: id, Interaction: in}}, nil
}

// interaction makes the interaction of an archive or reopen event.
func interaction(c *conversation, kind, prefix string) (plaudit.Interaction, error) {
	if c == nil || c.ID.Trim() == "" {
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "%sconversation.id is required", prefix)
	}
	if !idRE.MatchString(c.ID.Trim()) {
		return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "%sconversation.id is not a Front id", prefix)
	}
	in := plaudit.Interaction{Source: Name, ExternalID: c.ID.Trim(), Event: kind, Tags: tagNames(c)}
	if kind != plaudit.EventSolved {
		return in, nil
	}
	if a := c.Assignee; a != nil && a.ID.Trim() != "" {
		if !idRE.MatchString(a.ID.Trim()) {
			return plaudit.Interaction{}, plaudit.Errorf(plaudit.EInvalid, "%sconversation.assignee.id is not a Front id", prefix)
		}
		in.Agent = agentOf(a)
	}
	if r := c.Recipient; r != nil {
		in.Customer.Name = inbound.Cut(r.Name.Trim(), maxText)
		setHandle(&in, r.Handle.Trim())
	}
	// A preview names the conversation only, and a full event holds one
	// handle of the contact: the worker reads the rest (Enrich).
	in.NeedsEnrich = true
	return in, nil
}

func agentOf(a *teammate) plaudit.AgentRef {
	name := strings.TrimSpace(a.FirstName.Trim() + " " + a.LastName.Trim())
	return plaudit.AgentRef{ExternalID: a.ID.Trim(), Email: inbound.Cut(a.Email.Trim(), 320), Name: inbound.Cut(name, maxText)}
}

func tagNames(c *conversation) []string {
	var out []string
	for _, t := range c.Tags {
		out = inbound.KeepTag(out, t.Name)
	}
	return out
}

// setHandle reads the recipient's handle: an email address, or a phone
// number (SMS and WhatsApp conversations).
func setHandle(in *plaudit.Interaction, handle string) {
	switch {
	case strings.Contains(handle, "@"):
		in.Customer.Email = inbound.Cut(handle, 320)
		in.Channel = "email"
	case phoneRE.MatchString(handle):
		in.Customer.Phone = handle
		in.Channel = "sms"
	}
}

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{5,30}$`)
