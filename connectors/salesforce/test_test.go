package salesforce

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors/internal/conntest"
)

// queryAnswer answers the test's SOQL query with status and body, and
// records the query.
func queryAnswer(t *testing.T, f *fakeSalesforce, status int, body string, got *string) {
	f.setRest(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/services/data/v60.0/query" {
			t.Errorf("REST call %s %s, want GET /services/data/v60.0/query", r.Method, r.URL.Path)
		}
		*got = r.URL.Query().Get("q")
		w.WriteHeader(status)
		io.WriteString(w, body)
		return true
	})
}

// testOutcome is an answer of the fake and the test result it must give.
type testOutcome struct {
	name   string
	status int
	body   string
	code   string // "" for a passing test
	words  string
}

// TestTest: the connector test asks for a new token with the stored
// credentials and reads one Case with the configured fields; each thing a
// Salesforce admin can get wrong is named in plain words.
func TestTest(t *testing.T) {
	for _, tc := range []testOutcome{
		{"readable", 200, `{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Case"},"Id":"5008a00001AbCdEAAV","Rating__c":null,"Comment__c":null}]}`, "", ""},
		{"no cases yet", 200, `{"totalSize":0,"done":true,"records":[]}`, "", ""},
		{"unknown field", 400, `[{"message":"No such column 'Rating__c' on entity 'Case'.","errorCode":"INVALID_FIELD"}]`, plaudit.EInvalid,
			"Case has no field named in config.rating_field or config.comment_field that the integration user can see (INVALID_FIELD)"},
		{"no access to Case", 400, `[{"message":"sObject type 'Case' is not supported.","errorCode":"INVALID_TYPE"}]`, plaudit.EInvalid,
			"the integration user cannot read Cases (INVALID_TYPE)"},
		{"no API permission", 403, `[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]`, plaudit.EInvalid,
			"the org or the integration user may not use the API (API_DISABLED_FOR_ORG)"},
		{"API limit spent", 403, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, plaudit.EUnavailable,
			"the org has spent its API requests for now"},
		{"unknown version", 404, `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`, plaudit.EInvalid,
			"this org has no REST API version config.api_version (404)"},
		{"not the API", 200, `<html>Maintenance</html>`, plaudit.EInvalid, "the answer did not come from the Salesforce API"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			var query string
			queryAnswer(t, f, tc.status, tc.body, &query)
			c := newClient(t, map[string]any{"login_url": f.srv.URL, "rating_field": "Rating__c", "comment_field": "Comment__c"}, nil)
			conntest.WantTestResult(t, c.Test(context.Background()), tc.code, tc.words, testSecret, "127.0.0.1")
			if query != "SELECT Id, Rating__c, Comment__c FROM Case LIMIT 1" {
				t.Errorf("query %q", query)
			}
			if grants, reqs, _, auth := f.seen(); len(grants) != 1 || grants[0] != "client_credentials" || len(reqs) != 1 || auth[0] != "Bearer 00D8a000000XyZw!token-1" {
				t.Errorf("grants %q, REST calls %q with %q: want one token, then one read with it", grants, reqs, auth)
			}
		})
	}
}

// TestTestTokenRefusals: what the token endpoint refuses, by its OAuth
// error code and the flow configured.
func TestTestTokenRefusals(t *testing.T) {
	for _, tc := range []testOutcome{
		{"unknown app", 400, `{"error":"invalid_client_id","error_description":"client identifier invalid"}`, plaudit.EInvalid,
			"Salesforce does not know config.client_id (invalid_client_id)"},
		{"wrong secret", 400, `{"error":"invalid_client","error_description":"invalid client credentials"}`, plaudit.EInvalid,
			"Salesforce refused the client credentials (invalid_client): check config.client_id and config.client_secret"},
		{"flow off", 400, `{"error":"invalid_grant","error_description":"no client credentials user enabled"}`, plaudit.EInvalid,
			"Salesforce refused the client credentials flow (invalid_grant): enable it on the app and set its Run As user"},
		{"grant type", 400, `{"error":"unsupported_grant_type","error_description":"grant type not supported"}`, plaudit.EInvalid,
			"the app does not allow this flow (unsupported_grant_type)"},
		{"not My Domain", 400, `{"error":"invalid_request","error_description":"request not supported on this domain"}`, plaudit.EInvalid,
			"Salesforce refused the token request (invalid_request): the client credentials flow needs your My Domain address as config.login_url"},
		{"other code", 400, `{"error":"inactive_user","error_description":"user is inactive"}`, plaudit.EInvalid,
			"Salesforce refused the token request (inactive_user)"},
		{"no login there", 404, `<html>Not found</html>`, plaudit.EInvalid, "no Salesforce login answers at config.login_url (404)"},
		{"throttled", 429, ``, plaudit.EUnavailable, "Salesforce is rate limiting this account (429)"},
		{"down", 503, `{"error":"unknown_error"}`, plaudit.EUnavailable, "Salesforce answered with an error (503 service unavailable)"},
		{"odd answer", 200, `{"access_token":"x"}`, plaudit.EInvalid, "the answer did not come from the Salesforce API: check config.login_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.failToken(tc.status, tc.body)
			c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
			conntest.WantTestResult(t, c.Test(context.Background()), tc.code, tc.words, testSecret, "user is inactive", "client identifier invalid")
			if _, reqs, _, _ := f.seen(); len(reqs) != 0 {
				t.Errorf("REST called without a token: %q", reqs)
			}
		})
	}

	// The real fake refuses a wrong secret with invalid_client.
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL}, map[string]string{SecretClientSecret: "not-the-secret"})
	conntest.WantTestResult(t, c.Test(context.Background()), plaudit.EInvalid,
		"Salesforce refused the client credentials (invalid_client)", "not-the-secret")

	// No login there at all.
	f.srv.Close()
	conntest.WantTestResult(t, newClient(t, map[string]any{"login_url": f.srv.URL}, nil).Test(context.Background()),
		plaudit.EUnavailable, "Salesforce did not answer: check config.login_url", "127.0.0.1")
}

// TestTestJWTBearer: with a private key, the test signs a JWT as a
// writeback does, and a refused JWT names what to check.
func TestTestJWTBearer(t *testing.T) {
	f := newFakeJWT(t, &testKey().PublicKey)
	var query string
	queryAnswer(t, f, 200, `{"totalSize":0,"done":true,"records":[]}`, &query)
	c := newClient(t, map[string]any{"login_url": f.srv.URL, "username": testUser}, map[string]string{SecretPrivateKey: keyPEM(testKey())})
	conntest.WantTestResult(t, c.Test(context.Background()), "", "")
	if grants, _, _, _ := f.seen(); len(grants) != 1 || grants[0] != jwtBearerGrant || query != "SELECT Id FROM Case LIMIT 1" {
		t.Errorf("grants %q, query %q", grants, query)
	}

	f.failToken(http.StatusBadRequest, `{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}`)
	conntest.WantTestResult(t, c.Test(context.Background()), plaudit.EInvalid,
		"Salesforce refused the JWT (invalid_grant): check config.username")
}

// TestTestLeavesTheWritebackTokenAlone: a test gets its own token; the
// one that writebacks hold stays theirs.
func TestTestLeavesTheWritebackTokenAlone(t *testing.T) {
	f := newFake(t)
	c := newClient(t, map[string]any{"login_url": f.srv.URL}, nil)
	if err := c.Writeback(context.Background(), writeback("ok")); err != nil {
		t.Fatal(err)
	}
	held := c.tok
	var query string
	queryAnswer(t, f, 200, `{"totalSize":0,"done":true,"records":[]}`, &query)
	if err := c.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.tok != held {
		t.Error("the test replaced the token writebacks use")
	}
}
