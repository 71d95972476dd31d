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
	secret []byte
}

// New returns a limiter whose keys start with prefix. Keys are hashed
// with secret (the same on every replica), so that a counter's name in
// Redis does not give away a client's address: a plain hash of an IPv4
// address is reversed by trying them all.
func New(rdb redis.UniversalClient, prefix string, secret []byte) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, secret: secret}
}

// Allow counts one hit for key in scope and reports whether it is within
// limit per window, and when the window ends. Keys are hashed, so a client
// address never lands in Redis as such; they expire with their window.
func (l *Limiter) Allow(ctx context.Context, scope, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(scope + "\x00" + key))
	k := fmt.Sprintf("%s%s:%s", l.prefix, scope, hex.EncodeToString(m.Sum(nil)[:12]))
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
