package main

import (
	"errors"

	"github.com/plaudit/plaudit/notify/outbox"
)

// outboxKeep is how many messages the outbox keeps (the newest).
const outboxKeep = 500

// anyProvider reports whether an email or SMS provider is configured.
func (c Config) anyProvider() bool {
	return c.SendGridAPIKey != "" || c.SMTPURL != "" || c.TwilioAccountSID != ""
}

// checkProviders refuses to send on PostgreSQL (production) with nothing
// to send through: every request would be skipped, or, before, marked
// sent and lost. PLAUDIT_OUTBOX=true says that keeping them is meant.
func checkProviders(c Config, mode string) error {
	if mode == "api" || !c.production() || c.anyProvider() || c.Outbox {
		return nil
	}
	return errors.New("no email or SMS provider is configured, so no feedback request could be sent: " +
		"set SENDGRID_API_KEY or SMTP_URL for email, TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN and TWILIO_FROM " +
		"(or TWILIO_MESSAGING_SERVICE_SID) for SMS; or set PLAUDIT_OUTBOX=true to keep every message in the " +
		"outbox (/dev/outbox) instead of sending it")
}

// useOutbox opens the outbox on the store and decides what sends each
// channel. While PLAUDIT_OUTBOX is on the outbox takes every message,
// providers configured or not. While it is off a channel without a
// provider has no sender: its requests are skipped with reason
// no_provider, and nothing is marked sent that no provider took.
func (a *app) useOutbox() {
	c := a.cfg
	url := c.PublicURL + "/dev/outbox"
	a.outbox = outbox.New(a.store, outboxKeep, a.log, url)
	if c.Outbox {
		a.email, a.sms = a.outbox, a.outbox
		a.smsLookup = nil // the outbox keeps every message once: nothing to look up
		a.log.Info("PLAUDIT_OUTBOX is on: emails and SMS are kept in the outbox, not sent", "url", url,
			"providers_unused", c.anyProvider())
		return
	}
	if a.email == nil {
		a.log.Warn("no email provider configured (SENDGRID_API_KEY, SMTP_URL): email requests are skipped with reason no_provider; PLAUDIT_OUTBOX=true keeps them in the outbox instead")
	}
	if a.sms == nil {
		a.log.Warn("no SMS provider configured (TWILIO_ACCOUNT_SID): SMS requests are skipped with reason no_provider; PLAUDIT_OUTBOX=true keeps them in the outbox instead")
	}
}
