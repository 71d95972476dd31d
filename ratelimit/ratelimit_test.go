package ratelimit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/internal/testenv"
)

func backends(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient, advance func(time.Duration))) {
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		defer rdb.Close()
		f(t, rdb, mr.FastForward)
	})
	t.Run("redis", func(t *testing.T) {
		opt, err := redis.ParseURL(testenv.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		f(t, rdb, func(d time.Duration) { time.Sleep(d) })
	})
}

func TestLimitHoldsPerKeyAndResetsWithTheWindow(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, advance func(time.Duration)) {
		ctx := context.Background()
		// Two limiters on one Redis stand for two api replicas.
		a, b := New(rdb, "rl:", []byte("test secret")), New(rdb, "rl:", []byte("test secret"))
		for i := 0; i < 5; i++ {
			l := a
			if i%2 == 1 {
				l = b
			}
			ok, _, err := l.Allow(ctx, "hooks", "con_1", 5, 300*time.Millisecond)
			if err != nil || !ok {
				t.Fatalf("hit %d refused (%v)", i+1, err)
			}
		}
		ok, retry, err := b.Allow(ctx, "hooks", "con_1", 5, 300*time.Millisecond)
		if err != nil || ok {
			t.Fatalf("hit 6 of a limit of 5 allowed (err %v)", err)
		}
		if retry <= 0 || retry > 300*time.Millisecond {
			t.Errorf("retry after %s, want within the window", retry)
		}
		if ok, _, _ := a.Allow(ctx, "hooks", "con_2", 5, 300*time.Millisecond); !ok {
			t.Error("another key shares the first key's count")
		}
		advance(350 * time.Millisecond)
		if ok, _, _ := a.Allow(ctx, "hooks", "con_1", 5, 300*time.Millisecond); !ok {
			t.Error("the count did not reset after the window")
		}
		keys, _ := rdb.Keys(ctx, "rl:*").Result()
		for _, k := range keys {
			if len(k) > 0 && (strings.Contains(k, "con_1") || strings.Contains(k, "127.0.0.1")) {
				t.Errorf("key %q holds the raw client key", k)
			}
		}
	})
}
