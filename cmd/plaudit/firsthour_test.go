package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestListeningOnlyAfterTheBind: with the port taken, the start fails
// naming PLAUDIT_ADDR and never says "listening" (it did, then failed).
func TestListeningOnlyAfterTheBind(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := map[string]string{"PLAUDIT_ADDR": taken.Addr().String(), "PLAUDIT_DATA_DIR": t.TempDir()}
	var stdout, stderr syncBuffer
	code := run(t.Context(), []string{"serve"}, envOf(env), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "PLAUDIT_ADDR") || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("port in use: exit %d, %q; want 1 naming PLAUDIT_ADDR", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "listening") {
		t.Errorf("said listening on a port it could not bind:\n%s", stderr.String())
	}

	// Started normally, "listening" comes after the workers started, and
	// by then the API answers.
	g := startGateway(t, "serve", nil)
	logs := g.Logs.String()
	if l, w := strings.Index(logs, "msg=listening"), strings.Index(logs, "msg=\"workers started\""); l < 0 || w < 0 || l < w {
		t.Errorf("listening at %d, workers started at %d; want listening after:\n%s", l, w, logs)
	}
	resp, err := http.Get(g.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("after listening: %v", err)
	} else {
		resp.Body.Close()
	}
}

// TestPublicURLFollowsTheAddress: PLAUDIT_ADDR alone moves every link and
// webhook URL to its port; PLAUDIT_PUBLIC_URL still wins.
func TestPublicURLFollowsTheAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://localhost:8080",
		":8092":          "http://localhost:8092",
		"0.0.0.0:8092":   "http://localhost:8092",
		"[::]:8092":      "http://localhost:8092",
		"127.0.0.1:9000": "http://127.0.0.1:9000",
		"[::1]:9000":     "http://[::1]:9000",
	} {
		cfg, err := LoadConfig(envOf(map[string]string{"PLAUDIT_ADDR": addr}))
		if err != nil || cfg.PublicURL != want {
			t.Errorf("PLAUDIT_ADDR=%q: public URL %q, %v; want %s", addr, cfg.PublicURL, err, want)
		}
	}
	cfg, _ := LoadConfig(envOf(map[string]string{"PLAUDIT_ADDR": ":8092", "PLAUDIT_PUBLIC_URL": "https://feedback.example/"}))
	if cfg.PublicURL != "https://feedback.example" {
		t.Errorf("with PLAUDIT_PUBLIC_URL set: %q", cfg.PublicURL)
	}

	// The connector's webhook_url, as an admin pastes it into the helpdesk.
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	g := startGatewayAt(t, "serve", map[string]string{"PLAUDIT_ADDR": ":" + port, "PLAUDIT_DATA_DIR": t.TempDir(),
		"PLAUDIT_ADMIN_TOKEN": operatorToken})
	g.URL = "http://127.0.0.1:" + port
	key := str(g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{"name": "Local"})["api_key"])
	con := g.must(201, "POST", "/api/v1/connectors", key, map[string]any{"kind": "zendesk", "name": "Zendesk",
		"config": map[string]any{"subdomain": "acme", "email": "a@acme.example", "api_token": "t", "signing_secret": "s"}})
	if u := str(con["webhook_url"]); !strings.HasPrefix(u, "http://localhost:"+port+"/hooks/") {
		t.Errorf("webhook_url %s, want one on port %s", u, port)
	}
}

// TestRestartSaysWhereTheTokenIs: the generated operator token is printed
// once; a restart without PLAUDIT_ADMIN_TOKEN says where its hash is kept
// and how to get a new one.
func TestRestartSaysWhereTheTokenIs(t *testing.T) {
	env := map[string]string{"PLAUDIT_ADDR": freeAddr(t), "PLAUDIT_DATA_DIR": t.TempDir()}
	g := startGatewayAt(t, "serve", env)
	if !strings.Contains(g.Stdout.String(), "pat_") {
		t.Fatalf("first start printed no token: %s", g.Stdout.String())
	}
	g.Stop()
	g = restartGateway(t, g)
	out := g.Stdout.String()
	if strings.Contains(out, "pat_") || !strings.Contains(out, "admin-token.sha256") || !strings.Contains(out, "delete that file") ||
		!strings.Contains(out, "PLAUDIT_ADMIN_TOKEN") {
		t.Errorf("restart says %q; want where the token's hash is and how to reset it", out)
	}
}

// TestHealthcheck: `plaudit healthcheck`, the image's health check, exits
// 0 while the gateway on PLAUDIT_ADDR answers /readyz, and 1 when nothing
// listens there.
func TestHealthcheck(t *testing.T) {
	g := startGateway(t, "serve", nil)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(g.URL, "http://"))
	var out, errOut syncBuffer
	if code := run(t.Context(), []string{"healthcheck"}, envOf(map[string]string{"PLAUDIT_ADDR": ":" + port}), &out, &errOut); code != 0 {
		t.Errorf("healthcheck of a ready gateway: exit %d, %s", code, errOut.String())
	}
	g.Stop()
	if code := run(t.Context(), []string{"healthcheck"}, envOf(map[string]string{"PLAUDIT_ADDR": ":" + port}), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "/readyz") {
		t.Errorf("healthcheck with nothing listening: exit %d, %s", code, errOut.String())
	}
}
