package server

import (
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify/sendgrid"
	"github.com/plaudit/plaudit/reply"
)

// sendgridInbound handles an email reply posted by SendGrid Inbound Parse.
// Replies it cannot use are answered 2xx and dropped, so that SendGrid
// does not retry them for days.
func (s *Server) sendgridInbound(c *fiber.Ctx) error {
	if tok := s.cfg.SendGridInboundToken; tok != "" {
		_, pass, ok := basicAuth(c.Get(fiber.HeaderAuthorization))
		if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(tok)) != 1 {
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="plaudit inbound"`)
			return plaudit.Errorf(plaudit.EUnauthorized, "inbound parse token missing or wrong")
		}
	}
	if s.cfg.InboundEmailDomain == "" {
		s.log.Info("inbound email dropped: PLAUDIT_INBOUND_EMAIL_DOMAIN is not set")
		return c.SendStatus(fiber.StatusOK)
	}
	form, err := c.MultipartForm()
	if err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "body must be multipart/form-data as Inbound Parse posts it")
	}
	in, err := sendgrid.ParseInbound(form)
	if err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "%s", plaudit.ErrorMessage(err))
	}
	ctx := c.UserContext()
	var req plaudit.FeedbackRequest
	found := false
	for _, to := range in.To {
		if token, ok := reply.TokenFromAddress(to, s.cfg.InboundEmailDomain); ok {
			if r, err := s.cfg.Store.RequestByToken(ctx, token); err == nil {
				req, found = r, true
				break
			} else if !plaudit.IsNotFound(err) {
				return err
			}
		}
	}
	if !found {
		s.log.Info("inbound email dropped: no open request for its reply address")
		return c.SendStatus(fiber.StatusOK)
	}
	text := reply.EmailText(in.Text, in.HTML)
	a := answer{Source: plaudit.SourceEmail}
	if score, comment, ok := reply.Score(text); ok {
		a.Score = &score
		if comment != "" {
			a.Comment = &comment
		}
	} else if strings.TrimSpace(text) != "" {
		a.Comment = &text
	}
	if a.Score == nil && a.Comment == nil {
		s.log.Info("inbound email dropped: empty reply", "request", req.ID)
		return c.SendStatus(fiber.StatusOK)
	}
	if _, err := s.record(ctx, req, a); err != nil {
		switch plaudit.ErrorCode(err) {
		case plaudit.EGone, plaudit.EInvalid:
			s.log.Info("inbound email dropped", "request", req.ID, "reason", plaudit.ErrorMessage(err))
			return c.SendStatus(fiber.StatusOK)
		}
		return err
	}
	return c.SendStatus(fiber.StatusOK)
}

func basicAuth(h string) (user, pass string, ok bool) {
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	return user, pass, ok
}

// sendgridEvents handles SendGrid's signed Event Webhook: delivered marks
// the request, hard bounces, drops and spam reports suppress the address.
func (s *Server) sendgridEvents(c *fiber.Ctx) error {
	err := sendgrid.VerifyEvents(s.cfg.SendGridEventKey, c.Body(), c.Get(sendgrid.SignatureHeader), c.Get(sendgrid.TimestampHeader), s.cfg.Now())
	if plaudit.ErrorCode(err) == plaudit.EInternal {
		s.log.Error("SendGrid events refused: SENDGRID_EVENT_PUBLIC_KEY cannot be read", "err", err)
	}
	if err != nil {
		return err
	}
	events, err := sendgrid.ParseEvents(c.Body())
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	for _, e := range events {
		if e.RequestID == "" || e.TenantID == "" {
			// Without the custom args (a message sent before they were
			// set, a relay that drops them) the message id still names
			// the request; without either it is not one of ours.
			req, err := s.cfg.Store.RequestByProviderID(ctx, e.ProviderID)
			if plaudit.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			e.RequestID, e.TenantID = req.ID, req.TenantID
		}
		undo := func() {}
		if e.EventID != "" {
			first, u, err := s.firstDelivery(ctx, "sendgrid:"+e.EventID)
			if err != nil {
				return err
			}
			if !first {
				continue
			}
			undo = u
		}
		if err := s.applyEmailEvent(c, e); err != nil {
			// SendGrid posts the whole batch again; the events before
			// this one are recorded and skipped then, this one is not.
			undo()
			return err
		}
	}
	return c.SendStatus(fiber.StatusOK)
}

func (s *Server) applyEmailEvent(c *fiber.Ctx, e plaudit.DeliveryEvent) error {
	ctx := c.UserContext()
	req, err := s.cfg.Store.GetRequest(ctx, e.TenantID, e.RequestID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// A reminder's fate leaves the request as its first message left it,
	// so that the link the customer already has keeps working; a bad
	// address is suppressed all the same.
	setStatus := func(status, reason string) error {
		if e.Reminder {
			return nil
		}
		t := plaudit.Undeliverable(status, reason)
		if status == plaudit.RequestDelivered {
			t = plaudit.Delivered
		}
		return transition(ctx, s.cfg.Store, req, t)
	}
	switch e.Outcome {
	case plaudit.OutcomeDelivered:
		return setStatus(plaudit.RequestDelivered, "")
	case plaudit.OutcomeBounced:
		err = setStatus(plaudit.RequestBounced, e.Reason)
	case plaudit.OutcomeFailed:
		err = setStatus(plaudit.RequestFailed, e.Reason)
	case plaudit.OutcomeComplaint:
	default:
		return nil
	}
	if err != nil || e.Suppress == "" {
		return err
	}
	addr := req.Recipient
	if addr == "" {
		addr = plaudit.NormalizeEmail(e.Address)
	}
	if addr == "" {
		return nil
	}
	return s.suppressAddress(c, req.TenantID, addr, e.Suppress)
}
