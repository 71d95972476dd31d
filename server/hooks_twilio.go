package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/twilio"
)

// verifyTwilio checks X-Twilio-Signature over PLAUDIT_PUBLIC_URL + path
// (+ query) and the posted form. Behind a reverse proxy PLAUDIT_PUBLIC_URL
// must be the URL configured in Twilio, exactly, or every request fails
// here.
func (s *Server) verifyTwilio(c *fiber.Ctx) (map[string]string, error) {
	params := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { params[string(k)] = string(v) })
	url := s.cfg.PublicURL + c.OriginalURL()
	if err := twilio.VerifyRequest(s.cfg.TwilioAuthToken, url, params, c.Get(twilio.SignatureHeader)); err != nil {
		return nil, err
	}
	return params, nil
}

// twilioSMS handles a customer's SMS (feedback.Service.ReplySMS) and
// answers with TwiML.
func (s *Server) twilioSMS(c *fiber.Ctx) error {
	params, err := s.verifyTwilio(c)
	if err != nil {
		return err
	}
	in, err := twilio.ParseSMS(params)
	if err != nil {
		return err
	}
	text, err := s.fb.ReplySMS(c.UserContext(), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, twilio.TwiMLContentType)
	return c.Status(fiber.StatusOK).Send(twilio.TwiML(text))
}

// reminderArgName and reminderArgValue are notify.ReminderArg, the mark of
// a reminder's events.
var reminderArgName, reminderArgValue, _ = strings.Cut(notify.ReminderArg, "=")

// twilioStatus handles delivery status callbacks
// (feedback.Service.ApplyDelivery). The callback URL set when sending
// names the request (?r=…&t=…) and marks a reminder, and is covered by
// Twilio's signature; without them the request is found by MessageSid.
func (s *Server) twilioStatus(c *fiber.Ctx) error {
	params, err := s.verifyTwilio(c)
	if err != nil {
		return err
	}
	ev := twilio.ParseStatus(params)
	ev.TenantID, ev.RequestID = c.Query("t"), c.Query("r")
	ev.Reminder = c.Query(reminderArgName) == reminderArgValue
	if err := s.fb.ApplyDelivery(c.UserContext(), ev); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
