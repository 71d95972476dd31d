package server

import (
	"cmp"
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
	con, driver, err := s.hookConnector(c)
	answerer, _ := driver.(plaudit.Answerer)
	fail := func(outcome string, err error) error {
		s.countHook(cmp.Or(con.Kind, "unknown"), outcome, start)
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
	if err != nil {
		return fail(hookOutcome(err), err)
	}

	events, err := driver.Receive(ctx, plaudit.Delivery{
		Header: requestHeader(c),
		Body:   c.Body(),
		URL:    s.cfg.PublicURL + c.Path(),
		Now:    s.cfg.Now(),
	})
	if err != nil {
		return fail(hookOutcome(err), err)
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

// hookConnector finds the connector a delivery is for, and checks the
// secret in the path of kinds that have no signature of their own: before
// anything else, so that a connector id alone forges nothing.
func (s *Server) hookConnector(c *fiber.Ctx) (plaudit.Connector, plaudit.Driver, error) {
	// Fiber's params point into a buffer it reuses: the cache keeps a copy.
	con, driver, err := s.conns.Get(c.UserContext(), strings.Clone(c.Params("connector")))
	switch {
	case plaudit.IsNotFound(err):
		return plaudit.Connector{}, nil, plaudit.Errorf(plaudit.ENotFound, "unknown connector")
	case err != nil && con.ID == "":
		return con, nil, err
	}
	if serr := s.cfg.Kinds.CheckURLSecret(con, c.Params("secret")); serr != nil {
		return con, driver, serr
	}
	if err != nil {
		return con, nil, plaudit.Errorf(plaudit.EInternal, "connector cannot be used: %s", plaudit.ErrorMessage(err))
	}
	return con, driver, nil
}

// hookOutcome is a refused delivery's outcome in the webhook metrics.
func hookOutcome(err error) string {
	switch plaudit.ErrorCode(err) {
	case plaudit.ENotFound:
		return "not_found"
	case plaudit.EUnauthorized:
		return "unauthorized"
	case plaudit.EInvalid, plaudit.ETooLarge:
		return "invalid"
	}
	return "error"
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
