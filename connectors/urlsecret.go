package connectors

import (
	"crypto/subtle"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// NewURLSecret returns a fresh secret for a webhook URL's path: 32 random
// bytes, URL-safe, so it cannot be guessed the way a connector id plus an
// organization id can be learned.
func NewURLSecret() string { return keyring.Token(32) }

// WebhookPath returns the path of connector c's webhook URL: /hooks/{id},
// followed by /{secret} for kinds without a signature of their own.
func (r *Registry) WebhookPath(c plaudit.Connector) string {
	p := "/hooks/" + c.ID
	if k, ok := r.kinds[c.Kind]; ok && k.URLSecret && c.Secrets[plaudit.WebhookURLSecret] != "" {
		p += "/" + c.Secrets[plaudit.WebhookURLSecret]
	}
	return p
}

// CheckURLSecret checks the secret a delivery to connector c carried in its
// path. A kind without a signature of its own needs the stored secret
// (EUnauthorized otherwise, also when none is stored yet); other kinds
// take no path secret, and a path with one is no webhook URL of theirs
// (ENotFound).
func (r *Registry) CheckURLSecret(c plaudit.Connector, given string) error {
	k, ok := r.kinds[c.Kind]
	if !ok || !k.URLSecret {
		if given != "" {
			return plaudit.Errorf(plaudit.ENotFound, "unknown connector")
		}
		return nil
	}
	want := c.Secrets[plaudit.WebhookURLSecret]
	if want == "" {
		return plaudit.Errorf(plaudit.EUnauthorized,
			"this connector has no webhook secret yet: rotate it (POST /api/v1/connectors/{id}/webhook-secret) and use the webhook_url it returns")
	}
	if subtle.ConstantTimeCompare(keyring.SecretHash(given), keyring.SecretHash(want)) != 1 {
		return plaudit.Errorf(plaudit.EUnauthorized, "the webhook URL's secret is missing or wrong: use the connector's webhook_url")
	}
	return nil
}
