package server

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/notify/twilio"
	"github.com/plaudit/plaudit/reply"
)

// commentWindow is how long after a score an SMS counts as its comment.
const commentWindow = 24 * time.Hour

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

// twiml answers Twilio with one message, or none when text is "".
func twiml(c *fiber.Ctx, text string) error {
	c.Set(fiber.HeaderContentType, twilio.TwiMLContentType)
	return c.Status(fiber.StatusOK).Send(twilio.TwiML(text))
}

// twilioSMS handles a customer's SMS: a score, a comment, or a keyword.
func (s *Server) twilioSMS(c *fiber.Ctx) (err error) {
	params, err := s.verifyTwilio(c)
	if err != nil {
		return err
	}
	in, err := twilio.ParseSMS(params)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	now := s.cfg.Now()
	if sid := in.MessageID; sid != "" {
		first, undo, ferr := s.firstDelivery(ctx, "twilio:sms:"+sid)
		if ferr != nil {
			return ferr
		}
		if !first {
			return twiml(c, "") // a retry of a message already answered
		}
		defer func() {
			if err != nil { // the named result: what the handler returns
				undo()
			}
		}()
	}
	from, body := in.From, in.Text
	// The requests sent to this number from the number (or Messaging
	// Service) the reply reached: only their tenants asked this person.
	m, err := s.matchSMSReply(ctx, from, nth(in.To, 0), nth(in.To, 1), now)
	if err != nil {
		return err
	}
	lang := "en"
	if len(m.asked) > 0 {
		lang = m.asked[0].Language
	}

	switch reply.KeywordOf(body) {
	case reply.Stop:
		// Every tenant that asked from this sender: the customer wants no
		// more texts from it.
		for _, r := range m.asked {
			if err := s.suppressAddress(c, r.TenantID, from, "sms_stop"); err != nil {
				return err
			}
		}
		if reply.ConfirmedByTwilio(body) {
			return twiml(c, "") // Twilio sends its own opt-out confirmation
		}
		return twiml(c, notify.T(lang, "sms.stopped"))
	case reply.Start:
		for _, r := range m.asked {
			if err := s.unsuppressAddress(c, r.TenantID, from); err != nil {
				return err
			}
		}
		return twiml(c, "") // Twilio confirms START itself
	case reply.Help:
		if len(m.asked) != 1 {
			return twiml(c, notify.T(lang, "sms.help_nobrand"))
		}
		return twiml(c, notify.T(lang, "sms.help", s.brandFor(c, m.asked[0])))
	}

	switch len(m.open) {
	case 0:
		return twiml(c, notify.T(lang, "sms.expired"))
	case 1:
	default:
		// Several tenants wait for an answer from this person on a shared
		// number: the reply could be for any of them, so it is recorded
		// for none, and the customer is pointed to the links.
		s.log.Info("SMS reply not attributed: several tenants asked from this sender", "tenants", len(m.open))
		links := make([]string, 0, len(m.open))
		for _, r := range m.open {
			links = append(links, s.cfg.PublicURL+"/f/"+r.Token)
		}
		return twiml(c, notify.T(m.open[0].Language, "sms.ambiguous")+" "+strings.Join(links, " "))
	}
	req := m.open[0]
	lang = req.Language
	resp, err := s.cfg.Store.ResponseByRequest(ctx, req.TenantID, req.ID)
	if err != nil && !plaudit.IsNotFound(err) {
		return err
	}
	hasResponse := err == nil
	score, comment, ok := reply.Score(body)
	empty := strings.TrimSpace(body) == "" // a picture without text
	switch {
	case !hasResponse && ok:
		a := answer{Score: &score, Source: plaudit.SourceSMS}
		if comment != "" {
			a.Comment = &comment
		}
		if _, err := s.record(ctx, req, a); err != nil {
			return err
		}
		if comment != "" {
			return twiml(c, notify.T(lang, "sms.thanks_comment"))
		}
		return twiml(c, notify.T(lang, "sms.ask_comment"))
	case !hasResponse || empty:
		return twiml(c, notify.T(lang, "sms.unparsed"))
	case ok && comment == "":
		// A bare number after the score: they changed their mind.
		if _, err := s.record(ctx, req, answer{Score: &score, Source: plaudit.SourceSMS}); err != nil {
			return err
		}
		return twiml(c, notify.T(lang, "sms.ask_comment"))
	case resp.Comment == "" && now.Sub(resp.CreatedAt) <= commentWindow:
		if _, err := s.record(ctx, req, answer{Comment: &body, Source: plaudit.SourceSMS}); err != nil {
			return err
		}
		return twiml(c, notify.T(lang, "sms.thanks_comment"))
	}
	// A comment is recorded already, or the day for one has passed: this
	// message is not recorded, and the answer must not claim it was.
	return twiml(c, notify.T(lang, "sms.already"))
}

// brandFor is the name the customer knows the tenant by, for HELP.
func (s *Server) brandFor(c *fiber.Ctx, req plaudit.FeedbackRequest) string {
	if t, err := s.cfg.Store.GetTenant(c.UserContext(), req.TenantID); err == nil {
		if t.Settings.BrandName != "" {
			return t.Settings.BrandName
		}
		return t.Name
	}
	return "Customer support"
}

// suppressAddress records an opt-out as a keyed hash of the address, so it
// outlives an erasure of the person's data.
func (s *Server) suppressAddress(c *fiber.Ctx, tenantID, address, reason string) error {
	t, err := s.cfg.Store.GetTenant(c.UserContext(), tenantID)
	if err != nil {
		return err
	}
	hash := keyring.AddressHash(t.HashKey, address)
	if err := s.cfg.Store.Suppress(c.UserContext(), plaudit.Suppression{TenantID: tenantID, AddressHash: hash, Reason: reason}); err != nil {
		return err
	}
	s.audit(c, tenantID, "customer", "suppression.add", "hash:"+hash[:16], reason)
	return nil
}

func (s *Server) unsuppressAddress(c *fiber.Ctx, tenantID, address string) error {
	t, err := s.cfg.Store.GetTenant(c.UserContext(), tenantID)
	if err != nil {
		return err
	}
	hash := keyring.AddressHash(t.HashKey, address)
	if err := s.cfg.Store.Unsuppress(c.UserContext(), tenantID, hash); err != nil {
		return err
	}
	s.audit(c, tenantID, "customer", "suppression.remove", "hash:"+hash[:16], "sms_start")
	return nil
}

// twilioStatus handles delivery status callbacks. The callback URL names
// the request (?r=…&t=…), and is covered by Twilio's signature; without
// them the request is found by MessageSid.
func (s *Server) twilioStatus(c *fiber.Ctx) (err error) {
	params, err := s.verifyTwilio(c)
	if err != nil {
		return err
	}
	ev := twilio.ParseStatus(params)
	// The callback URL set when sending names the request and marks a
	// reminder.
	ev.TenantID, ev.RequestID = c.Query("t"), c.Query("r")
	ev.Reminder = c.Query(reminderArgName) == reminderArgValue
	ctx := c.UserContext()
	req, err := s.cfg.Store.GetRequest(ctx, ev.TenantID, ev.RequestID)
	if plaudit.IsNotFound(err) && ev.RequestID == "" {
		// A status callback set on the Messaging Service rather than per
		// message names no request: Twilio's message id does.
		req, err = s.cfg.Store.RequestByProviderID(ctx, ev.ProviderID)
	}
	if plaudit.IsNotFound(err) {
		return c.SendStatus(fiber.StatusNoContent) // erased since: nothing to mark
	}
	if err != nil {
		return err
	}
	// Twilio calls once per status of a message, and again when it did
	// not get our answer: a repeat must not fail or suppress again (nor
	// audit it again), also when the copies come at once.
	if ev.EventID != "" {
		first, undo, ferr := s.firstDelivery(ctx, "twilio:status:"+ev.EventID)
		if ferr != nil {
			return ferr
		}
		if !first {
			return c.SendStatus(fiber.StatusNoContent)
		}
		defer func() {
			if err != nil { // the named result: what the handler returns
				undo()
			}
		}()
	}
	// A reminder's status leaves the request as its first message left it
	// (the customer's link keeps working); an opt-out is honoured all the
	// same.
	switch ev.Outcome {
	case plaudit.OutcomeDelivered:
		if !ev.Reminder {
			err = transition(ctx, s.cfg.Store, req, plaudit.Delivered)
		}
	case plaudit.OutcomeFailed:
		if !ev.Reminder {
			err = transition(ctx, s.cfg.Store, req, plaudit.Undeliverable(plaudit.RequestFailed, ev.Reason))
		}
		if err == nil && ev.Suppress != "" && req.Recipient != "" {
			err = s.suppressAddress(c, req.TenantID, req.Recipient, ev.Suppress)
		}
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// smsMatch is what an SMS reply may be about: asked holds the newest
// request of each tenant that sent to the customer's number from the
// number the reply reached; open those of them still answerable.
type smsMatch struct {
	asked, open []plaudit.FeedbackRequest
}

// maxSMSCandidates bounds the look-up of the requests a reply may answer.
const maxSMSCandidates = 50

// matchSMSReply finds the requests an SMS from the customer's number to
// the number to (or the Messaging Service msid) may answer, newest first,
// one per tenant. Requests sent before senders were recorded count as
// sent from the shared number.
func (s *Server) matchSMSReply(ctx context.Context, from, to, msid string, now time.Time) (smsMatch, error) {
	senders := []string{""}
	for _, v := range []string{to, msid} {
		if v != "" {
			senders = append(senders, v)
		}
	}
	reqs, err := s.cfg.Store.SMSRequestsTo(ctx, from, senders, maxSMSCandidates)
	if err != nil {
		return smsMatch{}, err
	}
	var m smsMatch
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.TenantID] {
			continue
		}
		seen[r.TenantID] = true
		m.asked = append(m.asked, r)
		if r.Answerable(now) {
			m.open = append(m.open, r)
		}
	}
	return m, nil
}

// nth is list[i], or "" past its end.
func nth(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

// reminderArgName and reminderArgValue are notify.ReminderArg, the mark of
// a reminder's status callbacks.
var reminderArgName, reminderArgValue, _ = strings.Cut(notify.ReminderArg, "=")
