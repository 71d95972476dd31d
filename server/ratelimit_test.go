package server

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/ratelimit"
	"github.com/plaudit/plaudit/store"
)

func TestPublicEndpointsAreRateLimited(t *testing.T) {
	ctx := context.Background()
	kr, _ := keyring.New(keyring.RandomBytes(32), nil)
	st, err := store.Open(ctx, "", t.TempDir(), kr)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	s := New(Config{
		Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RateLimiter: ratelimit.New(rdb, "rl:", []byte("test secret")),
		Limits:      Limits{PagePerClient: 3, HookPerConnector: 2, ProviderHooks: 100},
	})
	status := func(method, path string) (int, string) {
		resp, err := s.App().Test(httptest.NewRequest(method, path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for i := 0; i < 3; i++ {
		if code, _ := status("GET", "/f/guess-"+string(rune('a'+i))); code != 404 {
			t.Fatalf("page view %d: %d, want 404", i+1, code)
		}
	}
	code, retry := status("GET", "/f/guess-d")
	if code != 429 || retry == "" {
		t.Fatalf("4th page view in a minute: %d (Retry-After %q), want 429 with Retry-After", code, retry)
	}
	// Hooks count per connector, apart from the page's budget.
	for i := 0; i < 2; i++ {
		if code, _ := status("POST", "/hooks/con_x"); code != 404 {
			t.Fatalf("hook %d: %d, want 404 (unknown connector)", i+1, code)
		}
	}
	if code, _ := status("POST", "/hooks/con_x"); code != 429 {
		t.Errorf("3rd delivery to one connector: %d, want 429", code)
	}
	if code, _ := status("POST", "/hooks/con_y"); code != 404 {
		t.Errorf("another connector was limited by the first one's count: %d", code)
	}
}
