package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/outbox"
	"github.com/plaudit/plaudit/server"
	"github.com/plaudit/plaudit/store"
)

// get sends a GET to the harness's server, from loopback when live (a
// real connection) or, through app.Test, from another host (0.0.0.0).
func (h *apiHarness) get(path string, live bool, header map[string]string) (int, string) {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, publicURL+path, nil)
	req.RequestURI = ""
	for k, v := range header {
		req.Header.Set(k, v)
	}
	var resp *http.Response
	var err error
	if live {
		resp, err = h.overTCP(req)
	} else {
		resp, err = h.app.Test(req, -1)
	}
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func bearerOf(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok}
}

// TestMetricsAnswerLoopbackOrToken: /metrics is for the operator's
// scraper: this host, or another one that has PLAUDIT_METRICS_TOKEN.
func TestMetricsAnswerLoopbackOrToken(t *testing.T) {
	h := newAPIHarness(t)
	proxied := map[string]string{"X-Forwarded-For": "203.0.113.9"}
	for _, c := range []struct {
		name   string
		live   bool
		header map[string]string
		want   int
	}{
		{"from another host", false, nil, 401},
		{"from another host, operator token", false, bearerOf(operatorToken), 401},
		{"from another host, wrong token", false, bearerOf("metrics-scrape-tokem"), 401},
		{"from another host, metrics token", false, bearerOf(metricsToken), 200},
		{"from loopback", true, nil, 200},
		{"through a proxy on this host", true, proxied, 401},
	} {
		if got, body := h.get("/metrics", c.live, c.header); got != c.want {
			t.Errorf("/metrics %s: %d, want %d: %.200s", c.name, got, c.want, body)
		}
	}
	// Without PLAUDIT_METRICS_TOKEN only this host is answered.
	h = newAPIHarness(t, func(c *server.Config) { c.MetricsTokenHash = nil })
	if got, _ := h.get("/metrics", false, bearerOf("")); got != 401 {
		t.Errorf("/metrics from another host, no token configured: %d, want 401", got)
	}
	if got, _ := h.get("/metrics", true, nil); got != 200 {
		t.Errorf("/metrics from loopback, no token configured: %d, want 200", got)
	}
}

// TestOutboxPageAnswersLoopbackOrOperator: /dev/outbox lists every
// tenant's recipients and live page links.
func TestOutboxPageAnswersLoopbackOrOperator(t *testing.T) {
	var box *outbox.Outbox
	h := newAPIHarness(t, func(c *server.Config) {
		box = outbox.New(c.Store.(*store.Store), 10, nil, publicURL+"/dev/outbox")
		c.Outbox, c.OutboxPage = box, true
	})
	id, err := box.SendEmail(context.Background(), notify.Email{To: "anna.schneider@example.org", Subject: "How did we do?", HTML: "<p>hi</p>"})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/outbox", "/dev/outbox/" + id} {
		if got, body := h.get(path, false, nil); got != 401 || strings.Contains(body, "anna") {
			t.Errorf("%s from another host: %d, want 401 without the message", path, got)
		}
		if got, _ := h.get(path, false, bearerOf(metricsToken)); got != 401 {
			t.Errorf("%s from another host with the metrics token: %d, want 401", path, got)
		}
		if got, _ := h.get(path, false, bearerOf(operatorToken)); got != 200 {
			t.Errorf("%s from another host with the operator token: %d, want 200", path, got)
		}
		if got, _ := h.get(path, true, nil); got != 200 {
			t.Errorf("%s from loopback: %d, want 200", path, got)
		}
		if got, _ := h.get(path, true, map[string]string{"Forwarded": "for=203.0.113.9"}); got != 401 {
			t.Errorf("%s through a proxy on this host: %d, want 401", path, got)
		}
	}
	h = newAPIHarness(t, func(c *server.Config) { c.Outbox, c.OutboxPage = box, false })
	if got, _ := h.get("/dev/outbox", true, nil); got != 404 {
		t.Errorf("/dev/outbox with the outbox off: %d, want 404", got)
	}
}
