package server

import (
	"cmp"
	"context"
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
	con, driver, perSecond, err := s.hookConnector(c)
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

	d := plaudit.Delivery{
		Header: requestHeader(c),
		Body:   c.Body(),
		URL:    s.cfg.PublicURL + c.Path(),
		Now:    s.cfg.Now(),
	}
	if a, handled, err := handshake(ctx, driver, c.Method(), d); err != nil {
		return fail(hookOutcome(err), err)
	} else if handled {
		s.countHook(con.Kind, "handshake", start)
		return sendHookAnswer(c, a)
	}
	if c.Method() != fiber.MethodPost {
		// A HEAD that the kind does not answer as a handshake: the
		// same 405 as any route without that method.
		s.countHook(con.Kind, "invalid", start)
		c.Set(fiber.HeaderAllow, fiber.MethodPost)
		return fiber.ErrMethodNotAllowed
	}
	events, err := driver.Receive(ctx, d)
	if err != nil {
		return fail(hookOutcome(err), err)
	}
	// Only now, verified, does the delivery count against the
	// connector's own rate; a forgery counted against its sender.
	if _, wait := s.buckets.reserve("connector "+con.ID, perSecond); wait > 0 {
		retryAfter(c, wait)
		return fail("rate_limited", plaudit.Errorf(plaudit.ERateLimited,
			"more than %d deliveries a second to this connector (rate_limit_per_second): retry later", perSecond))
	}
	accepted, duplicates, err := s.ingest(ctx, con, events)
	if err != nil {
		return fail("unavailable", err)
	}
	s.countHook(con.Kind, "accepted", start)
	if answerer != nil {
		ct, body := answerer.Ack()
		c.Set(fiber.HeaderContentType, ct)
		return c.Status(fiber.StatusOK).Send(body)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"accepted": accepted, "duplicates": duplicates})
}

// ingest stores and enqueues a verified delivery's events, and counts
// the new ones and the redeliveries.
func (s *Server) ingest(ctx context.Context, con plaudit.Connector, events []plaudit.Event) (accepted, duplicates int, err error) {
	for _, ev := range events {
		in := ev.Interaction
		in.TenantID, in.ConnectorID, in.Source, in.DedupKey = con.TenantID, con.ID, con.Kind, ev.DedupKey
		// A NUL or a control character in a name is dropped, not
		// refused: the helpdesk would retry a refusal for ever, and
		// the store cannot take it as it is.
		in.Clean()
		created, err := s.fb.Ingest(ctx, &in)
		if err != nil {
			return accepted, duplicates, err
		}
		if created {
			accepted++
		} else {
			duplicates++
		}
	}
	return accepted, duplicates, nil
}

// handshake lets a driver whose helpdesk checks the endpoint (Intercom's
// HEAD, Front's sync challenge, Gladly's PING) answer such a request
// before it is taken for a delivery. It runs after the URL-secret check
// and before the connector's bucket: a handshake is no delivery, and an
// unsigned HEAD must not spend the budget of the deliveries that verify.
func handshake(ctx context.Context, driver plaudit.Driver, method string, d plaudit.Delivery) (plaudit.HookAnswer, bool, error) {
	h, ok := driver.(plaudit.Handshaker)
	if !ok {
		return plaudit.HookAnswer{}, false, nil
	}
	return h.Handshake(ctx, method, d)
}

// sendHookAnswer sends a handshake's answer as the driver gave it.
func sendHookAnswer(c *fiber.Ctx, a plaudit.HookAnswer) error {
	if a.ContentType != "" {
		c.Set(fiber.HeaderContentType, a.ContentType)
	}
	return c.Status(cmp.Or(a.Status, fiber.StatusOK)).Send(a.Body)
}

// hookConnector finds the connector a delivery is for, and checks the
// secret in the path of kinds that have no signature of their own: before
// anything else, so that a connector id alone forges nothing.
func (s *Server) hookConnector(c *fiber.Ctx) (plaudit.Connector, plaudit.Driver, int, error) {
	// Fiber's params point into a buffer it reuses: the cache keeps a copy.
	con, driver, perSecond, err := s.conns.GetForDelivery(c.UserContext(), strings.Clone(c.Params("connector")))
	switch {
	case plaudit.IsNotFound(err):
		return plaudit.Connector{}, nil, 0, plaudit.Errorf(plaudit.ENotFound, "unknown connector")
	case err != nil && con.ID == "":
		return con, nil, 0, err
	}
	if serr := s.cfg.Kinds.CheckURLSecret(con, c.Params("secret")); serr != nil {
		return con, driver, 0, serr
	}
	if err != nil {
		return con, nil, 0, plaudit.Errorf(plaudit.EInternal, "connector cannot be used: %s", plaudit.ErrorMessage(err))
	}
	return con, driver, perSecond, nil
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
