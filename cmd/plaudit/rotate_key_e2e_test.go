package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/keyring"
)

// TestRotateKey: secrets sealed under key A are re-sealed under key B by
// `plaudit rotate-key` while A is given as the previous key; afterwards the
// gateway runs on B alone (webhooks verify, the tenant's hash key opens),
// and on A alone it can no longer open them.
func TestRotateKey(t *testing.T) {
	runRotateKey(t, map[string]string{})
}

// TestRotateKeyOnPostgres does the same on PostgreSQL.
func TestRotateKeyOnPostgres(t *testing.T) {
	// No provider: the outbox keeps the messages (and its rows are
	// re-sealed too).
	runRotateKey(t, map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "PLAUDIT_OUTBOX": "true"})
}

func runRotateKey(t *testing.T, base map[string]string) {
	keyA, keyB := keyring.GenerateKey(), keyring.GenerateKey()
	idOf := func(k string) string {
		raw, err := keyring.ParseKey(k)
		if err != nil {
			t.Fatal(err)
		}
		kr, err := keyring.New(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return kr.KeyID()
	}
	dataDir := t.TempDir()
	zd := newFakeZendesk(t)
	env := func(extra ...string) map[string]string {
		m := map[string]string{"PLAUDIT_DATA_DIR": dataDir}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	body := fixture(t, "zendesk-trigger.json")
	hook := func(g *gateway, connector string, ticket string) apiResult {
		b := bytes.ReplaceAll(body, []byte(`"73021"`), []byte(`"`+ticket+`"`))
		return g.do("POST", "/hooks/"+connector, "", b, zendeskHeaders(zendeskSecret, b, time.Now()))
	}

	// Key A: a tenant and a Zendesk connector with secrets.
	g := startGateway(t, "serve", env("PLAUDIT_SECRET_KEY", keyA))
	tenant := g.must(201, "POST", "/api/v1/tenants", operatorToken, map[string]any{"name": "Nordlicht Reisen"})
	key := str(tenant["api_key"])
	con := g.must(201, "POST", "/api/v1/connectors", key, map[string]any{
		"kind": "zendesk", "config": map[string]any{"subdomain": "nordlicht", "base_url": zd.URL, "email": "admin@nordlicht.example",
			"api_token": "zd-api-token", "signing_secret": zendeskSecret},
	})
	connector := str(con["id"])
	if r := hook(g, connector, "1001"); r.Status != 202 {
		t.Fatalf("webhook under key A: %d %s", r.Status, r.Body)
	}
	g.Stop()

	run1 := func(env map[string]string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(context.Background(), []string{"rotate-key"}, func(k string) string { return env[k] }, &out, &errs)
		return code, out.String(), errs.String()
	}
	// Without the previous key there is nothing to rotate from.
	if code, _, errs := run1(env("PLAUDIT_SECRET_KEY", keyB)); code == 0 || !strings.Contains(errs, "PLAUDIT_SECRET_KEY_PREVIOUS") {
		t.Errorf("rotate-key without the previous key: exit %d, %q", code, errs)
	}
	code, out, errs := run1(env("PLAUDIT_SECRET_KEY", keyB, "PLAUDIT_SECRET_KEY_PREVIOUS", keyA))
	if code != 0 {
		t.Fatalf("rotate-key: exit %d: %s", code, errs)
	}
	// The tenant's hash key, the connector's secrets, the page key, and the
	// page token of the webhook's request if it was made before the stop.
	var n int
	if _, err := fmt.Sscanf(out, "re-encrypted %d secrets under key "+idOf(keyB), &n); err != nil || n < 3 || n > 4 {
		t.Errorf("rotate-key said %q, want 3 or 4 secrets re-encrypted under key B", out)
	}
	if strings.Contains(out+errs, keyA) || strings.Contains(out+errs, keyB) {
		t.Error("rotate-key printed a key")
	}
	if base["DATABASE_URL"] == "" {
		raw, err := os.ReadFile(filepath.Join(dataDir, "plaudit.db"))
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(filepath.Join(dataDir, "plaudit.db-wal"))
		raw = append(raw, wal...)
		if !bytes.Contains(raw, []byte(idOf(keyB)+":")) {
			t.Fatal("no value sealed under key B in the database file: the check below proves nothing")
		}
		if bytes.Contains(raw, []byte(idOf(keyA)+":")) {
			t.Error("a value sealed under key A is still in the database file")
		}
	}
	// A second run finds nothing left to do.
	if code, out, _ := run1(env("PLAUDIT_SECRET_KEY", keyB, "PLAUDIT_SECRET_KEY_PREVIOUS", keyA)); code != 0 || !strings.Contains(out, "re-encrypted 0 secrets") {
		t.Errorf("second rotate-key: exit %d, %q", code, out)
	}

	// Key B alone: the connector verifies webhooks, the tenant opens.
	g = startGateway(t, "serve", env("PLAUDIT_SECRET_KEY", keyB))
	if r := hook(g, connector, "1002"); r.Status != 202 {
		t.Errorf("webhook under key B alone: %d %s", r.Status, r.Body)
	}
	if r := g.do("POST", "/hooks/"+connector, "", body, zendeskHeaders("wrong-secret", body, time.Now())); r.Status != 401 {
		t.Errorf("a wrong signature under key B: %d, want 401", r.Status)
	}
	g.must(200, "GET", "/api/v1/tenant", key, nil)
	g.Stop()

	// Key A alone: the secrets no longer open, and say so without them.
	g = startGateway(t, "serve", env("PLAUDIT_SECRET_KEY", keyA))
	if r := hook(g, connector, "1003"); r.Status != 500 {
		t.Errorf("webhook under the old key alone: %d %s, want 500", r.Status, r.Body)
	}
	if r := g.do("GET", "/api/v1/tenant", key, nil, nil); r.Status != 500 {
		t.Errorf("tenant under the old key alone: %d %s, want 500", r.Status, r.Body)
	}
	g.Stop()
	logs := g.Logs.String()
	if !strings.Contains(logs, "sealed under unknown key "+idOf(keyB)) {
		t.Errorf("logs do not say which key is missing:\n%s", logs)
	}
	for _, secret := range []string{keyA, keyB, zendeskSecret, "zd-api-token"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs show a secret %q", secret)
		}
	}
}
