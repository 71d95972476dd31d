package server_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/plaudit/plaudit/server"
)

// idp is an OpenID Connect provider in the test: discovery and keys from
// oidctest, an authorization endpoint that signs in whoever the test says,
// and a token endpoint that checks the client secret and the PKCE
// verifier against the challenge.
type idp struct {
	srv   *httptest.Server
	key   *rsa.PrivateKey
	mu    sync.Mutex
	codes map[string]grant
	// email and verified are the person the next authorization signs in.
	email    string
	verified bool
	// sawPKCE records whether every token request carried a verifier that
	// matched its challenge.
	pkceChecked int
}

type grant struct{ challenge, nonce, clientID string }

const (
	ssoClientID     = "plaudit-console"
	ssoClientSecret = "idp-client-secret-value"
)

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{key: key, codes: map[string]grant{}, verified: true}
	keys := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	mux := http.NewServeMux()
	mux.HandleFunc("/auth", p.authorize)
	mux.HandleFunc("/token", p.token)
	mux.Handle("/", keys)
	p.srv = httptest.NewTLSServer(mux)
	t.Cleanup(p.srv.Close)
	keys.SetIssuer(p.srv.URL)
	return p
}

func (p *idp) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
		http.Error(w, "PKCE (S256) and a nonce are required", http.StatusBadRequest)
		return
	}
	code := fmt.Sprintf("code-%d", time.Now().UnixNano())
	p.mu.Lock()
	p.codes[code] = grant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), clientID: q.Get("client_id")}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := url.Values{"code": {code}, "state": {q.Get("state")}}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *idp) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	if id == "" {
		id, secret = r.FormValue("client_id"), r.FormValue("client_secret")
	}
	p.mu.Lock()
	g, ok := p.codes[r.FormValue("code")]
	delete(p.codes, r.FormValue("code"))
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
	switch {
	case !ok || id != ssoClientID || secret != ssoClientSecret || g.clientID != id:
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		http.Error(w, `{"error":"invalid_grant","error_description":"PKCE"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.pkceChecked++
	claims, _ := json.Marshal(map[string]any{"iss": p.srv.URL, "aud": ssoClientID, "sub": "person-1",
		"email": p.email, "email_verified": p.verified, "nonce": g.nonce,
		"iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()})
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300,
		"id_token": oidctest.SignIDToken(p.key, "k1", oidc.RS256, string(claims))})
}

// signIn follows a single sign-on from the console through the provider
// and back, and returns the console's last answer.
func (p *idp) signIn(t *testing.T, b *browser, tenantID string, query ...string) page {
	t.Helper()
	start := b.get("/console/sso/" + tenantID + strings.Join(query, ""))
	if start.status != 303 || !strings.HasPrefix(start.location, p.srv.URL+"/auth?") {
		t.Fatalf("start: %d to %q: %s", start.status, start.location, start.body)
	}
	client := p.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(start.location)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Path != "/console/sso/callback" {
		t.Fatalf("the provider sent the browser to %q", resp.Header.Get("Location"))
	}
	return b.get(back.RequestURI())
}

// A tenant's users sign in with the tenant's identity provider: the code
// flow with PKCE, the ID token verified, the verified email matched to a
// user. Someone the provider knows but the tenant does not is refused.
func TestConsoleSingleSignOn(t *testing.T) {
	p := newIDP(t)
	site := newConsoleSite(t, func(c *server.Config) { c.DriverDeps.HTTP = p.srv.Client() })
	key, tn := site.tenant("Nordlicht Reisen", map[string]string{"ada@nordlicht.example": "admin"})
	r := site.do(call{method: "PATCH", path: "/api/v1/tenant", key: key, valid: true, json: map[string]any{
		"oidc": map[string]any{"issuer": p.srv.URL, "client_id": ssoClientID, "client_secret": ssoClientSecret}}}, 200)
	if strings.Contains(string(r.body), ssoClientSecret) || !strings.Contains(string(r.body), `"client_secret_set":true`) {
		t.Fatalf("the tenant shows %s", r.body)
	}
	wantMessage(t, site.do(call{method: "PATCH", path: "/api/v1/tenant", key: key, json: map[string]any{
		"oidc": map[string]any{"issuer": "http://id.example", "client_id": "x", "client_secret": "y"}}}, 400), "oidc.issuer")

	p.email = "Ada@Nordlicht.example"
	b := site.browser()
	if got := p.signIn(t, b, tn.ID); got.status != 303 || got.location != "/console/" {
		t.Fatalf("single sign-on: %d to %q: %s", got.status, got.location, got.body)
	}
	if got := b.get("/console/"); got.status != 200 || !strings.Contains(got.body, "ada@nordlicht.example") {
		t.Fatalf("after single sign-on: %d", got.status)
	}
	if p.pkceChecked != 1 {
		t.Fatalf("the provider checked PKCE %d times", p.pkceChecked)
	}
	// Started from a page that asked for sign-in: back to it; a next
	// that leaves the console is dropped.
	if got := p.signIn(t, site.browser(), tn.ID, "?next="+url.QueryEscape("/console/responses?agent=agt_1")); got.status != 303 || got.location != "/console/responses?agent=agt_1" {
		t.Fatalf("single sign-on with next: %d to %q", got.status, got.location)
	}
	if got := p.signIn(t, site.browser(), tn.ID, "?next="+url.QueryEscape("//evil.example/console/")); got.status != 303 || got.location != "/console/" {
		t.Fatalf("single sign-on with a next elsewhere: %d to %q", got.status, got.location)
	}

	p.email = "eve@elsewhere.example"
	if got := p.signIn(t, site.browser(), tn.ID); got.status != 401 || !strings.Contains(got.body, "not a user of this organisation") {
		t.Fatalf("a stranger: %d %s", got.status, got.body)
	}
	p.email, p.verified = "ada@nordlicht.example", false
	if got := p.signIn(t, site.browser(), tn.ID); got.status != 401 || !strings.Contains(got.body, "no verified email") {
		t.Fatalf("an unverified email: %d %s", got.status, got.body)
	}
	// A callback the browser did not start (no cookie, or another state).
	if got := site.browser().get("/console/sso/callback?code=x&state=y"); got.status != 401 {
		t.Fatalf("a forged callback: %d", got.status)
	}
	events, err := site.store.ListAudit(t.Context(), tn.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	var failed, ok int
	for _, e := range events {
		switch {
		case e.Action == "console.sign_in_failed" && strings.Contains(e.Detail, "method=oidc"):
			failed++
		case e.Action == "console.sign_in" && e.Detail == "method=oidc":
			ok++
		}
	}
	if failed != 2 || ok != 3 {
		t.Errorf("audit: %d sign-ins, %d failures, want 3 and 2", ok, failed)
	}
}
