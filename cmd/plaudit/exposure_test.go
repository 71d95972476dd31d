package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

// envOf serves a fixed environment to LoadConfig and run.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startRefused runs `plaudit serve` with env and returns its exit code and
// what it printed on stderr: a refused start never opens anything.
func startRefused(t *testing.T, env map[string]string) (int, string) {
	t.Helper()
	env["PLAUDIT_DATA_DIR"] = t.TempDir()
	env["PLAUDIT_ADDR"] = freeAddr(t)
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // should it start after all, it stops at once
	return run(ctx, []string{"serve"}, envOf(env), &stdout, &stderr), stderr.String()
}

func TestShortOperatorTokenIsRefusedAtStart(t *testing.T) {
	for _, tok := range []string{"op", "op-secret", strings.Repeat("x", MinAdminTokenLength-1), "ääääääääääääääääääääää"} {
		code, stderr := startRefused(t, map[string]string{"PLAUDIT_ADMIN_TOKEN": tok})
		if code != 1 || !strings.Contains(stderr, "PLAUDIT_ADMIN_TOKEN must be at least 24 characters") {
			t.Errorf("PLAUDIT_ADMIN_TOKEN of %d characters: exit %d, %q; want 1 and a message naming the variable", len([]rune(tok)), code, stderr)
		}
		if len(tok) > 4 && strings.Contains(stderr, tok) {
			t.Errorf("the refusal quotes the token: %q", stderr)
		}
	}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(envOf(map[string]string{"PLAUDIT_ADMIN_TOKEN_FILE": file})); err == nil || !strings.Contains(err.Error(), "PLAUDIT_ADMIN_TOKEN") {
		t.Errorf("a short token from PLAUDIT_ADMIN_TOKEN_FILE: err = %v, want a refusal naming the variable", err)
	}
	for _, tok := range []string{strings.Repeat("x", MinAdminTokenLength), operatorToken} {
		if _, err := LoadConfig(envOf(map[string]string{"PLAUDIT_ADMIN_TOKEN": tok})); err != nil {
			t.Errorf("a token of %d characters: %v", len(tok), err)
		}
	}
}

// TestQuickStartWithoutConfiguration: `go run ./cmd/plaudit` with nothing
// set still starts, prints a generated operator token that is long
// enough, and shows the outbox to the machine it runs on.
func TestQuickStartWithoutConfiguration(t *testing.T) {
	addr := freeAddr(t)
	g := startGatewayAt(t, "serve", map[string]string{"PLAUDIT_ADDR": addr, "PLAUDIT_DATA_DIR": t.TempDir()})
	var tok string
	for _, f := range strings.Fields(g.Stdout.String()) {
		if strings.HasPrefix(f, "pat_") {
			tok = f
		}
	}
	if len(tok) < MinAdminTokenLength {
		t.Fatalf("generated operator token %q: want one of at least %d characters printed", tok, MinAdminTokenLength)
	}
	g.must(201, "POST", "/api/v1/tenants", tok, map[string]any{"name": "Local"})
	if r := g.do("GET", "/dev/outbox", "", nil, nil); r.Status != 200 {
		t.Errorf("/dev/outbox from this machine on embedded defaults: %d, want 200", r.Status)
	}
}

func TestInboundDomainWithoutTokenIsRefusedOutsideEmbeddedDefaults(t *testing.T) {
	mr := miniredis.RunT(t)
	domain := map[string]string{"PLAUDIT_INBOUND_EMAIL_DOMAIN": "reply.example.com", "PLAUDIT_ADMIN_TOKEN": operatorToken}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for k, v := range domain {
			m[k] = v
		}
		return m
	}
	for name, env := range map[string]map[string]string{
		"REDIS_URL":        with("REDIS_URL", "redis://"+mr.Addr()),
		"DATABASE_URL":     with("DATABASE_URL", "postgres://plaudit@db.example/plaudit"),
		"SENDGRID_API_KEY": with("SENDGRID_API_KEY", "SG.key"),
		"SMTP_URL":         with("SMTP_URL", "smtp://mail.example:587"),
	} {
		code, stderr := startRefused(t, env)
		if code != 1 || !strings.Contains(stderr, "PLAUDIT_INBOUND_EMAIL_DOMAIN is set without SENDGRID_INBOUND_TOKEN") {
			t.Errorf("with %s: exit %d, %q; want 1 and a message naming both variables", name, code, stderr)
		}
	}
	if _, err := LoadConfig(envOf(with("SENDGRID_INBOUND_TOKEN", "parse-token"))); err != nil {
		t.Errorf("domain and token: %v", err)
	}
	env := with("SENDGRID_API_KEY", "SG.key")
	env["SENDGRID_INBOUND_TOKEN"] = "parse-token"
	if _, err := LoadConfig(envOf(env)); err != nil {
		t.Errorf("domain and token with SendGrid: %v", err)
	}
	// On embedded defaults (a laptop, nothing configured) it starts, and
	// says that the endpoint is open.
	g := startGateway(t, "serve", map[string]string{"PLAUDIT_INBOUND_EMAIL_DOMAIN": "reply.localhost"})
	if !strings.Contains(g.Logs.String(), "SENDGRID_INBOUND_TOKEN") {
		t.Errorf("no warning about the open Inbound Parse endpoint:\n%s", g.Logs.String())
	}
}

func TestOutboxSwitch(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, true},
		{map[string]string{"REDIS_URL": "redis://127.0.0.1:6379"}, false},
		{map[string]string{"DATABASE_URL": "postgres://db.example/plaudit"}, false},
		{map[string]string{"SENDGRID_API_KEY": "SG.key"}, false},
		{map[string]string{"PLAUDIT_OUTBOX": "false"}, false},
		{map[string]string{"DATABASE_URL": "postgres://db.example/plaudit", "PLAUDIT_OUTBOX": "true"}, true},
	} {
		cfg, err := LoadConfig(envOf(c.env))
		if err != nil || cfg.Outbox != c.want {
			t.Errorf("%v: outbox %v, %v; want %v", c.env, cfg.Outbox, err, c.want)
		}
	}
	if _, err := LoadConfig(envOf(map[string]string{"PLAUDIT_OUTBOX": "sometimes"})); err == nil || !strings.Contains(err.Error(), "PLAUDIT_OUTBOX") {
		t.Errorf("PLAUDIT_OUTBOX=sometimes: %v, want an error naming the variable", err)
	}
}

// TestOutboxPageOnlyWhenOnAndLocal: /dev/outbox lists every tenant's
// recipients and live links. It exists only while the outbox is on, and
// answers a request that a proxy forwarded (a reverse proxy on this host
// connects from loopback) only with the operator token.
func TestOutboxPageOnlyWhenOnAndLocal(t *testing.T) {
	mr := miniredis.RunT(t)
	// Production shape without any provider: the outbox is off by default.
	g := startGateway(t, "serve", map[string]string{"REDIS_URL": "redis://" + mr.Addr()})
	if r := g.do("GET", "/dev/outbox", "", nil, nil); r.Status != 404 {
		t.Errorf("/dev/outbox with REDIS_URL and PLAUDIT_OUTBOX unset: %d, want 404", r.Status)
	}
	g.Stop()
	g = startGateway(t, "serve", map[string]string{"PLAUDIT_OUTBOX": "false"})
	if r := g.do("GET", "/dev/outbox", "", nil, nil); r.Status != 404 {
		t.Errorf("/dev/outbox with PLAUDIT_OUTBOX=false: %d, want 404", r.Status)
	}
	g.Stop()

	g = startGateway(t, "serve", map[string]string{"REDIS_URL": "redis://" + mr.Addr(), "PLAUDIT_OUTBOX": "true"})
	if r := g.do("GET", "/dev/outbox", "", nil, nil); r.Status != 200 {
		t.Errorf("/dev/outbox from loopback with PLAUDIT_OUTBOX=true: %d, want 200", r.Status)
	}
	proxied := map[string]string{"X-Forwarded-For": "203.0.113.9"}
	if r := g.do("GET", "/dev/outbox", "", nil, proxied); r.Status != 401 {
		t.Errorf("/dev/outbox through a proxy without the operator token: %d, want 401", r.Status)
	}
	if r := g.do("GET", "/dev/outbox/ob_any", "", nil, proxied); r.Status != 401 {
		t.Errorf("/dev/outbox/{id} through a proxy without the operator token: %d, want 401", r.Status)
	}
	if r := g.do("GET", "/dev/outbox", operatorToken, nil, proxied); r.Status != 200 {
		t.Errorf("/dev/outbox through a proxy with the operator token: %d, want 200", r.Status)
	}
}
