// Package notify sends feedback requests to customers by email and SMS and
// renders what those messages say.
//
// Providers (SendGrid, Twilio, SMTP, the in-memory outbox) live in
// sub-packages and sit behind the two small interfaces below, so that the
// worker neither knows nor cares which one is configured. Messages carry
// personal data (addresses, names, bodies); providers keep it out of every
// error string and log line, and identify messages by tenant and request id
// only.
package notify

import (
	"context"
	"time"
)

// Email is one email to one recipient.
type Email struct {
	To, From, FromName, ReplyTo, Subject, HTML, Text string
	// Ids only (no personal data): sent as provider custom args and used to
	// match delivery events to requests.
	TenantID, RequestID string
	// Reminder marks a reminder of the request's first message: its
	// delivery events must not change the request (ReminderArg).
	Reminder bool
	// UnsubscribeURL is the page where the recipient says no
	// ({public}/u/{token}), which also takes a mail provider's one-click
	// POST (RFC 8058); UnsubscribeMailto an address that takes an email
	// saying so. Every feedback email carries them as List-Unsubscribe
	// headers (ListUnsubscribe); a confirmation leaves them empty.
	UnsubscribeURL, UnsubscribeMailto string
}

// Header is one header of an email.
type Header struct{ Name, Value string }

// ListUnsubscribe returns the headers that let mail clients offer their
// own unsubscribe button, for providers to add to the message:
// List-Unsubscribe with the page and the mailto: address (RFC 2369), and
// List-Unsubscribe-Post, which tells them that a POST to the page
// unsubscribes in one click (RFC 8058). None without an UnsubscribeURL.
func (m Email) ListUnsubscribe() []Header {
	if m.UnsubscribeURL == "" {
		return nil
	}
	v := "<" + m.UnsubscribeURL + ">"
	if m.UnsubscribeMailto != "" {
		v += ", <mailto:" + m.UnsubscribeMailto + "?subject=unsubscribe>"
	}
	return []Header{{"List-Unsubscribe", v}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}}
}

// ReminderArg is the custom arg (SendGrid) and the status callback's query
// parameter (Twilio) that mark a reminder's events, as name=value.
const ReminderArg = "message=reminder"

// SMS is one text message to one E.164 number.
type SMS struct {
	To, Body string
	// From is the sender: an E.164 number, or a Messaging Service SID
	// (MG…); "" uses the provider's configured default.
	From string
	// StatusCallback is the URL Twilio posts delivery status to.
	StatusCallback      string
	TenantID, RequestID string
}

// EmailSender sends an email and returns the provider's id for it, which
// delivery events refer to. Failures are classified: a
// *plaudit.RetryAfterError when the provider asked to slow down, a
// *plaudit.PermanentError when retrying cannot help, any other error when a
// retry may.
type EmailSender interface {
	SendEmail(ctx context.Context, m Email) (providerID string, err error)
}

// SMSSender sends a text message; see EmailSender for the error contract.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) (providerID string, err error)
}

// SMSQuery describes a text message that may have been sent: to whom,
// from which sender ("" the provider's configured default), created at or
// after Since, with a body that contains Contains (the page link, which
// names the one request).
type SMSQuery struct {
	To, From string
	Since    time.Time
	Contains string
}

// SMSFinder asks an SMS provider whether it took a message, for a send
// whose sender died before recording the answer. It returns the provider's
// id of the message, or "" when it has none; an error when it cannot tell.
type SMSFinder interface {
	FindSMS(ctx context.Context, q SMSQuery) (providerID string, err error)
}
