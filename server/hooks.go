package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// hook receives a helpdesk's webhook: verify over the raw bytes, parse,
// store (deduplicated), enqueue, and only then answer 2xx. When the queue
// cannot take the task the stored row is removed again and the answer is
// 503, so the helpdesk retries and nothing is half-stored.
func (s *Server) hook(c *fiber.Ctx) error {
	start := time.Now()
	ctx := c.UserContext()
	// Fiber's params point into a buffer it reuses: the cache keeps a copy.
	con, driver, err := s.conns.Get(ctx, strings.Clone(c.Params("connector")))
	switch {
	case plaudit.IsNotFound(err):
		s.countHook("unknown", "not_found", start)
		return plaudit.Errorf(plaudit.ENotFound, "unknown connector")
	case err != nil && con.ID != "":
		s.countHook(con.Kind, "error", start)
		return plaudit.Errorf(plaudit.EInternal, "connector cannot be used: %s", plaudit.ErrorMessage(err))
	case err != nil:
		s.countHook("unknown", "error", start)
		return err
	}
	answerer, _ := driver.(plaudit.Answerer)
	fail := func(outcome string, err error) error {
		s.countHook(con.Kind, outcome, start)
		if answerer != nil {
			ct, body := answerer.Fault(err)
			status := statusFor(plaudit.ErrorCode(err))
			if status >= 500 {
				// SOAP 1.1 sends a fault with 500 (soapenv:Server: retry
				// later). Salesforce redelivers on any answer but an Ack,
				// and shows the faultstring as the delivery failure reason.
				status = http.StatusInternalServerError
			}
			c.Set(fiber.HeaderContentType, ct)
			return c.Status(status).Send(body)
		}
		return err
	}

	events, err := driver.Receive(ctx, plaudit.Delivery{
		Header: requestHeader(c),
		Body:   c.Body(),
		URL:    s.cfg.PublicURL + c.Path(),
		Now:    s.cfg.Now(),
	})
	if err != nil {
		outcome := "invalid"
		if plaudit.ErrorCode(err) == plaudit.EUnauthorized {
			outcome = "unauthorized"
		}
		return fail(outcome, err)
	}
	// Only now, verified, does the delivery count against the
	// connector's own rate; a forgery counted against its sender.
	perSecond, _ := plaudit.RateLimitPerSecond(con.Config)
	if _, wait := s.buckets.reserve("connector "+con.ID, perSecond); wait > 0 {
		retryAfter(c, wait)
		return fail("rate_limited", plaudit.Errorf(plaudit.ERateLimited,
			"more than %d deliveries a second to this connector (rate_limit_per_second): retry later", perSecond))
	}
	accepted, duplicates := 0, 0
	for _, ev := range events {
		in := ev.Interaction
		in.TenantID, in.ConnectorID, in.Source, in.DedupKey = con.TenantID, con.ID, con.Kind, ev.DedupKey
		// A NUL or a control character in a name is dropped, not
		// refused: the helpdesk would retry a refusal for ever, and
		// the store cannot take it as it is.
		in.Clean()
		created, err := s.fb.Ingest(ctx, &in)
		if err != nil {
			return fail("unavailable", err)
		}
		if created {
			accepted++
		} else {
			duplicates++
		}
	}
	s.countHook(con.Kind, "accepted", start)
	if answerer != nil {
		ct, body := answerer.Ack()
		c.Set(fiber.HeaderContentType, ct)
		return c.Status(fiber.StatusOK).Send(body)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"accepted": accepted, "duplicates": duplicates})
}

func (s *Server) countHook(kind, outcome string, start time.Time) {
	if s.cfg.Metrics == nil {
		return
	}
	s.cfg.Metrics.Webhooks.WithLabelValues(kind, outcome).Inc()
	if outcome == "accepted" {
		s.cfg.Metrics.WebhookDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	}
}

func requestHeader(c *fiber.Ctx) http.Header {
	h := make(http.Header, c.Request().Header.Len())
	c.Request().Header.VisitAll(func(k, v []byte) {
		h.Add(string(k), string(v))
	})
	return h
}
