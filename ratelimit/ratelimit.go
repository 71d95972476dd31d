// Package ratelimit counts requests in fixed windows in Redis, so that a
// limit holds across any number of api replicas (and, in embedded mode,
// in the in-process Redis with the same code).
package ratelimit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// incr adds hits to a window's count and starts the window's expiry with
// the first of them, in one round trip.
var incr = redis.NewScript(`
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// Between two round trips to Redis a limiter may let through, on its own
// count, up to 1/slackShare of a key's limit, for at most syncEvery. A
// webhook endpoint that takes thousands of deliveries a minute then asks
// Redis a few times a second instead of once a delivery (docs/benchmarks.md),
// and each replica can overshoot a limit by at most that share. Limits below
// slackShare (a client's page views) are counted in Redis hit by hit.
const (
	slackShare = 100
	syncEvery  = 100 * time.Millisecond
	// maxLocal bounds the local counts kept; ended windows are dropped
	// when it is reached.
	maxLocal = 10000
)

// Limiter is a fixed-window counter on Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	secret []byte

	mu    sync.Mutex
	local map[string]*window
}

// window is what a limiter knows of one key's current window. Hits let
// through here and not yet confirmed by Redis (pending, then in flight)
// stay below the slack, which is what bounds a replica's overshoot.
type window struct {
	global   int64     // the highest count Redis has answered
	pending  int64     // hits let through here, not yet sent to Redis
	inflight int64     // hits let through here, on their way to Redis
	synced   time.Time // the last answer
	ends     time.Time
	// asking is set while a round trip is under way: the other hits go
	// on counting here instead of all asking Redis at once.
	asking bool
}

// New returns a limiter whose keys start with prefix. Keys are hashed
// with secret (the same on every replica), so that a counter's name in
// Redis does not give away a client's address: a plain hash of an IPv4
// address is reversed by trying them all.
func New(rdb redis.UniversalClient, prefix string, secret []byte) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, secret: secret, local: make(map[string]*window)}
}

// Allow counts one hit for key in scope and reports whether it is within
// limit per window, and when the window ends. Keys are hashed, so a client
// address never lands in Redis as such; they expire with their window.
func (l *Limiter) Allow(ctx context.Context, scope, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(scope + "\x00" + key))
	k := l.prefix + scope + ":" + hex.EncodeToString(m.Sum(nil)[:12])
	now := time.Now()
	slack := int64(limit / slackShare)
	hits := int64(1)
	if slack > 0 {
		if ok, left := l.allowLocally(k, now, int64(limit), slack); ok {
			return true, left, nil
		}
		hits += l.takePending(k, now)
	}
	res, err := incr.Run(ctx, l.rdb, []string{k}, window.Milliseconds(), hits).Int64Slice()
	if err != nil {
		if slack > 0 {
			l.answered(k, now, hits-1, -1, 0)
		}
		return true, 0, fmt.Errorf("ratelimit: %w", err)
	}
	n, ttl := res[0], time.Duration(res[1])*time.Millisecond
	if ttl <= 0 {
		ttl = window
	}
	if slack > 0 {
		l.answered(k, now, hits-1, n, ttl)
	}
	return n <= int64(limit), ttl, nil
}

// allowLocally lets a hit through on the local count when the last answer
// from Redis is recent, the hits not yet confirmed are within the slack,
// and the count is not near the limit.
func (l *Limiter) allowLocally(k string, now time.Time, limit, slack int64) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.local[k]
	if w == nil || !now.Before(w.ends) || (!w.asking && now.Sub(w.synced) >= syncEvery) {
		return false, 0
	}
	unconfirmed := w.pending + w.inflight
	if unconfirmed < slack && w.global+unconfirmed < limit-slack {
		w.pending++
		return true, w.ends.Sub(now)
	}
	return false, 0
}

// takePending hands the unsent hits of a live window to the round trip
// about to be made.
func (l *Limiter) takePending(k string, now time.Time) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.local[k]
	if w == nil || !now.Before(w.ends) {
		return 0
	}
	n := w.pending
	w.pending, w.inflight, w.asking = 0, w.inflight+n, true
	return n
}

// answered records a round trip that carried carried hits counted here
// before: Redis's count n and the window's time left, or n = -1 when Redis
// was not reached (the hits go with the next round trip).
func (l *Limiter) answered(k string, now time.Time, carried, n int64, ttl time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.local[k]
	if w != nil {
		w.inflight -= carried
		w.asking = false
		if n < 0 {
			w.pending += carried
			return
		}
	}
	if n < 0 {
		return
	}
	if w == nil {
		if len(l.local) >= maxLocal {
			for key, old := range l.local {
				if !now.Before(old.ends) {
					delete(l.local, key)
				}
			}
			if len(l.local) >= maxLocal {
				return // all live: count this key in Redis only
			}
		}
		w = &window{}
		l.local[k] = w
	}
	if !now.Before(w.ends) {
		// A new window: what was counted here belonged to the old one.
		w.global, w.pending, w.inflight = 0, 0, 0
	}
	w.global = max(w.global, n)
	w.synced, w.ends = now, now.Add(ttl)
}
