package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/server"
)

// pngOf is a PNG signature followed by mark: enough for the page to take
// it as an image, and to tell two versions apart.
func pngOf(mark string) []byte { return append([]byte("\x89PNG\r\n\x1a\n"), mark...) }

// imageHost serves images whose content a test may change.
type imageHost struct {
	mu   sync.Mutex
	imgs map[string][]byte
}

func (h *imageHost) set(path, mark string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.imgs[path] = pngOf(mark)
}

func (h *imageHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.imgs[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(b)
}

// pageTenant creates a tenant through the API, with settings, and a sent
// request to it by an agent with photo; it returns the admin key and the
// request's page token.
func pageTenant(t *testing.T, h *apiHarness, settings map[string]any, photo string) (admin, token string) {
	t.Helper()
	ctx := context.Background()
	r := h.do(call{method: "POST", path: "/api/v1/tenants", key: operatorToken, json: map[string]any{
		"name": "Nordlicht Reisen", "settings": settings}}, 201)
	var created struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	r.decode(t, &created)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ag := plaudit.Agent{TenantID: created.ID, Email: "jonas@nordlicht.example", Name: "Jonas Weber", Approved: true, PhotoURL: photo}
	must(h.store.CreateAgent(ctx, &ag))
	in := plaudit.Interaction{TenantID: created.ID, Source: "api", DedupKey: "T1", ExternalID: "T1", Event: plaudit.EventSolved}
	_, err := h.store.InsertInteraction(ctx, &in)
	must(err)
	req := plaudit.FeedbackRequest{TenantID: created.ID, InteractionID: in.ID, AgentID: ag.ID, TicketID: "T1",
		Channel: plaudit.ChannelEmail, Recipient: "anna@example.org", Language: "en", Status: plaudit.RequestScheduled,
		DueAt: time.Now().Add(-time.Minute), Token: keyring.Token(24)}
	_, err = h.store.CreateRequest(ctx, &req)
	must(err)
	return created.APIKey, req.Token
}

// image is GET /f/{token}/{which}: the status and the body.
func (h *apiHarness) image(token, which string) (int, []byte) {
	h.t.Helper()
	resp, err := h.app.Test(httptest.NewRequest("GET", "/f/"+token+"/"+which, nil), -1)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// A tenant admin who changes the logo sees the new one on the page at
// once, also when they go back to a URL whose image changed meanwhile.
func TestPageShowsTheLogoOfTheCurrentSettings(t *testing.T) {
	host := &imageHost{imgs: map[string][]byte{}}
	srv := httptest.NewServer(host)
	defer srv.Close()
	host.set("/a.png", "A1")
	host.set("/b.png", "B1")
	h := newAPIHarness(t)
	admin, token := pageTenant(t, h, map[string]any{"logo_url": srv.URL + "/a.png"}, "")
	logo := func(want string) {
		t.Helper()
		if code, body := h.image(token, "logo"); code != 200 || !bytes.Equal(body, pngOf(want)) {
			t.Errorf("logo: %d %q, want %q", code, body, pngOf(want))
		}
	}
	setLogo := func(u string) {
		t.Helper()
		h.do(call{method: "PATCH", path: "/api/v1/tenant", key: admin, json: map[string]any{"settings": map[string]any{"logo_url": u}}}, 200)
	}
	logo("A1")
	host.set("/a.png", "A2")
	setLogo(srv.URL + "/b.png")
	logo("B1")
	setLogo(srv.URL + "/a.png")
	logo("A2")
	// The same URL saved again: the image behind it is fetched afresh.
	host.set("/a.png", "A3")
	setLogo(srv.URL + "/a.png")
	logo("A3")
}

// A photo that cannot be fetched is logged without its URL: the URL is
// the tenant's, and may carry a token or a name.
func TestFailedImageFetchLeavesTheURLOutOfTheLog(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	host := &imageHost{imgs: map[string][]byte{}}
	srv := httptest.NewServer(host)
	defer srv.Close()

	var log bytes.Buffer
	var mu sync.Mutex
	h := newAPIHarness(t, func(c *server.Config) {
		c.Log = slog.New(slog.NewTextHandler(&lockedWriter{w: &log, mu: &mu}, nil))
	})
	for _, photo := range []string{
		"https://" + addr + "/photos/jonas-weber.jpg?sig=s3cr3t", // nothing listens
		srv.URL + "/photos/jonas-weber.jpg?sig=s3cr3t",           // 404
	} {
		_, token := pageTenant(t, h, map[string]any{"logo_url": strings.Replace(photo, "photos", "logos", 1)}, photo)
		// The photo gives way to the agent's initials; the logo to nothing.
		for which, want := range map[string]int{"photo": 200, "logo": 404} {
			if code, _ := h.image(token, which); code != want {
				t.Errorf("%s from %s: status %d, want %d", which, photo, code, want)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(log.String(), "image not fetched"); n != 4 {
		t.Errorf("%d failures logged, want 4:\n%s", n, log.String())
	}
	for _, secret := range []string{"jonas-weber", "s3cr3t", addr, srv.Listener.Addr().String(), "/photos", "/logos"} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("log carries %q:\n%s", secret, log.String())
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
