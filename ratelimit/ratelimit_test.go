package ratelimit

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/queue"
)

// backends runs f on miniredis and, when configured, on a real Redis, a
// Redis Sentinel and a Redis Cluster. prefix is the limiter's key prefix:
// "rl:" where the test has a database of its own, a name of the test's own
// on the shared cluster.
func backends(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient, prefix string, advance func(time.Duration))) {
	sleep := func(d time.Duration) { time.Sleep(d) }
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		defer rdb.Close()
		f(t, rdb, "rl:", mr.FastForward)
	})
	t.Run("redis", func(t *testing.T) {
		opt, err := redis.ParseURL(testenv.RedisURL(t))
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		f(t, rdb, "rl:", sleep)
	})
	t.Run("sentinel", func(t *testing.T) {
		f(t, clientFromURL(t, testenv.SentinelURL(t)), "rl:", sleep)
	})
	t.Run("cluster", func(t *testing.T) {
		raw, name := testenv.ClusterURL(t)
		f(t, clientFromURL(t, raw), "rl:"+name+":", sleep)
	})
}

// clientFromURL builds the limiter's client as plaudit does from
// REDIS_URL: queue.ParseRedisURL, then asynq's MakeRedisClient.
func clientFromURL(t *testing.T, raw string) redis.UniversalClient {
	opt, err := queue.ParseRedisURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		t.Fatalf("%q gives no go-redis client", raw)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// keys lists the keys matching pattern, on every master of a cluster.
func keys(ctx context.Context, t *testing.T, rdb redis.UniversalClient, pattern string) []string {
	var mu sync.Mutex
	var all []string
	scan := func(ctx context.Context, c *redis.Client) error {
		ks, err := c.Keys(ctx, pattern).Result()
		mu.Lock()
		all = append(all, ks...)
		mu.Unlock()
		return err
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, scan)
	} else {
		err = scan(ctx, rdb.(*redis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestLimitHoldsPerKeyAndResetsWithTheWindow(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, prefix string, advance func(time.Duration)) {
		ctx := context.Background()
		// Two limiters on one Redis stand for two api replicas.
		a, b := New(rdb, prefix, []byte("test secret")), New(rdb, prefix, []byte("test secret"))
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
		ks := keys(ctx, t, rdb, prefix+"*")
		if len(ks) == 0 {
			t.Errorf("no keys under %q: the counters are not where the test looks", prefix)
		}
		for _, k := range ks {
			if len(k) > 0 && (strings.Contains(k, "con_1") || strings.Contains(k, "127.0.0.1")) {
				t.Errorf("key %q holds the raw client key", k)
			}
		}
	})
}

// Hits that arrive at once on two replicas are each counted once: exactly
// limit of them pass.
func TestConcurrentHitsCountExactly(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, prefix string, _ func(time.Duration)) {
		ctx := context.Background()
		replicas := []*Limiter{New(rdb, prefix, []byte("s")), New(rdb, prefix, []byte("s"))}
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for i := 0; i < 60; i++ {
			wg.Add(1)
			go func(l *Limiter) {
				defer wg.Done()
				ok, _, err := l.Allow(ctx, "pages", "203.0.113.7", 25, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}(replicas[i%2])
		}
		wg.Wait()
		if allowed != 25 {
			t.Errorf("%d of 60 concurrent hits allowed, want exactly the limit, 25", allowed)
		}
	})
}
