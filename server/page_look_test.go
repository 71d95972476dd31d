package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/server"
)

// pageGet fetches target from s as a browser would, with header.
func pageGet(t *testing.T, s *server.Server, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	resp, err := s.App().Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// visibleText is what a browser without scripts or styles shows of page:
// the text between the tags, without attributes.
func visibleText(page string) string {
	return regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
}

// TestPageShowsTheBrandColourUnderItsCSP: the brand colour is in a style
// element that the page's own Content-Security-Policy allows (by its
// nonce), not in a style attribute that it blocks.
func TestPageShowsTheBrandColourUnderItsCSP(t *testing.T) {
	st, tn, sent := callbackStore(t)
	tn.Settings.BrandColor = "#c2185b"
	if err := st.UpdateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	req := sent("T1", plaudit.ChannelEmail, "ada@example.org", "sg-1")
	s := server.New(server.Config{Store: st, Log: slog.New(slog.DiscardHandler), PublicURL: "https://fb.example"})
	var nonces []string
	for range 2 {
		resp, page := pageGet(t, s, "/f/"+req.Token, nil)
		m := regexp.MustCompile(`style-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'`).FindStringSubmatch(resp.Header.Get("Content-Security-Policy"))
		if m == nil {
			t.Fatalf("CSP %q allows no style element", resp.Header.Get("Content-Security-Policy"))
		}
		if !strings.Contains(page, `<style nonce="`+m[1]+`">.card { border-top-color: #c2185b; }</style>`) {
			t.Errorf("the brand colour is not in a style element with the CSP's nonce:\n%s", page)
		}
		if strings.Contains(page, ` style="`) {
			t.Errorf("an inline style attribute, which the CSP blocks:\n%s", page)
		}
		nonces = append(nonces, m[1])
	}
	if nonces[0] == nonces[1] {
		t.Error("the nonce is the same on every page")
	}
}

// TestUnknownLinkPage: a link that does not exist answers in the visitor's
// language, and names no company ("on behalf of The company").
func TestUnknownLinkPage(t *testing.T) {
	st, _, _ := callbackStore(t)
	s := server.New(server.Config{Store: st, Log: slog.New(slog.DiscardHandler), PublicURL: "https://fb.example"})
	for accept, want := range map[string]string{
		"de-AT,de;q=0.9,en;q=0.5": "Link nicht gefunden",
		"ja-JP,ja;q=0.9,de;q=0.8": "Link nicht gefunden",
		"fr-FR,fr;q=0.9,de;q=0.8": "Lien introuvable",
		"ja":                      "Link not found",
		"":                        "Link not found",
	} {
		resp, page := pageGet(t, s, "/f/no-such-token-at-all", map[string]string{"Accept-Language": accept})
		if resp.StatusCode != 404 || !strings.Contains(page, want) {
			t.Errorf("Accept-Language %q: %d, want 404 with %q:\n%s", accept, resp.StatusCode, want, page)
		}
		for _, bad := range []string{"The company", "on behalf of", "im Auftrag"} {
			if strings.Contains(page, bad) {
				t.Errorf("Accept-Language %q: the page says %q", accept, bad)
			}
		}
	}
}

// TestBrokenPhotoShowsInitials: a photo that cannot be fetched is
// answered with the agent's initials, not a broken image.
func TestBrokenPhotoShowsInitials(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	defer gone.Close()
	st, tn, sent := callbackStore(t)
	ctx := context.Background()
	agents, err := st.ListAgents(ctx, tn.ID)
	if err != nil || len(agents) != 1 {
		t.Fatal(agents, err)
	}
	a := agents[0]
	a.Name, a.PhotoURL = "Jonas van der Weber", gone.URL+"/jonas.jpg"
	if err := st.UpdateAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	req := sent("T1", plaudit.ChannelEmail, "ada@example.org", "sg-1")
	s := server.New(server.Config{Store: st, Log: slog.New(slog.DiscardHandler), PublicURL: "https://fb.example",
		DriverDeps: plaudit.DriverDeps{HTTP: &http.Client{Timeout: 2 * time.Second}}})
	_, page := pageGet(t, s, "/f/"+req.Token, nil)
	if !strings.Contains(page, `src="/f/`+req.Token+`/photo"`) {
		t.Fatalf("the page shows no photo:\n%s", page)
	}
	resp, svg := pageGet(t, s, "/f/"+req.Token+"/photo", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, ">JW</text>") {
		t.Errorf("broken photo: %d %s %s, want the initials JW", resp.StatusCode, resp.Header.Get("Content-Type"), svg)
	}
}

// TestOneClickWithoutScripts: without scripts nothing saves a one-click
// score until the button is pressed, and the page says so rather than
// "Saving your rating…".
func TestOneClickWithoutScripts(t *testing.T) {
	st, _, sent := callbackStore(t)
	req := sent("T1", plaudit.ChannelEmail, "ada@example.org", "sg-1")
	s := server.New(server.Config{Store: st, Log: slog.New(slog.DiscardHandler), PublicURL: "https://fb.example"})
	_, page := pageGet(t, s, "/f/"+req.Token+"?score=4", nil)
	text := visibleText(page)
	if strings.Contains(text, "Saving") || !strings.Contains(text, "You chose 4. Tap “Send rating” to save it.") {
		t.Errorf("the page without scripts says:\n%s", text)
	}
}

// TestRewardOfferTurnsOff: after a score at the threshold the follow-up
// offers the reward; reward_threshold 6, as the docs say, turns it off.
func TestRewardOfferTurnsOff(t *testing.T) {
	st, tn, sent := callbackStore(t)
	s := server.New(server.Config{Store: st, Log: slog.New(slog.DiscardHandler), PublicURL: "https://fb.example"})
	offered := func(threshold int) bool {
		tn.Settings.RewardThreshold = threshold
		if err := tn.Settings.Validate(); err != nil {
			t.Fatalf("reward_threshold %d: %v", threshold, err)
		}
		if err := st.UpdateTenant(context.Background(), tn); err != nil {
			t.Fatal(err)
		}
		req := sent("T"+strconv.Itoa(threshold), plaudit.ChannelEmail, "ada@example.org", "sg-"+strconv.Itoa(threshold))
		r := httptest.NewRequest("POST", "/f/"+req.Token, strings.NewReader("score=5"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, err := s.App().Test(r, -1); err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("score: %v %v", resp, err)
		}
		_, page := pageGet(t, s, "/f/"+req.Token, nil)
		return strings.Contains(page, `name="reward"`)
	}
	if !offered(4) {
		t.Error("a 5 with reward_threshold 4: no reward offered")
	}
	if offered(6) {
		t.Error("reward_threshold 6 still offers the reward")
	}
}
