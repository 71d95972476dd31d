// Package ratelimit counts requests in fixed windows in Redis, so that a
// limit holds across any number of api replicas (and, in embedded mode,
// in the in-process Redis with the same code).
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// incr counts a hit and starts the window's expiry with the first one, in
// one round trip.
var incr = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`)

// Limiter is a fixed-window counter on Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
}

// New returns a limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix}
}

// Allow counts one hit for key in scope and reports whether it is within
// limit per window, and when the window ends. Keys are hashed, so a client
// address never lands in Redis as such; they expire with their window.
func (l *Limiter) Allow(ctx context.Context, scope, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	sum := sha256.Sum256([]byte(key))
	k := fmt.Sprintf("%s%s:%s", l.prefix, scope, hex.EncodeToString(sum[:12]))
	res, err := incr.Run(ctx, l.rdb, []string{k}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return true, 0, fmt.Errorf("ratelimit: %w", err)
	}
	n, ttl := res[0], time.Duration(res[1])*time.Millisecond
	if ttl < 0 {
		ttl = window
	}
	return n <= int64(limit), ttl, nil
}
