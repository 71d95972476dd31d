package server

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// Limits are the request budgets of the public endpoints and of failed
// authentications. Each counts against what the caller controls: a
// client's address for what anyone may send (page views, guesses, forged
// signatures), a connector's or hook's own bucket for verified deliveries.
// So a flood of forgeries spends only the forger's budget, and a helpdesk
// whose deliveries verify is never refused because of someone else's.
type Limits struct {
	// PagePerClient caps feedback page requests per client, a minute.
	PagePerClient int
	// HookFailuresPerClient caps, per minute, the deliveries from one
	// address to one hook (a connector's, or a provider's) that fail
	// verification (401, 403). Beyond it that address is refused at that
	// hook until the minute ends. Keyed per hook too, because a
	// helpdesk's many tenants post from the same few addresses: one
	// tenant's wrong secret must not block the others.
	HookFailuresPerClient int
	// AuthFailuresPerClient caps failed operator-token, metrics-token and
	// API-key authentications (401) per client, a minute; beyond it the
	// client's API calls, and its calls to /metrics and /dev/outbox, are
	// refused until the minute ends.
	AuthFailuresPerClient int
	// ProviderHookPerSecond is the token bucket of verified deliveries of
	// each provider hook (/hooks/twilio/sms, /hooks/twilio/status,
	// /hooks/sendgrid/inbound, /hooks/sendgrid/events), each its own.
	// Connector hooks take their connector's rate_limit_per_second.
	ProviderHookPerSecond int
}

// DefaultLimits are generous for real traffic and low enough to blunt a
// flood or a guessing run: 30 wrong tokens a minute leave a 24-character
// operator token as unguessable as it is.
var DefaultLimits = Limits{PagePerClient: 60, HookFailuresPerClient: 60, AuthFailuresPerClient: 30,
	ProviderHookPerSecond: plaudit.DefaultRateLimitPerSecond}

// RateLimiter is the counter behind the per-client limits
// (ratelimit.Limiter, in Redis, so that they hold across replicas).
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
		ok, retry := s.count(c, scope, key(c), limit)
		if !ok {
			return tooMany(c, retry)
		}
		return c.Next()
	}
}

// count adds one hit to key's count in Redis and reports whether it is
// within limit this minute, and when the minute ends.
func (s *Server) count(c *fiber.Ctx, scope, key string, limit int) (bool, time.Duration) {
	// Without the request's cancel: a failure is counted after the
	// answer is written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 250*time.Millisecond)
	defer cancel()
	ok, retry, err := s.cfg.RateLimiter.Allow(ctx, scope, key, limit, time.Minute)
	if err != nil {
		s.log.Warn("rate limit not checked", "scope", scope, "err", err)
		return true, 0
	}
	return ok, retry
}

// failures returns middleware that refuses a key (a client, at a hook)
// whose failures have spent limit this minute, and counts the failures of
// the others: requests whose answer failed says is one. Only failures
// reach Redis; a refused key is remembered here until its minute ends, so
// that neither good traffic nor a flood from a refused key costs a round
// trip. Another replica learns of the refusal with its own next failure
// from that key.
func (s *Server) failures(scope string, limit int, key func(*fiber.Ctx) string, failed func(status int) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cfg.RateLimiter == nil || limit <= 0 {
			return c.Next()
		}
		k := scope + "\x00" + key(c)
		if retry, refused := s.refused.check(k, time.Now()); refused {
			return tooMany(c, retry)
		}
		err := c.Next()
		if failed(statusOf(c, err)) {
			if ok, retry := s.count(c, scope, k, limit); !ok {
				s.refused.add(k, time.Now().Add(retry))
			}
		}
		return err
	}
}

// authFailures counts failed authentications (a missing or wrong operator,
// metrics or API token) against the client: one budget for /api/v1,
// /metrics and /dev/outbox.
func (s *Server) authFailures() fiber.Handler {
	return s.failures("auth", s.cfg.Limits.AuthFailuresPerClient, s.clientIP, failedAuthentication)
}

// failedVerification is a hook's answer to a delivery that did not verify.
func failedVerification(status int) bool {
	return status == fiber.StatusUnauthorized || status == fiber.StatusForbidden
}

// failedAuthentication is an API answer to a missing or wrong token or
// key. A 403 (a valid key of another role) is not a guess.
func failedAuthentication(status int) bool { return status == fiber.StatusUnauthorized }

// byHookSender keys a hook's failures by the hook and the sender's address.
func (s *Server) byHookSender(c *fiber.Ctx) string {
	return c.Params("connector") + " " + s.clientIP(c)
}

// hookFailures counts a hook's deliveries that fail verification against
// the sender's address, never against the hook's own budget.
func (s *Server) hookFailures(scope string) fiber.Handler {
	return s.failures(scope, s.cfg.Limits.HookFailuresPerClient, s.byHookSender, failedVerification)
}

// providerHook is the chain of a provider hook: the sender's failure
// budget, then the hook's own bucket of verified deliveries, then h.
func (s *Server) providerHook(name string, h fiber.Handler) []fiber.Handler {
	return []fiber.Handler{s.hookFailures("hook " + name), s.providerBucket(name), h}
}

// providerBucket returns middleware that spends a token of the provider
// hook's own bucket for each delivery, and gives it back when the
// delivery fails verification: only verified deliveries count.
func (s *Server) providerBucket(hook string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		perSecond := s.cfg.Limits.ProviderHookPerSecond
		if perSecond <= 0 {
			return c.Next()
		}
		r, wait := s.buckets.reserve("provider "+hook, perSecond)
		if wait > 0 {
			return tooMany(c, wait)
		}
		err := c.Next()
		if failedVerification(statusOf(c, err)) {
			r.Cancel()
		}
		return err
	}
}

// tooMany answers 429 with Retry-After in whole seconds, at least one.
func tooMany(c *fiber.Ctx, retry time.Duration) error {
	secs := retryAfter(c, retry)
	if strings.HasPrefix(c.Path(), "/console") {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Status(fiber.StatusTooManyRequests).SendString(`<!doctype html><html lang="en"><title>Too many attempts</title>` +
			`<h1>Too many attempts</h1><p>Please wait ` + secs + ` seconds and try again.</p></html>`)
	}
	return writeError(c, fiber.StatusTooManyRequests, plaudit.ERateLimited,
		"too many requests: retry in "+secs+" seconds")
}

// retryAfter sets the Retry-After header and returns its value.
func retryAfter(c *fiber.Ctx, retry time.Duration) string {
	secs := strconv.Itoa(max(1, int(math.Ceil(retry.Seconds()))))
	c.Set(fiber.HeaderRetryAfter, secs)
	return secs
}
