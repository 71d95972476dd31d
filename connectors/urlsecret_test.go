package connectors

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// TestURLSecretForUnsignedKindsOnly: Salesforce's Outbound Messages carry
// no signature, only an organization id that is no secret, and Freshdesk's
// and Gladly's only a header or basic auth typed in by hand, so their
// webhook URLs carry a secret; the kinds that sign their deliveries keep a
// plain URL.
func TestURLSecretForUnsignedKindsOnly(t *testing.T) {
	r := Default()
	for name, want := range map[string]bool{"salesforce": true, "freshdesk": true, "gladly": true,
		"zendesk": false, "standard": false, "intercom": false, "hubspot": false, "helpscout": false, "front": false, "kustomer": false} {
		if k, _ := r.Kind(name); k.URLSecret != want {
			t.Errorf("kind %s: URLSecret %v, want %v", name, k.URLSecret, want)
		}
	}
	secret := NewURLSecret()
	if len(secret) < 40 || strings.ContainsAny(secret, "/?#%+ ") || secret == NewURLSecret() {
		t.Fatalf("NewURLSecret() = %q: want a long, random, path-safe secret", secret)
	}
	for _, kind := range []string{"salesforce", "freshdesk", "gladly"} {
		con := plaudit.Connector{ID: "con_" + kind, Kind: kind, Secrets: map[string]string{plaudit.WebhookURLSecret: secret}}
		if got := r.WebhookPath(con); got != "/hooks/con_"+kind+"/"+secret {
			t.Errorf("%s webhook path %q", kind, got)
		}
		for given, want := range map[string]string{secret: "", "": plaudit.EUnauthorized, secret[:len(secret)-1]: plaudit.EUnauthorized, secret + "x": plaudit.EUnauthorized} {
			if got := plaudit.ErrorCode(r.CheckURLSecret(con, given)); got != want {
				t.Errorf("%s delivery with secret %q: %q, want %q", kind, given, got, want)
			}
		}
	}
	// A connector made before URL secrets existed has none: nothing gets
	// through until the admin rotates one in.
	old := plaudit.Connector{ID: "con_old", Kind: "salesforce"}
	if got := r.WebhookPath(old); got != "/hooks/con_old" {
		t.Errorf("webhook path without a secret %q", got)
	}
	if err := r.CheckURLSecret(old, ""); plaudit.ErrorCode(err) != plaudit.EUnauthorized || !strings.Contains(err.Error(), "webhook-secret") {
		t.Errorf("delivery to a connector without a secret: %v, want 401 saying how to get one", err)
	}
	zd := zendeskConnector()
	if got := r.WebhookPath(zd); got != "/hooks/con_1" {
		t.Errorf("zendesk webhook path %q", got)
	}
	if err := r.CheckURLSecret(zd, ""); err != nil {
		t.Errorf("zendesk delivery: %v", err)
	}
	if got := plaudit.ErrorCode(r.CheckURLSecret(zd, "anything")); got != plaudit.ENotFound {
		t.Errorf("zendesk delivery to a path with a secret: %q, want not found", got)
	}
}

// FuzzCheckURLSecret: whatever a request puts in the path, only the
// connector's own secret lets a Salesforce delivery through.
func FuzzCheckURLSecret(f *testing.F) {
	const secret = "Zm9vYmFyYmF6cXV4LXNlY3JldC1mb3ItdGhlLWZ1enplcg"
	for _, seed := range []string{"", secret, secret[:10], secret + "/", strings.ToUpper(secret), "%2F..%2F", "\x00", secret + "\x00"} {
		f.Add(seed)
	}
	r := Default()
	sf := plaudit.Connector{ID: "con_sf", Kind: "salesforce", Secrets: map[string]string{plaudit.WebhookURLSecret: secret}}
	f.Fuzz(func(t *testing.T, given string) {
		err := r.CheckURLSecret(sf, given)
		if (err == nil) != (given == secret) {
			t.Fatalf("CheckURLSecret(%q) = %v", given, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Fatalf("the refusal quotes the secret: %v", err)
		}
	})
}
