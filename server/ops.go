package server

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 503 while the store or Redis does not answer, so a load
// balancer sends no webhooks that would only get 503s.
func (s *Server) readyz(c *fiber.Ctx) error {
	if s.cfg.Ready == nil {
		return c.JSON(fiber.Map{"status": "ready"})
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		// The endpoint is public: the log gets the error, the answer only
		// which dependency is away (not addresses or driver messages).
		s.log.Warn("not ready", "err", err)
		c.Set("Retry-After", "5")
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "not ready", "reason": readyReason(err)})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (s *Server) metricsHandler() fiber.Handler {
	if s.cfg.Gatherer == nil {
		return func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNotFound) }
	}
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}))
}

// readyReason names the dependency that failed: Ready prefixes its errors
// with "store:" or "redis:".
func readyReason(err error) string {
	msg := err.Error()
	for _, dep := range []string{"store", "redis"} {
		if strings.HasPrefix(msg, dep+":") {
			return dep + " unavailable"
		}
	}
	return "unavailable"
}
