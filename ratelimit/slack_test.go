package ratelimit

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// A large limit is counted mostly in the process, yet holds across
// replicas within their slack: 1% of the limit each.
func TestLargeLimitHoldsWithinTheSlack(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, prefix string, _ func(time.Duration)) {
		ctx := context.Background()
		const limit, hits = 1000, 1300
		replicas := []*Limiter{New(rdb, prefix, []byte("s")), New(rdb, prefix, []byte("s"))}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			allowed int
		)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range hits / 8 {
					ok, _, err := replicas[g%2].Allow(ctx, "hooks", "con_big", limit, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if slack := 2 * limit / slackShare; allowed < limit || allowed > limit+slack {
			t.Fatalf("%d of %d hits allowed at a limit of %d, want %d to %d", allowed, hits, limit, limit, limit+slack)
		}
	})
}

// Hits counted locally reach Redis with the next round trip, so another
// replica sees them; and they are far fewer round trips than hits.
func TestLocalHitsReachRedis(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	a, b := New(rdb, "rl:", []byte("s")), New(rdb, "rl:", []byte("s"))
	before := mr.CommandCount()
	for i := range 500 {
		if ok, _, err := a.Allow(ctx, "hooks", "con_1", 100000, time.Minute); !ok || err != nil {
			t.Fatalf("hit %d refused (%v)", i, err)
		}
	}
	if n := mr.CommandCount() - before; n >= 100 {
		t.Errorf("500 hits far below the limit took %d Redis commands", n)
	}
	time.Sleep(syncEvery + 10*time.Millisecond)
	a.Allow(ctx, "hooks", "con_1", 100000, time.Minute) // sends what a counted
	keys := mr.Keys()
	if len(keys) != 1 {
		t.Fatalf("keys %v, want one counter", keys)
	}
	if v, _ := mr.Get(keys[0]); v != strconv.Itoa(501) {
		t.Fatalf("Redis holds %s hits, want 501", v)
	}
	// b has never seen the key: its first hit asks Redis and learns the count.
	b.Allow(ctx, "hooks", "con_1", 100000, time.Minute)
	if w := b.local[keys[0]]; w == nil || w.global != 502 {
		t.Fatalf("the second replica did not learn the count: %+v", w)
	}
}
