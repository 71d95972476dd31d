package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/plaudit/plaudit/internal/testenv"
)

const testSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// triggerEmail makes a tenant that sends at once, an agent and one solved
// interaction to erika@example.com, and returns the tenant's key.
func triggerEmail(t *testing.T, g *gateway) string {
	t.Helper()
	tenant := g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{
		"name": "Local", "settings": map[string]any{"delay_seconds": 0}})
	key := str(tenant["api_key"])
	g.must(201, "POST", "/api/v1/agents", key, map[string]any{"email": "max@example.com", "name": "Max Mustermann"})
	g.must(202, "POST", "/api/v1/interactions", key, map[string]any{"ext_interaction_id": "T-1",
		"customer": map[string]any{"email": "erika@example.com"}, "employee": map[string]any{"email": "max@example.com"}})
	return key
}

// TestNoProviderSkipsVisibly: the production shape without any provider
// and with the outbox off (its default there) sends nothing, and says so
// where the admin looks: the request is skipped with reason no_provider,
// never marked sent. (Before, it was marked sent and the message lost.)
func TestNoProviderSkipsVisibly(t *testing.T) {
	mr := miniredis.RunT(t)
	g := startGateway(t, "serve", map[string]string{"REDIS_URL": "redis://" + mr.Addr()})
	key := triggerEmail(t, g)
	var req map[string]any
	eventually(t, 15*time.Second, "the request decided", func() bool {
		reqs := list(t, g.must(200, "GET", "/api/v1/feedback-requests", key, nil))
		if len(reqs) == 1 && reqs[0]["status"] != "scheduled" && reqs[0]["status"] != "sending" {
			req = reqs[0]
			return true
		}
		return false
	})
	if req["status"] != "skipped" || req["reason"] != "no_provider" {
		t.Errorf("request without a provider: %v (%v), want skipped with reason no_provider", req["status"], req["reason"])
	}
	if !strings.Contains(g.Logs.String(), "no email provider configured") {
		t.Errorf("the start does not say that email requests are skipped:\n%s", g.Logs.String())
	}
}

// TestProductionWithoutProviderRefusesToStart: on PostgreSQL, serve and
// worker with no provider stop at start and say what to set, unless
// PLAUDIT_OUTBOX=true says that keeping messages is meant.
func TestProductionWithoutProviderRefusesToStart(t *testing.T) {
	mr := miniredis.RunT(t)
	env := func() map[string]string {
		return map[string]string{
			"DATABASE_URL": "postgres://plaudit@db.invalid/plaudit", "REDIS_URL": "redis://" + mr.Addr(),
			"PLAUDIT_SECRET_KEY": testSecretKey, "PLAUDIT_ADMIN_TOKEN": operatorToken,
		}
	}
	for _, mode := range []string{"serve", "worker"} {
		e := env()
		e["PLAUDIT_DATA_DIR"], e["PLAUDIT_ADDR"] = t.TempDir(), freeAddr(t)
		var stdout, stderr syncBuffer
		code := run(t.Context(), []string{mode}, envOf(e), &stdout, &stderr)
		msg := stderr.String()
		if code != 1 || !strings.Contains(msg, "PLAUDIT_OUTBOX=true") || !strings.Contains(msg, "SENDGRID_API_KEY") ||
			!strings.Contains(msg, "TWILIO_ACCOUNT_SID") {
			t.Errorf("plaudit %s on PostgreSQL without a provider: exit %d, %q; want 1 and what to set", mode, code, msg)
		}
	}
	for name, extra := range map[string][2]string{
		"PLAUDIT_OUTBOX=true": {"PLAUDIT_OUTBOX", "true"},
		"SendGrid":            {"SENDGRID_API_KEY", "SG.key"},
		"SMTP":                {"SMTP_URL", "smtp://mail.example:587"},
	} {
		e := env()
		e[extra[0]] = extra[1]
		cfg, err := LoadConfig(envOf(e))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkProviders(cfg, "worker"); err != nil {
			t.Errorf("worker with %s: %v, want a start", name, err)
		}
	}
	cfg, _ := LoadConfig(envOf(env()))
	if err := checkProviders(cfg, "api"); err != nil {
		t.Errorf("api (which sends nothing) without a provider: %v, want a start", err)
	}
}

// TestOutboxPreviewLinkFromWorkerWorksOnAPI: with `plaudit api` and
// `plaudit worker` apart and PLAUDIT_OUTBOX=true, the preview link the
// worker logs opens on the api; on SQLite always, on PostgreSQL when
// PLAUDIT_TEST_DATABASE_URL is set.
func TestOutboxPreviewLinkFromWorkerWorksOnAPI(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{
				"REDIS_URL": "redis://" + miniredis.RunT(t).Addr(), "PLAUDIT_OUTBOX": "true",
				"PLAUDIT_SECRET_KEY": testSecretKey, "PLAUDIT_DATA_DIR": t.TempDir(),
			}
			if engine == "postgres" {
				env["DATABASE_URL"] = testenv.DatabaseURL(t)
			}
			api := startGateway(t, "api", env)
			env["PLAUDIT_PUBLIC_URL"] = api.URL
			worker := startGateway(t, "worker", env)
			triggerEmail(t, api)
			var preview string
			eventually(t, 15*time.Second, "the worker's preview link", func() bool {
				m := regexp.MustCompile(`preview=(\S+)`).FindStringSubmatch(worker.Logs.String())
				if m != nil {
					preview = m[1]
				}
				return m != nil
			})
			if !strings.HasPrefix(preview, api.URL+"/dev/outbox/ob_") {
				t.Fatalf("preview link %s, want one on the api's public URL", preview)
			}
			r := api.do("GET", strings.TrimPrefix(preview, api.URL), "", nil, nil)
			if r.Status != 200 || !strings.Contains(string(r.Body), "erika@example.com") {
				t.Errorf("the worker's preview link on the api: %d, want the message", r.Status)
			}
		})
	}
}
