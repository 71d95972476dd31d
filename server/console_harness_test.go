package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// consoleSite is the server with an outbox for sign-in mail, a clock the
// test moves, and a log the test reads.
type consoleSite struct {
	*apiHarness
	outbox *outbox.Outbox
	clock  *siteClock
	log    *syncLog
}

type siteClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *siteClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}
func (c *siteClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

type syncLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
func (l *syncLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

func newConsoleSite(t *testing.T, configure ...func(*server.Config)) *consoleSite {
	t.Helper()
	site := &consoleSite{clock: &siteClock{}, log: &syncLog{}}
	configure = append([]func(*server.Config){func(c *server.Config) {
		site.outbox = outbox.New(c.Store.(*store.Store), 0, slog.New(slog.NewTextHandler(io.Discard, nil)), "")
		c.Now = site.clock.Now
		c.Log = slog.New(slog.NewTextHandler(site.log, nil))
		c.Outbox = site.outbox
		c.Feedback = &feedback.Service{Store: c.Store, Tasks: c.Queue, Email: site.outbox, PublicURL: c.PublicURL,
			FromEmail: "plaudit@example.com", Log: c.Log, Now: c.Now}
	}}, configure...)
	site.apiHarness = newAPIHarness(t, configure...)
	return site
}

// tenant creates a tenant with an admin key, the teams Berlin and
// Hamburg, and the given users, by email and role ("lead:Berlin" is a
// lead of team Berlin).
func (s *consoleSite) tenant(name string, users map[string]string) (string, plaudit.Tenant) {
	s.t.Helper()
	key := s.newTenantKey(name)
	for _, team := range []string{"Berlin", "Hamburg"} {
		s.do(call{method: "POST", path: "/api/v1/teams", key: key, json: map[string]any{"name": team}}, 201)
	}
	for email, role := range users {
		role, team, _ := strings.Cut(role, ":")
		s.do(call{method: "POST", path: "/api/v1/users", key: key,
			json: map[string]any{"email": email, "name": strings.Split(email, "@")[0], "role": role, "team": team}}, 201)
	}
	var t plaudit.Tenant
	s.do(call{method: "GET", path: "/api/v1/tenant", key: key}, 200).decode(s.t, &t)
	return key, t
}

// browser is one browser: its cookies, and the CSRF token of the last
// page it was shown.
type browser struct {
	site    *consoleSite
	cookies map[string]*http.Cookie
	csrf    string
}

func (s *consoleSite) browser() *browser {
	return &browser{site: s, cookies: map[string]*http.Cookie{}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

// do sends a request as the browser would, with its cookies; a form's
// CSRF field is filled in from the last page unless the form sets it.
func (b *browser) do(method, path string, form url.Values, header ...string) page {
	t := b.site.t
	t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["csrf"]; !ok && b.csrf != "" {
			form.Set("csrf", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, publicURL+path, body)
	req.RequestURI = ""
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.site.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	if m := csrfInput.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1]
	}
	return page{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) page { b.site.t.Helper(); return b.do("GET", path, nil) }

func (b *browser) post(path string, form url.Values) page {
	b.site.t.Helper()
	return b.do("POST", path, form)
}

var signInLink = regexp.MustCompile(`https://plaudit\.example(/console/login/link/[A-Za-z0-9_-]+(?:\?next=[^\s"]+)?)`)

// linkFor waits for the sign-in mail to email and returns its link's path.
func (s *consoleSite) linkFor(email string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := s.outbox.List(s.t.Context())
		if err != nil {
			s.t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Email != nil && m.Email.To == email {
				if l := signInLink.FindStringSubmatch(m.Email.Text); l != nil {
					// The mail is used: the next link to email is a new one.
					var ids []string
					for _, m := range msgs {
						if m.Email != nil && m.Email.To == email {
							ids = append(ids, m.ID)
						}
					}
					if _, err := s.store.DeleteOutbox(s.t.Context(), ids); err != nil {
						s.t.Fatal(err)
					}
					return l[1]
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("no sign-in mail to %s", email)
	return ""
}

// signIn signs the browser in as email through the link by mail.
func (b *browser) signIn(email string) {
	t := b.site.t
	t.Helper()
	b.get("/console/login") // the form's pre-session token
	if p := b.post("/console/login", url.Values{"email": {email}}); p.status != 200 {
		t.Fatalf("asking for a link: %d %s", p.status, p.body)
	}
	link := b.site.linkFor(email)
	if p := b.get(link); p.status != 200 || !strings.Contains(p.body, `<button type="submit">Sign in</button>`) {
		t.Fatalf("the link's page: %d %s", p.status, p.body)
	}
	p := b.post(link, url.Values{})
	if p.status != 303 || p.location != "/console/" {
		t.Fatalf("signing in: %d to %q: %s", p.status, p.location, p.body)
	}
	b.get("/console/") // for the CSRF token
}

// api calls the JSON API with the browser's session, as the console's own
// pages could: the CSRF token goes in X-CSRF-Token.
func (b *browser) api(method, path, body string) page {
	b.site.t.Helper()
	req := httptest.NewRequest(method, publicURL+path, strings.NewReader(body))
	req.RequestURI = ""
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-CSRF-Token", b.csrf)
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.site.app.Test(req, -1)
	if err != nil {
		b.site.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(raw), header: resp.Header}
}

// upload posts a multipart form with one file, as the browser sends the
// photo form.
func (b *browser) upload(path, field, filename string, data []byte) page {
	b.site.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		b.site.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", publicURL+path, &buf)
	req.RequestURI = ""
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.site.app.Test(req, -1)
	if err != nil {
		b.site.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}
}
