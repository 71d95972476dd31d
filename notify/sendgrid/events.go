package sendgrid

// SendGrid's Event Webhook: its signature and its batches of events about
// the emails Plaudit sent. Plain functions of their input: the HTTP server
// reads the request and calls them.

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// Provider names SendGrid in delivery events.
const Provider = "sendgrid"

// The headers that carry the Event Webhook's signature and its timestamp.
const (
	SignatureHeader = eventwebhook.VerificationHTTPHeader
	TimestampHeader = eventwebhook.TimestampHTTPHeader
)

// maxEventAge bounds how far an event post's timestamp may be from now,
// either way.
const maxEventAge = 5 * time.Minute

// VerifyEvents checks an Event Webhook post: signature and timestamp are
// the values of SignatureHeader and TimestampHeader, body the raw bytes,
// publicKey the verification key as SENDGRID_EVENT_PUBLIC_KEY holds it
// (see ParsePublicKey). A timestamp more than 5 minutes from now is
// refused, so that a recorded post cannot be played again later.
//
// The error's *plaudit.Error says what to answer: EForbidden without a key
// or when the signature does not match, EUnauthorized without the headers
// or with a stale timestamp, EInternal for a key that cannot be read (the
// error then also says why, for the log; its message does not).
func VerifyEvents(publicKey string, body []byte, signature, timestamp string, now time.Time) error {
	if publicKey == "" {
		return plaudit.Errorf(plaudit.EForbidden, "SENDGRID_EVENT_PUBLIC_KEY is not set: events refused")
	}
	key, err := ParsePublicKey(publicKey)
	if err != nil {
		return fmt.Errorf("%w: %v", plaudit.Errorf(plaudit.EInternal, "SENDGRID_EVENT_PUBLIC_KEY cannot be read"), err)
	}
	if signature == "" || timestamp == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "missing event webhook signature headers")
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return plaudit.Errorf(plaudit.EUnauthorized, "event webhook timestamp is not valid")
	}
	if err := plaudit.CheckTimestamp("event webhook timestamp", time.Unix(sec, 0), now, maxEventAge); err != nil {
		return err
	}
	if ok, err := eventwebhook.VerifySignature(key, body, signature, timestamp); err != nil || !ok {
		return plaudit.Errorf(plaudit.EForbidden, "event webhook signature does not match")
	}
	return nil
}

// ParsePublicKey reads the Event Webhook verification key as SendGrid
// shows it (base64 of the DER public key), also when pasted as PEM or
// wrapped over lines. Unlike eventwebhook.ConvertPublicKeyBase64ToECDSA it
// returns an error for a key that is not ECDSA instead of panicking.
func ParsePublicKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if b, _ := pem.Decode([]byte(s)); b != nil {
		s = base64.StdEncoding.EncodeToString(b.Bytes)
	}
	s = strings.Join(strings.Fields(s), "")
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an ECDSA key", pub)
	}
	return key, nil
}

// event is the part of a SendGrid event Plaudit reads. request_id and
// tenant_id are the custom args set when sending.
type event struct {
	Email     string `json:"email"`
	Event     string `json:"event"`
	Type      string `json:"type"`
	EventID   string `json:"sg_event_id"`
	MessageID string `json:"sg_message_id"`
	RequestID string `json:"request_id"`
	TenantID  string `json:"tenant_id"`
	// Message is the custom arg that marks a reminder's events
	// (notify.ReminderArg, "message=reminder").
	Message string `json:"message"`
}

// reminderArgValue is the value of notify.ReminderArg.
var _, reminderArgValue, _ = strings.Cut(notify.ReminderArg, "=")

// ParseEvents reads an Event Webhook batch, a JSON array of events, into
// delivery events, in order:
//
//   - delivered is OutcomeDelivered;
//   - bounce is OutcomeBounced and suppresses the address ("email_bounced"),
//     but a bounce of type blocked is a soft one, OutcomeFailed, and
//     suppresses nothing: the address may work later;
//   - dropped is OutcomeFailed and suppresses the address ("email_dropped");
//   - spamreport is OutcomeComplaint and suppresses the address
//     ("email_spam_report");
//   - every other event (processed, deferred, open, click, …) has Outcome
//     "": nothing to apply.
//
// Event is SendGrid's event name; EventID is sg_event_id; TenantID and RequestID are the custom args set
// when sending, "" for a message sent without them; ProviderID is the
// X-Message-Id that SendGrid answered the send with, taken from the front
// of sg_message_id; Reminder is the reminder mark (notify.ReminderArg);
// Address the event's email, as SendGrid wrote it.
//
// The only error is a *plaudit.Error (EInvalid) for a body that is not a
// JSON array of events.
func ParseEvents(body []byte) ([]plaudit.DeliveryEvent, error) {
	var events []event
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "body must be a JSON array of events")
	}
	out := make([]plaudit.DeliveryEvent, 0, len(events))
	for _, e := range events {
		d := plaudit.DeliveryEvent{
			Provider: Provider, EventID: e.EventID,
			TenantID: e.TenantID, RequestID: e.RequestID,
			ProviderID: messageID(e.MessageID),
			Event:      e.Event,
			Reminder:   e.Message == reminderArgValue,
			Address:    e.Email,
		}
		switch e.Event {
		case "delivered":
			d.Outcome = plaudit.OutcomeDelivered
		case "bounce":
			if e.Type == "blocked" {
				d.Outcome, d.Reason = plaudit.OutcomeFailed, "sendgrid: blocked"
			} else {
				d.Outcome, d.Reason, d.Suppress = plaudit.OutcomeBounced, "sendgrid: bounce", "email_bounced"
			}
		case "dropped":
			d.Outcome, d.Reason, d.Suppress = plaudit.OutcomeFailed, "sendgrid: dropped", "email_dropped"
		case "spamreport":
			d.Outcome, d.Suppress = plaudit.OutcomeComplaint, "email_spam_report"
		}
		out = append(out, d)
	}
	return out, nil
}

// messageID returns the X-Message-Id that SendGrid answered the send with,
// which an event's sg_message_id starts with ("{X-Message-Id}.filter…", or
// "{X-Message-Id}.recvd-…").
func messageID(eventMessageID string) string {
	for _, sep := range []string{".filter", ".recvd-", ".ismtpd"} {
		if i := strings.Index(eventMessageID, sep); i > 0 {
			return eventMessageID[:i]
		}
	}
	return eventMessageID
}
