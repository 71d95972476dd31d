package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxKept bounds the buckets and refusals a process keeps. A full bucket
// and an ended refusal are the same as none, so they are what goes when
// the bound is reached.
const maxKept = 10000

// buckets are the token buckets of verified deliveries, one per connector
// and one per provider hook, each holding one second's worth. They live in
// this process: with several api replicas behind a load balancer, a
// connector may get up to its rate on each (docs/scaling.md). That keeps
// the hot path free of a Redis round trip per delivery.
type buckets struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

// reserve takes a token from key's bucket, which it makes or resizes for
// perSecond. When none is there it takes nothing and says how long until
// one is.
func (b *buckets) reserve(key string, perSecond int) (*rate.Reservation, time.Duration) {
	l := b.get(key, perSecond)
	now := time.Now()
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return r, d
	}
	return r, 0
}

func (b *buckets) get(key string, perSecond int) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = make(map[string]*rate.Limiter)
	}
	l := b.m[key]
	switch {
	case l == nil:
		if len(b.m) >= maxKept {
			for k, old := range b.m {
				if old.Tokens() >= float64(old.Burst()) {
					delete(b.m, k)
				}
			}
		}
		l = rate.NewLimiter(rate.Limit(perSecond), perSecond)
		if len(b.m) < maxKept {
			b.m[key] = l
		}
	case l.Burst() != perSecond: // the connector's config changed
		l.SetLimit(rate.Limit(perSecond))
		l.SetBurst(perSecond)
	}
	return l
}

// refusals remembers the keys over their failure budget until their
// minute ends.
type refusals struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (r *refusals) check(key string, now time.Time) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.until[key]
	if !ok {
		return 0, false
	}
	if !now.Before(t) {
		delete(r.until, key)
		return 0, false
	}
	return t.Sub(now), true
}

func (r *refusals) add(key string, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.until == nil {
		r.until = make(map[string]time.Time)
	}
	if len(r.until) >= maxKept {
		now := time.Now()
		for k, t := range r.until {
			if !now.Before(t) {
				delete(r.until, k)
			}
		}
		if len(r.until) >= maxKept {
			// All live: this key's failures are still refused by
			// verification, and counted in Redis.
			return
		}
	}
	r.until[key] = until
}
