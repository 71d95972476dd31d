package twilio

import (
	"context"
	"fmt"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/plaudit/plaudit/notify"
)

var _ notify.SMSFinder = (*Client)(nil)

// findLimit is how many of the newest messages to a number from a sender
// are read: a feedback request's text is among the last few.
const findLimit = 50

// FindSMS asks Twilio's Message list whether a text matching q was
// created: to q.To, from q.From (a number; a Messaging Service SID, or ""
// for the configured sender, is matched on the messages themselves, since
// the list cannot filter by service), created at or after q.Since, with a
// body containing q.Contains. It returns the message's Sid, or "".
//
// The time is compared on each message's date_created rather than sent to
// Twilio as DateSent>: that filter counts whole days by the date a message
// was sent, and a message still queued has no such date yet, so a message
// Twilio took a second ago would be missed.
func (c *Client) FindSMS(ctx context.Context, q notify.SMSQuery) (string, error) {
	if q.To == "" || q.Contains == "" {
		return "", fmt.Errorf("twilio: find message: recipient and body text are required")
	}
	api, rt, cancel := c.api(ctx)
	defer cancel()
	from, service := c.sender(q.From)
	p := &openapi.ListMessageParams{}
	p.SetTo(q.To)
	if from != "" {
		p.SetFrom(from)
	}
	p.SetPageSize(findLimit)
	p.SetLimit(findLimit)
	msgs, err := api.ListMessage(p)
	if err != nil {
		status, retryAfter := rt.answer()
		return "", classify(err, status, retryAfter)
	}
	for _, m := range msgs {
		if m.Sid == nil || m.Body == nil || !strings.Contains(*m.Body, q.Contains) {
			continue
		}
		if service != "" && (m.MessagingServiceSid == nil || *m.MessagingServiceSid != service) {
			continue
		}
		if created, ok := messageTime(m.DateCreated); ok && created.Before(q.Since) {
			continue
		}
		return *m.Sid, nil
	}
	return "", nil
}

// sender is the number to filter by, or the Messaging Service to match,
// for a message sent from from ("" for the configured sender), as
// SendSMS chooses it.
func (c *Client) sender(from string) (number, service string) {
	switch {
	case strings.HasPrefix(from, "MG"):
		return "", from
	case from != "":
		return from, ""
	case c.cfg.MessagingServiceSID != "":
		return "", c.cfg.MessagingServiceSID
	}
	return c.cfg.From, ""
}

// messageTime reads a Message's date as Twilio writes it (RFC 1123 with a
// numeric zone). A date that cannot be read does not rule the message out:
// the body already names the one request.
func messageTime(s *string) (time.Time, bool) {
	if s == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC1123Z, *s)
	return t, err == nil
}
