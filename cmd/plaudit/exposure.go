package main

import (
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// MinAdminTokenLength is the shortest operator token accepted. The token
// creates and deletes tenants, so it must be too long to guess; the one
// generated when none is set is longer.
const MinAdminTokenLength = 24

// embeddedDefaults reports whether the process runs as `go run
// ./cmd/plaudit` with no configuration: SQLite, an in-process Redis and no
// email or SMS provider, on a developer's machine. Some conveniences (the
// outbox, Inbound Parse without a password) are defaults there only.
func (c Config) embeddedDefaults() bool {
	return !c.production() && c.Embedded() && !c.anyProvider()
}

// checkExposure refuses settings that would leave an endpoint open to
// anyone who finds it. Each message names the variable to set.
func checkExposure(c Config) error {
	if c.AdminToken != "" && utf8.RuneCountInString(c.AdminToken) < MinAdminTokenLength {
		return fmt.Errorf("PLAUDIT_ADMIN_TOKEN must be at least %d characters long: it can create and delete tenants "+
			"(make one with: openssl rand -base64 32)", MinAdminTokenLength)
	}
	if c.InboundEmailDomain != "" && c.SendGridInboundToken == "" && !c.embeddedDefaults() {
		return fmt.Errorf("PLAUDIT_INBOUND_EMAIL_DOMAIN is set without SENDGRID_INBOUND_TOKEN: anyone could post " +
			"email replies to /hooks/sendgrid/inbound. Set SENDGRID_INBOUND_TOKEN (or SENDGRID_INBOUND_TOKEN_FILE) and " +
			"configure Inbound Parse with https://parse:TOKEN@your-host/hooks/sendgrid/inbound")
	}
	return nil
}

// warnExposure says at start what embedded defaults leave open (only they
// get past checkExposure with it).
func warnExposure(c Config, log *slog.Logger) {
	if c.InboundEmailDomain != "" && c.SendGridInboundToken == "" {
		log.Warn("PLAUDIT_INBOUND_EMAIL_DOMAIN is set without SENDGRID_INBOUND_TOKEN: /hooks/sendgrid/inbound takes replies from anyone")
	}
}
