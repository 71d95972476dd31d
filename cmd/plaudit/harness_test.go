package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects the gateway's logs for the assertions on personal
// data.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// operatorToken is the tests' PLAUDIT_ADMIN_TOKEN (at least
// MinAdminTokenLength characters, or the binary refuses to start).
const operatorToken = "operator-secret-for-the-tests"

// gateway is a plaudit process run in this test binary through run(), as
// an operator would start it: configured by environment variables only.
type gateway struct {
	t       *testing.T
	URL     string
	Logs    *syncBuffer
	Stdout  *syncBuffer
	env     map[string]string
	cancel  context.CancelFunc
	done    chan int
	stopped bool
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startGateway runs `plaudit serve` (or another mode) with env on a free
// port and waits until /readyz says ready.
func startGateway(t *testing.T, mode string, env map[string]string) *gateway {
	t.Helper()
	addr := freeAddr(t)
	all := map[string]string{
		"PLAUDIT_ADDR":                 addr,
		"PLAUDIT_PUBLIC_URL":           "http://" + addr,
		"PLAUDIT_DATA_DIR":             t.TempDir(),
		"PLAUDIT_ADMIN_TOKEN":          operatorToken,
		"PLAUDIT_ALLOW_PRIVATE_EGRESS": "true",
	}
	for k, v := range env {
		all[k] = v
	}
	return startGatewayAt(t, mode, all)
}

// startGatewayAt runs plaudit with exactly env (PLAUDIT_ADDR included).
func startGatewayAt(t *testing.T, mode string, env map[string]string) *gateway {
	t.Helper()
	addr := env["PLAUDIT_ADDR"]
	g := &gateway{t: t, URL: "http://" + addr, Logs: &syncBuffer{}, Stdout: &syncBuffer{}, env: env}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel, g.done = cancel, make(chan int, 1)
	go func() {
		g.done <- run(ctx, []string{mode}, func(k string) string { return g.env[k] }, g.Stdout, g.Logs)
	}()
	t.Cleanup(g.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-g.done:
			g.stopped = true
			t.Fatalf("plaudit %s exited with %d before it was ready:\n%s", mode, code, g.Logs.String())
		default:
		}
		if mode == "worker" {
			time.Sleep(300 * time.Millisecond)
			return g
		}
		resp, err := http.Get(g.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("plaudit %s not ready in 20s:\n%s", mode, g.Logs.String())
	return nil
}

// Stop sends the equivalent of SIGTERM and waits for a clean exit.
func (g *gateway) Stop() {
	if g.stopped {
		return
	}
	g.stopped = true
	g.cancel()
	select {
	case code := <-g.done:
		if code != 0 {
			g.t.Errorf("plaudit exited with %d:\n%s", code, g.Logs.String())
		}
	case <-time.After(40 * time.Second):
		g.t.Errorf("plaudit did not stop within 40s of SIGTERM")
	}
}

type apiResult struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r apiResult) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not a JSON object (%d): %s", r.Status, r.Body)
	}
	return m
}

// ErrorCode returns error.code of a JSON error answer.
func (r apiResult) ErrorCode(t *testing.T) string {
	m := r.JSON(t)
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (g *gateway) do(method, path, token string, body any, header map[string]string) apiResult {
	g.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			g.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, g.URL+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apiResult{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// must asserts the status and returns the JSON body.
func (g *gateway) must(status int, method, path, token string, body any) map[string]any {
	g.t.Helper()
	r := g.do(method, path, token, body, nil)
	if r.Status != status {
		g.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(g.t)
}

// zendeskHeaders signs body the way Zendesk does.
func zendeskHeaders(secret string, body []byte, at time.Time) map[string]string {
	ts := at.UTC().Format(time.RFC3339)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write(body)
	return map[string]string{
		"Content-Type":                          "application/json",
		"X-Zendesk-Webhook-Signature-Timestamp": ts,
		"X-Zendesk-Webhook-Signature":           base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}
}

// eventually polls f until it returns true or the time is up.
func eventually(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

func list(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["data"].([]any)
	if !ok {
		t.Fatalf("answer has no data array: %v", m)
	}
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		out = append(out, x.(map[string]any))
	}
	return out
}

func str(v any) string { return fmt.Sprint(v) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// oversized posts a 2 MiB body with Go's HTTP client, which writes the
// whole body before it reads the answer, and reports the status the
// server answers with; a reset connection fails the test.
func oversized(t *testing.T, base, path string) int {
	t.Helper()
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20)))
	if err != nil {
		t.Fatalf("oversized request: %v (want an answer the sender can read)", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func hasEnv(k string) bool { return os.Getenv(k) != "" }

// restartGateway starts a new process on the same data, address and
// configuration as g (which must be stopped), as a restart would.
func restartGateway(t *testing.T, g *gateway) *gateway {
	t.Helper()
	env := map[string]string{}
	for k, v := range g.env {
		env[k] = v
	}
	return startGatewayAt(t, "serve", env)
}
