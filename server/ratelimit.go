package server

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// Limits are the request budgets of the public endpoints, per minute.
type Limits struct {
	// HookPerConnector caps deliveries to one /hooks/{connector}.
	HookPerConnector int
	// ProviderHooks caps Twilio's and SendGrid's callbacks together.
	ProviderHooks int
	// PagePerClient caps feedback page views and answers per client.
	PagePerClient int
}

// DefaultLimits are generous for real traffic (a macro that solves a
// thousand tickets at once sends a thousand webhooks in seconds) and low
// enough to blunt a flood or a token-guessing run.
var DefaultLimits = Limits{HookPerConnector: 6000, ProviderHooks: 6000, PagePerClient: 60}

// RateLimiter is the counter behind the limits (ratelimit.Limiter).
type RateLimiter interface {
	Allow(ctx context.Context, scope, key string, limit int, window time.Duration) (bool, time.Duration, error)
}

// limit returns middleware that admits limit requests a minute per key.
// When Redis cannot be asked it lets the request through: the limits
// protect against abuse, and failing closed would turn a Redis blip into
// refused webhooks (which the queue then refuses with 503 anyway).
func (s *Server) limit(scope string, limit int, key func(c *fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cfg.RateLimiter == nil || limit <= 0 {
			return c.Next()
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), 250*time.Millisecond)
		ok, retry, err := s.cfg.RateLimiter.Allow(ctx, scope, key(c), limit, time.Minute)
		cancel()
		if err != nil {
			s.log.Warn("rate limit not checked", "scope", scope, "err", err)
			return c.Next()
		}
		if !ok {
			secs := int(retry.Seconds()) + 1
			c.Set("Retry-After", strconv.Itoa(secs))
			return writeError(c, fiber.StatusTooManyRequests, plaudit.ERateLimited,
				"too many requests: retry in "+strconv.Itoa(secs)+" seconds")
		}
		return c.Next()
	}
}

func byConnector(c *fiber.Ctx) string { return c.Params("connector") }
func byClient(c *fiber.Ctx) string    { return c.IP() }
func byProvider(*fiber.Ctx) string    { return "all" }
