package feedback

import (
	"errors"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/metrics"
)

// Breaker settings: after BreakerThreshold retryable failures in a row a
// provider is left alone for BreakerCooldown, then tried again.
const (
	BreakerThreshold = 5
	BreakerCooldown  = 30 * time.Second
)

// breaker pauses calls to one provider after repeated failures, so that a
// provider that fails for minutes does not make the queue spin through
// retries that cannot succeed.
type breaker struct {
	name      string
	mu        sync.Mutex
	failures  int
	openUntil time.Time
	gauge     func(open bool)
}

// allow returns nil when a call may go ahead, or a RetryAfterError (which
// wraps ErrCircuitOpen) for the rest of the cooldown.
func (b *breaker) allow(now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.openUntil) {
		return &plaudit.RetryAfterError{After: b.openUntil.Sub(now), Err: ErrCircuitOpen}
	}
	return nil
}

// record counts the outcome of a call. Permanent errors say nothing about
// the provider's health (a bad address, a closed ticket) and do not count.
func (b *breaker) record(err error, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err == nil:
		b.failures = 0
		if !b.openUntil.IsZero() {
			b.openUntil = time.Time{}
			b.gauge(false)
		}
	case plaudit.IsPermanent(err) || errors.Is(err, ErrCircuitOpen):
	default:
		b.failures++
		if b.failures >= BreakerThreshold {
			// It may open again after a cooldown without a success in
			// between: the gauge counts it once.
			if b.openUntil.IsZero() {
				b.gauge(true)
			}
			b.openUntil = now.Add(BreakerCooldown)
			b.failures = 0
		}
	}
}

// breakers holds one breaker per provider name.
type breakers struct {
	mu sync.Mutex
	m  map[string]*breaker
}

// get returns the breaker of name. Its gauge is counted under label, which
// several breakers may share: plaudit_circuit_open then counts how many
// of them are open.
func (bs *breakers) get(name, label string, m *metrics.Metrics) *breaker {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.m == nil {
		bs.m = map[string]*breaker{}
	}
	b, ok := bs.m[name]
	if !ok {
		b = &breaker{name: name, gauge: func(open bool) {
			if m == nil {
				return
			}
			if open {
				m.CircuitOpen.WithLabelValues(label).Inc()
			} else {
				m.CircuitOpen.WithLabelValues(label).Dec()
			}
		}}
		bs.m[name] = b
	}
	return b
}

// call runs f unless the named provider's circuit is open, and records
// the outcome.
func (s *Service) call(name string, f func() error) error {
	return s.callAs(name, name, f)
}

// callAs is call with a breaker of its own per name, shown in the metrics
// under label: one circuit per connector, counted by kind, since metric
// labels never carry tenant or connector ids.
func (s *Service) callAs(name, label string, f func() error) error {
	b := s.circuits.get(name, label, s.Metrics)
	if err := b.allow(s.now()); err != nil {
		return err
	}
	err := f()
	b.record(err, s.now())
	return err
}
