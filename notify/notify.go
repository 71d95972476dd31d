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
	"net/textproto"
	"slices"
	"strings"
)

// Email is one email to one recipient.
type Email struct {
	To, From, FromName, ReplyTo, Subject, HTML, Text string
	// Headers are further header fields by name (List-Unsubscribe and
	// the like), sent by every provider as they are and shown by the
	// outbox.
	Headers map[string]string
	// Ids only (no personal data): sent as provider custom args and used to
	// match delivery events to requests.
	TenantID, RequestID string
	// Reminder marks a reminder of the request's first message: its
	// delivery events must not change the request (ReminderArg).
	Reminder bool
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

// ExtraHeaders lists the names of m.Headers a provider may send, sorted:
// well-formed field names that are none of the fields the provider writes
// itself (From, To, Subject and the like), so that no caller can change
// the sender or the recipients through them.
func ExtraHeaders(m Email) []string {
	var names []string
	for k := range m.Headers {
		canon := textproto.CanonicalMIMEHeaderKey(k)
		if k == "" || strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == ':' }) ||
			slices.Contains(ownHeaders, canon) {
			continue
		}
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// ownHeaders are the fields the providers write from Email's other fields.
var ownHeaders = []string{"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-Id", "Mime-Version",
	"Content-Type", "Content-Transfer-Encoding", "Sender", "Return-Path"}
