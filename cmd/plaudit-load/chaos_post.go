package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// chaosRate is the webhooks per second of mode chaos without -rate: 3,000
// take a minute, over which some ten processes are killed.
const chaosRate = 50

// post sends tickets 1..-interactions as signed Zendesk trigger bodies
// from -clients clients at -rate per second (chaosRate without it), each
// to the api processes in turn, as a balancer
// would spread them. A delivery that gets no 2xx (the process was killed,
// or answered 503) is sent again to the other process after a pause, as
// helpdesks retry, until it is accepted or the run's time is up. It
// returns the tickets accepted and the posts made.
func (r *chaosRun) post(ctx context.Context) (map[int]bool, int) {
	rate := r.e.o.rate
	if rate == 0 {
		rate = chaosRate
	}
	// The pacing spreads the posts over interactions/rate; -timeout is
	// the time the last of them has to be accepted after that, so that
	// no delivery's retries are cut short by the run's end.
	pacing := time.Duration(float64(r.e.o.interactions) / rate * float64(time.Second))
	ctx, cancel := context.WithTimeout(ctx, pacing+r.e.o.timeout)
	defer cancel()
	l := newLoader(r.e.o.clients, r.e.secret, 0)
	var (
		next  atomic.Int64
		posts atomic.Int64
		mu    sync.Mutex
		acked = map[int]bool{}
		wg    sync.WaitGroup
	)
	apis := []string{r.procs[0].addr, r.procs[1].addr}
	start := time.Now()
	for c := range r.e.o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for {
				n := int(next.Add(1))
				if n > r.e.o.interactions || ctx.Err() != nil {
					return
				}
				// Paced, so that the kills fall all over the run.
				time.Sleep(time.Until(start.Add(time.Duration(float64(n) / rate * float64(time.Second)))))
				for try := c; ctx.Err() == nil; try++ {
					url := "http://" + apis[try%len(apis)] + "/hooks/" + r.e.connector.ID
					now := time.Now()
					buf = triggerBody(buf[:0], uint64(n), now)
					status, _, err := l.post(ctx, url, buf, now)
					posts.Add(1)
					if err == nil && status/100 == 2 {
						mu.Lock()
						acked[n] = true
						mu.Unlock()
						break
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	return acked, int(posts.Load())
}

// waitSettled waits until settled says so (then a few seconds more, for a
// second email that would follow the first), or until deadline.
func (r *chaosRun) waitSettled(ctx context.Context, acked map[int]bool, deadline time.Time) bool {
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if settled(ctx, r.sg, r.e.store, r.e.tenant.ID, acked) {
			time.Sleep(5 * time.Second)
			return true
		}
		time.Sleep(time.Second)
	}
	return false
}
