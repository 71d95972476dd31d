package server

import (
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// forwardHeaders are the headers a reverse proxy adds when it passes a
// request on. A proxy on the same host connects from loopback, so a
// request that carries one of them came from elsewhere.
var forwardHeaders = []string{fiber.HeaderXForwardedFor, "Forwarded", "X-Real-Ip"}

// fromLoopback reports whether the request came from this host itself: the
// connection's peer is a loopback address (never a header's claim) and no
// proxy says it forwarded it for someone else.
func fromLoopback(c *fiber.Ctx) bool {
	if !c.Context().RemoteIP().IsLoopback() {
		return false
	}
	for _, h := range forwardHeaders {
		if len(c.Request().Header.Peek(h)) > 0 {
			return false
		}
	}
	return true
}

// localOr is the chain of a page for this host's operator (/metrics,
// /dev/outbox): a request from loopback is admitted; one from elsewhere
// must pass check, and its failures count against the client's
// failed-authentication budget, the one /api/v1 spends, so that a token
// guessed at one surface cannot be guessed on at another. This host itself
// is never limited: a same-host proxy's guesses must not stop the local
// scrape.
func (s *Server) localOr(check, h fiber.Handler) []fiber.Handler {
	remote := func(next fiber.Handler) fiber.Handler {
		return func(c *fiber.Ctx) error {
			if fromLoopback(c) {
				return c.Next()
			}
			return next(c)
		}
	}
	return []fiber.Handler{remote(s.authFailures()), remote(check), h}
}

// metricsTokenOnly admits the bearer PLAUDIT_METRICS_TOKEN; without one
// configured, nobody.
func (s *Server) metricsTokenOnly(c *fiber.Ctx) error {
	tok := bearer(c)
	if len(s.cfg.MetricsTokenHash) == 0 || tok == "" ||
		subtle.ConstantTimeCompare(keyring.SecretHash(tok), s.cfg.MetricsTokenHash) != 1 {
		return plaudit.Errorf(plaudit.EUnauthorized, "/metrics answers loopback only, or Authorization: Bearer with PLAUDIT_METRICS_TOKEN")
	}
	return c.Next()
}
