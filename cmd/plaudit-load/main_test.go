package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/internal/testenv"
)

// TestFlagsKeepTheLoadLocalAndBounded: the tool fills queues and flushes
// databases, so it refuses anything but this machine, and bounds a run.
func TestFlagsKeepTheLoadLocalAndBounded(t *testing.T) {
	local := "redis://127.0.0.1:6379/9"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no redis", nil, "-redis-url is required"},
		{"remote redis", []string{"-redis-url", "redis://10.1.2.3:6379/9"}, "not a loopback address"},
		{"remote redis by name", []string{"-redis-url", "redis://redis.example.com:6379/9"}, "not a loopback address"},
		{"remote sentinel", []string{"-redis-url", "redis-sentinel://127.0.0.1:26379,10.0.0.2:26379?master=m"}, "not a loopback address"},
		{"remote postgres", []string{"-redis-url", local, "-database-url", "postgres://u@db.example.com:5432/x"}, "not a loopback address"},
		{"other database", []string{"-redis-url", local, "-database-url", "mysql://127.0.0.1/x"}, "-database-url must be"},
		{"long phase", []string{"-redis-url", local, "-duration", "10m"}, "-duration must be"},
		{"many clients", []string{"-redis-url", local, "-clients", "100000"}, "-clients must be"},
		{"many requests", []string{"-redis-url", local, "-requests", "50000000"}, "-requests must be"},
		{"long e2e", []string{"-redis-url", local, "-mode", "e2e", "-timeout", "1h"}, "-timeout must be"},
		{"unknown mode", []string{"-redis-url", local, "-mode", "soak"}, "-mode must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := parseFlags(tc.args, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseFlags(%q) = %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
	for _, ok := range [][]string{
		{"-redis-url", local},
		{"-redis-url", "redis://localhost:6379/3", "-database-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
		{"-redis-url", local, "-database-url", "postgres://postgres@/test?host=/var/run/postgresql"},
		{"-redis-url", "redis-cluster://127.0.0.1:7000,127.0.0.1:7001", "-mode", "e2e"},
	} {
		if _, err := parseFlags(ok, &bytes.Buffer{}); err != nil {
			t.Errorf("parseFlags(%q): %v", ok, err)
		}
	}
}

// TestHelpDocumentsTheFlags: -h names the modes and every flag.
func TestHelpDocumentsTheFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h exited %d", code)
	}
	for _, want := range []string{"ingest", "e2e", "console", "-redis-url", "-database-url", "-flush", "-clients", "-duration",
		"-requests", "-rounds", "-interactions", "-rate", "-cpuprofile", "-pg-temp-schema", "-concurrency", "-limiter"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h does not mention %s", want)
		}
	}
}

// result reads the key=value pairs of the RESULT line.
func result(t *testing.T, out string) map[string]string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			m := map[string]string{}
			for _, f := range strings.Fields(rest) {
				k, v, _ := strings.Cut(f, "=")
				m[k] = v
			}
			return m
		}
	}
	t.Fatalf("no RESULT line in:\n%s", out)
	return nil
}

func atoi(t *testing.T, m map[string]string, k string) int {
	t.Helper()
	n, err := strconv.Atoi(m[k])
	if err != nil {
		t.Fatalf("%s=%q is not a number", k, m[k])
	}
	return n
}

// TestIngestCountsEveryRequest drives both servers with a fixed number of
// requests on real Redis and SQLite: every one is accepted, none fails.
func TestIngestCountsEveryRequest(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-redis-url", redisURL, "-flush", "-clients", "8", "-requests", "120",
		"-duration", "30s", "-warmup", "0"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	r := result(t, stdout.String())
	if r["store"] != "sqlite" {
		t.Errorf("store = %s, want sqlite", r["store"])
	}
	for _, k := range []string{"baseline_requests", "gateway_requests"} {
		if n := atoi(t, r, k); n != 120 {
			t.Errorf("%s = %d, want 120", k, n)
		}
	}
	for _, k := range []string{"baseline_errors", "gateway_errors"} {
		if n := atoi(t, r, k); n != 0 {
			t.Errorf("%s = %d, want 0", k, n)
		}
	}
}

// TestE2ESendsOneEmailPerWebhook runs the whole path on real Redis and
// PostgreSQL: each of the webhooks becomes one email accepted by the fake
// SendGrid, and the ceiling runs its two tasks per interaction.
func TestE2ESendsOneEmailPerWebhook(t *testing.T) {
	redisURL, dbURL := testenv.RedisURL(t), testenv.DatabaseURL(t)
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-mode", "e2e", "-redis-url", redisURL, "-flush", "-database-url", dbURL,
		"-pg-temp-schema=false", "-clients", "8", "-interactions", "40", "-timeout", "60s"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	r := result(t, stdout.String())
	if r["store"] != "postgres" || r["timed_out"] != "false" {
		t.Errorf("store %s, timed_out %s", r["store"], r["timed_out"])
	}
	for _, k := range []string{"ceiling_done", "gateway_done"} {
		if n := atoi(t, r, k); n != 40 {
			t.Errorf("%s = %d, want 40", k, n)
		}
	}
}

// TestRefusesABusyRedisDatabase: without -flush, a database that holds
// keys is someone else's.
func TestRefusesABusyRedisDatabase(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	var stdout, stderr bytes.Buffer
	// The first run leaves its tasks queued (no -flush).
	if code := run(t.Context(), []string{"-redis-url", redisURL, "-clients", "2", "-requests", "5", "-warmup", "0"}, &stdout, &stderr); code != 0 {
		t.Fatalf("first run exited %d: %s", code, stderr.String())
	}
	stderr.Reset()
	code := run(t.Context(), []string{"-redis-url", redisURL, "-clients", "2", "-requests", "5", "-warmup", "0"}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "-flush") {
		t.Fatalf("second run on a used database: exit %d, stderr %q", code, stderr.String())
	}
}

// TestConsoleModeFetchesEveryPage generates a small history in PostgreSQL
// and fetches every console page of the mode through the real server:
// each answers 200 with a whole page, and each is reported.
func TestConsoleModeFetchesEveryPage(t *testing.T) {
	db := testenv.DatabaseURL(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-mode", "console", "-database-url", db, "-responses", "3000", "-agents", "40",
		"-teams", "4", "-days", "62", "-runs", "2"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr.String(), stdout.String())
	}
	m := result(t, stdout.String())
	if m["mode"] != "console" || atoi(t, m, "responses") != 3000 {
		t.Fatalf("RESULT %v", m)
	}
	for i := range 10 {
		if _, ok := m["q"+strconv.Itoa(i)+"_p95_ms"]; !ok {
			t.Errorf("page %d is not reported: %v", i, m)
		}
	}
	if !strings.Contains(stdout.String(), "the 200.00ms budget") {
		t.Errorf("no verdict against the budget:\n%s", stdout.String())
	}
}
