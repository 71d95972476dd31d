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

// localOrOperator admits requests from loopback, and from elsewhere only
// with the operator token: for pages that show every tenant's data.
func (s *Server) localOrOperator(c *fiber.Ctx) error {
	if fromLoopback(c) {
		return c.Next()
	}
	return s.operatorOnly(c)
}

// localOrMetricsToken guards /metrics: loopback, or from elsewhere the
// bearer PLAUDIT_METRICS_TOKEN. Without a token configured only loopback
// is answered.
func (s *Server) localOrMetricsToken(c *fiber.Ctx) error {
	if fromLoopback(c) {
		return c.Next()
	}
	tok := bearer(c)
	if len(s.cfg.MetricsTokenHash) == 0 || tok == "" ||
		subtle.ConstantTimeCompare(keyring.SecretHash(tok), s.cfg.MetricsTokenHash) != 1 {
		return plaudit.Errorf(plaudit.EUnauthorized, "/metrics answers loopback only, or Authorization: Bearer with PLAUDIT_METRICS_TOKEN")
	}
	return c.Next()
}
