package server

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify/sendgrid"
)

// sendgridInbound handles an email reply posted by SendGrid Inbound Parse
// (feedback.Service.ReplyEmail). Replies it cannot use are answered 2xx
// and dropped, so that SendGrid does not retry them for days.
func (s *Server) sendgridInbound(c *fiber.Ctx) error {
	if tok := s.cfg.SendGridInboundToken; tok != "" {
		_, pass, ok := basicAuth(c.Get(fiber.HeaderAuthorization))
		if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(tok)) != 1 {
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="plaudit inbound"`)
			return plaudit.Errorf(plaudit.EUnauthorized, "inbound parse token missing or wrong")
		}
	}
	form, err := c.MultipartForm()
	if err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "body must be multipart/form-data as Inbound Parse posts it")
	}
	in, err := sendgrid.ParseInbound(form)
	var fe *sendgrid.FieldError
	if errors.As(err, &fe) {
		return plaudit.Errorf(plaudit.EInvalid, "field %q cannot be read", fe.Field)
	}
	if err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "body is no Inbound Parse post")
	}
	if err := s.fb.ReplyEmail(c.UserContext(), in); err != nil {
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

// sendgridEvents handles SendGrid's signed Event Webhook
// (feedback.Service.ApplyDelivery for each event). When one fails, the
// answer is an error and SendGrid posts the whole batch again: the events
// before it are recorded and skipped then, the failed one is not.
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
	for _, e := range events {
		if err := s.fb.ApplyDelivery(c.UserContext(), e); err != nil {
			return err
		}
	}
	return c.SendStatus(fiber.StatusOK)
}
