package zendesk

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

// TestTest: the connector test reads the API user with the stored
// credentials and says in plain words what a helpdesk admin must fix.
func TestTest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   string // "" for a passing test
		words  string
	}{
		{"agent", 200, `{"user":{"id":38417722455,"name":"Plaudit","email":"plaudit@nordlicht.example","role":"agent"}}`, "", ""},
		{"admin", 200, `{"user":{"id":38417722400,"role":"admin"}}`, "", ""},
		{"end user", 200, `{"user":{"id":38417722901,"role":"end-user"}}`, plaudit.EInvalid,
			"config.email is an end user in Zendesk: internal notes need an agent or an admin"},
		{"anonymous", 200, `{"user":{"id":null,"name":"Anonymous user","role":"end-user"}}`, plaudit.EInvalid,
			"Zendesk did not sign the API user in: check config.email and config.api_token"},
		{"bad token", 401, `{"error":"Couldn't authenticate you"}`, plaudit.EInvalid, "Zendesk refused the API token (401): check config.email and config.api_token"},
		{"no API", 403, `{"error":"Forbidden"}`, plaudit.EInvalid, "Zendesk denied access (403)"},
		{"no account", 404, `<html>Oops! Help Center closed</html>`, plaudit.EInvalid, "no Zendesk account answers at this address (404): check config.subdomain"},
		{"not Zendesk", 200, `<html>Sign up</html>`, plaudit.EInvalid, "the answer did not come from the Zendesk API"},
		{"throttled", 429, `{}`, plaudit.EUnavailable, "Zendesk is rate limiting this account (429)"},
		{"down", 503, ``, plaudit.EUnavailable, "Zendesk answered with an error (503 service unavailable)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fz := &fakeZendesk{t: t, answer: func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodGet || r.URL.Path != "/api/v2/users/me.json" {
					return false
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			}}
			srv := httptest.NewServer(fz)
			defer srv.Close()
			err := newClient(t, srv.URL, nil).Test(context.Background())
			if len(fz.reqs) != 1 || fz.reqs[0] != "GET /api/v2/users/me.json" {
				t.Errorf("requests %v, want one GET of users/me", fz.reqs)
			}
			conntest.WantTestResult(t, err, tc.code, tc.words, testToken, "127.0.0.1")
		})
	}

	// Wrong credentials reach the fake's own check of basic auth.
	srv := httptest.NewServer(&fakeZendesk{t: t})
	defer srv.Close()
	c := newClient(t, srv.URL, nil)
	c.apiToken = "not-the-token"
	conntest.WantTestResult(t, c.Test(context.Background()), plaudit.EInvalid, "Zendesk refused the API token (401)", "not-the-token")

	srv.Close()
	conntest.WantTestResult(t, newClient(t, srv.URL, nil).Test(context.Background()), plaudit.EUnavailable,
		"Zendesk did not answer: check config.subdomain (or config.base_url)", "127.0.0.1")
}
