package main

import (
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// burstResult is what one server did with a burst.
type burstResult struct {
	name      string
	taken     int
	refused   int // 429 answers, retries included
	firstTry  int // deliveries refused on their first try
	maxRetry  time.Duration
	elapsed   time.Duration // until the last delivery was taken
	otherErrs map[string]int
}

// runBurst sends one burst of signed deliveries to the bare handler and
// then to the gateway, with clients that honour Retry-After, and reports
// how much of it each took on the first try and how long the whole took.
func runBurst(ctx context.Context, e *env, out io.Writer) error {
	o := e.o
	gw, err := e.startGateway()
	if err != nil {
		return err
	}
	defer gw.shutdown()
	bl, err := e.startBaseline()
	if err != nil {
		return err
	}
	defer bl.shutdown()
	l := newLoader(o.clients, e.secret, 0)
	fmt.Fprintf(out, "burst: %d deliveries at once from %d clients that wait Retry-After on 429, connector rate_limit_per_second %s\n",
		o.burst, o.clients, rateLimitText(o.connectorRate))
	var res []burstResult
	for _, s := range []struct{ name, url string }{{"baseline", bl.hookURL(e.connector.ID)}, {"gateway", gw.hookURL(e.connector.ID)}} {
		r := l.burst(ctx, s.name, s.url, o.burst)
		res = append(res, r)
		fmt.Fprintf(out, "  %-8s taken %d in %s (%.0f/s), refused on the first try %d (%.1f %%), 429 answers %d, longest Retry-After %s, other errors %s\n",
			r.name, r.taken, r.elapsed.Round(time.Millisecond), float64(r.taken)/r.elapsed.Seconds(), r.firstTry,
			100*float64(r.firstTry)/float64(o.burst), r.refused, r.maxRetry, errText(r.otherErrs))
	}
	base, gate := res[0], res[1]
	fmt.Fprintf(out, "ratio gateway/baseline: time to take the burst ×%.2f\n", gate.elapsed.Seconds()/base.elapsed.Seconds())
	fmt.Fprintf(out, "RESULT mode=burst store=%s clients=%d burst=%d gateway_taken=%d gateway_first_try_refused=%d gateway_refused=%d max_retry_after_s=%.0f gateway_s=%.2f baseline_s=%.2f ratio=%.3f load=%s\n",
		e.engine, o.clients, o.burst, gate.taken, gate.firstTry, gate.refused, gate.maxRetry.Seconds(),
		gate.elapsed.Seconds(), base.elapsed.Seconds(), base.elapsed.Seconds()/gate.elapsed.Seconds(), loadAvg())
	if gate.taken != o.burst {
		return fmt.Errorf("the gateway took %d of %d deliveries", gate.taken, o.burst)
	}
	return nil
}

func rateLimitText(n int) string {
	if n == 0 {
		return "default (1000)"
	}
	return fmt.Sprint(n)
}

// burst posts n deliveries, each for a ticket of its own, as fast as the
// clients go; a 429 is retried after its Retry-After, as helpdesks do.
func (l *loader) burst(ctx context.Context, name, url string, n int) burstResult {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next atomic.Int64
		r    = burstResult{name: name, otherErrs: map[string]int{}}
	)
	first := ticketSeq.Add(uint64(n)) - uint64(n)
	start := time.Now()
	for range l.clients {
		wg.Add(1)
		go pprof.Do(ctx, pprof.Labels("side", "load-client"), func(ctx context.Context) {
			defer wg.Done()
			var buf []byte
			for i := next.Add(1) - 1; i < int64(n) && ctx.Err() == nil; i = next.Add(1) - 1 {
				for try := 0; ctx.Err() == nil; try++ {
					now := time.Now()
					buf = triggerBody(buf[:0], first+uint64(i)+1, now)
					status, retry, err := l.post(ctx, url, buf, now)
					mu.Lock()
					switch {
					case err == nil && status >= 200 && status < 300:
						r.taken++
					case err == nil && status == 429:
						r.refused++
						if try == 0 {
							r.firstTry++
						}
						r.maxRetry = max(r.maxRetry, retry)
					case err != nil:
						r.otherErrs["transport"]++
					default:
						r.otherErrs[fmt.Sprint(status)]++
					}
					mu.Unlock()
					if err != nil || status != 429 {
						break
					}
					time.Sleep(retry)
				}
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}
