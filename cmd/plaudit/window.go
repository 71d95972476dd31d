package main

import (
	"log/slog"
)

// The window for a duplicate: a worker that dies after the provider took a
// message and before the store recorded it leaves the request "sending";
// the claim that takes it over after PLAUDIT_CLAIM_TIMEOUT sends again
// unless it finds evidence that the provider took it (feedback/retake.go).
// SendGrid's Event Webhook and Twilio's message list give that evidence;
// SMTP and SendGrid without the Event Webhook give none.

// emailEvents reports whether the email provider posts its events here:
// SendGrid with SENDGRID_EVENT_PUBLIC_KEY, and not the outbox.
func (a *app) emailEvents() bool {
	c := a.cfg
	return !c.Outbox && c.SendGridAPIKey != "" && c.SendGridEventKey != ""
}

// warnDuplicateWindow says at start, on the processes that send, when a
// worker's death can still ask a customer twice, and how to close that.
func (a *app) warnDuplicateWindow(log *slog.Logger) {
	c := a.cfg
	if c.Outbox {
		return
	}
	switch {
	case c.SendGridAPIKey != "" && c.SendGridEventKey == "":
		log.Warn("SENDGRID_EVENT_PUBLIC_KEY is not set: if a worker dies after SendGrid took an email and before it was recorded, "+
			"the email is sent again after PLAUDIT_CLAIM_TIMEOUT. To close that window, turn on SendGrid's signed Event Webhook "+
			"(processed and delivery events) to the URL below and set SENDGRID_EVENT_PUBLIC_KEY to its verification key "+
			"(docs/reliability.md)", "event_webhook_url", c.PublicURL+"/hooks/sendgrid/events")
	case c.SendGridAPIKey == "" && c.SMTPURL != "":
		log.Warn("SMTP gives no word on what it took: if a worker dies after the SMTP server took an email and before it was " +
			"recorded, the email is sent again after PLAUDIT_CLAIM_TIMEOUT. SendGrid with its Event Webhook closes that window " +
			"(docs/reliability.md)")
	}
}
