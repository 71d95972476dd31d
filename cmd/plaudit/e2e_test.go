package main

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/testenv"
)

const (
	zendeskSecret = "zd-signing-secret"
	fixtureDir    = "../../testdata/fixtures/"
)

// spine is the set-up of a tenant with a Zendesk connector and one agent,
// as an admin would make it through the API.
type spine struct {
	g         *gateway
	sg        *fakeSendGrid
	zd        *fakeZendesk
	key       string
	connector string
}

func setUpSpine(t *testing.T, env map[string]string) *spine {
	t.Helper()
	sg, zd := newFakeSendGrid(t), newFakeZendesk(t)
	if env == nil {
		env = map[string]string{}
	}
	env["SENDGRID_API_KEY"] = "SG.test-key"
	env["SENDGRID_API_URL"] = sg.URL
	g := startGateway(t, "serve", env)
	s := &spine{g: g, sg: sg, zd: zd}

	tenant := g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{
		"name": "Nordlicht Reisen",
		"settings": map[string]any{"delay_seconds": 0, "brand_name": "Nordlicht Reisen",
			"privacy_url": "https://nordlicht.example/privacy", "from_email": "feedback@nordlicht.example"},
	})
	s.key = str(tenant["api_key"])
	con := g.must(201, "POST", "/api/v1/connectors", s.key, map[string]any{
		"kind": "zendesk", "name": "Nordlicht Zendesk",
		"config": map[string]any{"subdomain": "nordlicht", "base_url": zd.URL, "email": "admin@nordlicht.example",
			"api_token": "zd-api-token", "signing_secret": zendeskSecret, "rating_field_id": 360001, "comment_field_id": 360002},
	})
	s.connector = str(con["id"])
	if got, want := str(con["webhook_url"]), g.URL+"/hooks/"+s.connector; got != want {
		t.Errorf("webhook_url = %s, want %s", got, want)
	}
	if strings.Contains(string(mustJSON(t, con)), "zd-api-token") || strings.Contains(string(mustJSON(t, con)), zendeskSecret) {
		t.Errorf("connector answer shows a secret: %v", con)
	}
	g.must(201, "POST", "/api/v1/agents", s.key, map[string]any{
		"email": "jonas.weber@nordlicht.example", "name": "Jonas Weber", "bio": "Loves trains and tricky refunds.",
		"photo_url": "https://cdn.nordlicht.example/jonas.jpg", "hometown": "Hamburg", "approved": true,
		"external_ids": map[string]string{"zendesk": "38417722455"},
	})
	return s
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtureDir + name)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

func (s *spine) post(body []byte, at time.Time) apiResult {
	return s.g.do("POST", "/hooks/"+s.connector, "", body, zendeskHeaders(zendeskSecret, body, at))
}

var scoreLink = regexp.MustCompile(`href="(http://[^"]+/f/([A-Za-z0-9_-]+)\?score=(\d))"`)

// TestSpine drives the whole path as a helpdesk, a customer and an admin
// would: Zendesk webhook → rules → email through SendGrid → feedback page →
// writeback to Zendesk, with bad input along the way.
func TestSpine(t *testing.T) {
	runSpine(t, nil)
}

// TestSpineOnRedisAndPostgres runs the same path on real services.
func TestSpineOnRedisAndPostgres(t *testing.T) {
	env := map[string]string{
		"REDIS_URL":          testenv.RedisURL(t),
		"DATABASE_URL":       testenv.DatabaseURL(t),
		"PLAUDIT_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}
	runSpine(t, env)
}

func runSpine(t *testing.T, env map[string]string) {
	s := setUpSpine(t, env)
	g := s.g
	body := fixture(t, "zendesk-trigger.json")
	now := time.Now()

	// Bad input first: none of it may have an effect.
	if r := s.g.do("POST", "/hooks/"+s.connector, "", body, zendeskHeaders("wrong-secret", body, now)); r.Status != 401 {
		t.Errorf("wrong signature: %d, want 401", r.Status)
	}
	if r := s.post(body, now.Add(-6*time.Minute)); r.Status != 401 {
		t.Errorf("stale timestamp: %d, want 401", r.Status)
	}
	if r := s.g.do("POST", "/hooks/"+s.connector, "", body, nil); r.Status != 401 {
		t.Errorf("no signature: %d, want 401", r.Status)
	}
	if r := s.post([]byte(`{"ticket": {"status": "Solved"}`), now); r.Status != 400 {
		t.Errorf("malformed JSON: %d, want 400", r.Status)
	}
	if r := s.post([]byte(`{"ticket": {"status": "Solved"}, "requester": {"email": "a@example.org"}}`), now); r.Status != 400 || !strings.Contains(string(r.Body), "ticket.id") {
		t.Errorf("missing ticket id: %d %s, want 400 naming ticket.id", r.Status, r.Body)
	}
	if status := oversized(t, g.URL, "/hooks/"+s.connector); status != 413 {
		t.Errorf("oversized body: %d, want 413", status)
	}
	if r := s.g.do("POST", "/hooks/con_doesnotexist", "", body, zendeskHeaders(zendeskSecret, body, now)); r.Status != 404 {
		t.Errorf("unknown connector: %d, want 404", r.Status)
	}

	// The real delivery, and a redelivery of it.
	if r := s.post(body, now); r.Status/100 != 2 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	if r := s.post(body, now); r.Status/100 != 2 {
		t.Fatalf("redelivered webhook: %d %s", r.Status, r.Body)
	}

	eventually(t, 15*time.Second, "the email at the fake SendGrid", func() bool { return len(s.sg.Mails()) >= 1 })
	time.Sleep(500 * time.Millisecond) // a second email would come now
	mails := s.sg.Mails()
	if len(mails) != 1 {
		t.Fatalf("SendGrid got %d emails, want exactly 1 (redelivery must have no effect)", len(mails))
	}
	mail := mustJSON(t, mails[0])
	for _, want := range []string{"anna.schneider@example.org", "Jonas W.", "Hamburg", "Loves trains", "nordlicht.example/privacy"} {
		if !bytes.Contains(mail, []byte(want)) {
			t.Errorf("email lacks %q", want)
		}
	}
	if !bytes.Contains(mail, []byte(`"click_tracking":{"enable":false`)) {
		t.Errorf("click tracking not disabled: %s", mail)
	}
	links := scoreLink.FindAllStringSubmatch(htmlOf(t, mails[0]), -1)
	if len(links) != 5 {
		t.Fatalf("email has %d score links, want 5", len(links))
	}
	token := links[0][2]

	eventually(t, 15*time.Second, "the request marked sent", func() bool {
		reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests", s.key, nil))
		return len(reqs) == 1 && reqs[0]["status"] == "sent"
	})
	reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests", s.key, nil))
	if len(reqs) != 1 || reqs[0]["status"] != "sent" || reqs[0]["language"] != "de" {
		t.Fatalf("feedback requests = %v, want one sent in German", reqs)
	}

	// A mail scanner follows the link: nothing is recorded.
	page := g.do("GET", "/f/"+token+"?score=5", "", nil, nil)
	if page.Status != 200 || !bytes.Contains(page.Body, []byte("Jonas W.")) {
		t.Fatalf("page: %d", page.Status)
	}
	if page.Header.Get("Referrer-Policy") != "no-referrer" || page.Header.Get("Set-Cookie") != "" {
		t.Errorf("page headers: referrer %q, cookie %q", page.Header.Get("Referrer-Policy"), page.Header.Get("Set-Cookie"))
	}
	if n := len(list(t, g.must(200, "GET", "/api/v1/responses", s.key, nil))); n != 0 {
		t.Fatalf("a GET recorded %d responses", n)
	}
	for _, bad := range []string{"http://", "https://"} {
		if bytes.Contains(bytes.ReplaceAll(page.Body, []byte(`href="https://nordlicht.example/privacy"`), nil), []byte(`src="`+bad)) {
			t.Errorf("page loads a third-party resource")
		}
	}
	if r := g.do("GET", "/f/not-a-token", "", nil, nil); r.Status != 404 {
		t.Errorf("unknown token: %d, want 404", r.Status)
	}

	// The customer's browser posts the score; Zendesk answers 429 first.
	ticketPath := "/api/v2/tickets/73021.json"
	s.zd.Script(ticketPath, http.StatusTooManyRequests)
	form := url.Values{"score": {"5"}}.Encode()
	r := g.do("POST", "/f/"+token, "", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("score POST: %d %s", r.Status, r.Body)
	}
	resps := list(t, g.must(200, "GET", "/api/v1/responses", s.key, nil))
	if len(resps) != 1 || str(resps[0]["score"]) != "5" {
		t.Fatalf("responses = %v, want one with score 5", resps)
	}
	if resps[0]["likely_automated"] != true {
		t.Errorf("an answer within seconds of sending should be flagged as likely automated")
	}

	eventually(t, 20*time.Second, "the writeback after a 429", func() bool { return len(s.zd.Puts(ticketPath)) >= 2 })
	puts := s.zd.Puts(ticketPath)
	note := mustJSON(t, puts[1].Body)
	if !bytes.Contains(note, []byte(`"public":false`)) || !bytes.Contains(note, []byte("5/5")) {
		t.Errorf("writeback body = %s, want an internal note with 5/5", note)
	}
	if !bytes.Contains(note, []byte(`360001`)) {
		t.Errorf("writeback does not set the rating field: %s", note)
	}
	wantAuth := "Basic " + b64("admin@nordlicht.example/token:zd-api-token")
	if puts[1].Auth != wantAuth {
		t.Errorf("writeback auth = %q, want %q", puts[1].Auth, wantAuth)
	}
	eventually(t, 5*time.Second, "writeback_status done", func() bool {
		resps := list(t, g.must(200, "GET", "/api/v1/responses", s.key, nil))
		return resps[0]["writeback_status"] == "done"
	})

	// The comment follows as one more update, once.
	form = url.Values{"step": {"more"}, "comment": {"Sehr freundlich und schnell"}, "excellence": {"friendly", "fast"}}.Encode()
	if r := g.do("POST", "/f/"+token, "", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != 303 {
		t.Fatalf("comment POST: %d %s", r.Status, r.Body)
	}
	eventually(t, 10*time.Second, "the comment's writeback", func() bool { return len(s.zd.Puts(ticketPath)) >= 3 })
	time.Sleep(700 * time.Millisecond)
	if n := len(s.zd.Puts(ticketPath)); n != 3 {
		t.Errorf("Zendesk got %d PUTs, want 3 (429, score, comment)", n)
	}

	// A closed ticket: the writeback fails visibly, without a retry storm.
	closed := bytes.ReplaceAll(body, []byte(`"73021"`), []byte(`"73099"`))
	closed = bytes.ReplaceAll(closed, []byte("anna.schneider@example.org"), []byte("bert@example.org"))
	s.zd.Script("/api/v2/tickets/73099.json", http.StatusUnprocessableEntity, http.StatusUnprocessableEntity, http.StatusUnprocessableEntity)
	if r := s.post(closed, time.Now()); r.Status/100 != 2 {
		t.Fatalf("second webhook: %d %s", r.Status, r.Body)
	}
	eventually(t, 15*time.Second, "the second email", func() bool { return len(s.sg.Mails()) >= 2 })
	token2 := scoreLink.FindAllStringSubmatch(htmlOf(t, s.sg.Mails()[1]), -1)[0][2]
	// The mail can arrive before the request is marked sent; until then
	// the page is not open yet (410).
	eventually(t, 15*time.Second, "the second request marked sent", func() bool {
		reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests?ticket=73099", s.key, nil))
		return len(reqs) == 1 && reqs[0]["status"] == "sent"
	})
	if r := g.do("POST", "/f/"+token2, "", url.Values{"score": {"2"}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != http.StatusSeeOther {
		t.Fatalf("second score POST: %d %s", r.Status, r.Body)
	}
	eventually(t, 20*time.Second, "writeback_status failed", func() bool {
		for _, r := range list(t, g.must(200, "GET", "/api/v1/responses?ticket=73099", s.key, nil)) {
			if r["writeback_status"] == "failed" && strings.Contains(str(r["writeback_error"]), "422") {
				return true
			}
		}
		return false
	})
	time.Sleep(time.Second)
	if n := len(s.zd.Puts("/api/v2/tickets/73099.json")); n != 1 {
		t.Errorf("closed ticket got %d PUTs, want 1 (no retries of a permanent failure)", n)
	}

	// The outbox viewer shows personal data: it exists only where nothing
	// real is sent.
	if r := g.do("GET", "/dev/outbox", "", nil, nil); r.Status != 404 {
		t.Errorf("/dev/outbox with SendGrid configured: %d, want 404", r.Status)
	}

	// Nothing personal in the logs.
	logs := g.Logs.String()
	for _, pii := range []string{"anna.schneider@example.org", "Anna Schneider", "bert@example.org", "Sehr freundlich", "+49"} {
		if strings.Contains(logs, pii) {
			t.Errorf("logs contain personal data %q", pii)
		}
	}
}

func htmlOf(t *testing.T, mail map[string]any) string {
	t.Helper()
	contents, _ := mail["content"].([]any)
	for _, c := range contents {
		m := c.(map[string]any)
		if m["type"] == "text/html" {
			return str(m["value"])
		}
	}
	t.Fatalf("mail has no text/html content")
	return ""
}

// TestZendeskEventSubscription posts an event-subscription body (which
// names the ticket only) and expects Plaudit to read the ticket and its
// users through the Zendesk API before it decides and sends.
func TestZendeskEventSubscription(t *testing.T) {
	s := setUpSpine(t, nil)
	body := fixture(t, "zendesk-event-status-changed.json")
	if r := s.post(body, time.Now()); r.Status/100 != 2 {
		t.Fatalf("event webhook: %d %s", r.Status, r.Body)
	}
	if r := s.post(body, time.Now()); r.Status/100 != 2 {
		t.Fatalf("redelivered event: %d %s", r.Status, r.Body)
	}
	eventually(t, 15*time.Second, "the email after enrichment", func() bool { return len(s.sg.Mails()) >= 1 })
	time.Sleep(500 * time.Millisecond)
	mails := s.sg.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d emails, want 1", len(mails))
	}
	m := mustJSON(t, mails[0])
	if !bytes.Contains(m, []byte("anna.schneider@example.org")) || !bytes.Contains(m, []byte("Jonas W.")) {
		t.Errorf("email not addressed from the enriched ticket: %s", m)
	}
	s.zd.mu.Lock()
	var reads int
	for _, c := range s.zd.calls {
		if c.Method == http.MethodGet {
			reads++
			if c.Auth != "Basic "+b64("admin@nordlicht.example/token:zd-api-token") {
				t.Errorf("API read without the connector's credentials: %q", c.Auth)
			}
		}
	}
	s.zd.mu.Unlock()
	if reads == 0 {
		t.Error("the ticket was not read through the Zendesk API")
	}
}

// TestOutboxInEmbeddedMode: with no provider configured every message is
// kept in the outbox and shown at /dev/outbox, rendered as sent.
func TestOutboxInEmbeddedMode(t *testing.T) {
	g := startGateway(t, "serve", nil)
	triggerEmail(t, g)
	var link string
	eventually(t, 15*time.Second, "a message in the outbox", func() bool {
		r := g.do("GET", "/dev/outbox", "", nil, nil)
		m := regexp.MustCompile(`href="(/dev/outbox/[^"]+)"`).FindSubmatch(r.Body)
		if r.Status == 200 && m != nil {
			link = string(m[1])
			return true
		}
		return false
	})
	r := g.do("GET", link, "", nil, nil)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte("Max M.")) || !bytes.Contains(r.Body, []byte("?score=5")) {
		t.Errorf("outbox message %s: %d, want the rendered email with the agent card and score links", link, r.Status)
	}
	if strings.Contains(g.Logs.String(), "erika@example.com") {
		t.Error("the outbox logged the recipient's address")
	}
}
