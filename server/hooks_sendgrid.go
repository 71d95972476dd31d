package server

import (
	"crypto/ecdsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
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
	in, err := reply.ParseInbound(form)
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

// sgEvent is the part of a SendGrid event Plaudit reads. request_id and
// tenant_id are the custom args set when sending.
type sgEvent struct {
	Email     string `json:"email"`
	Event     string `json:"event"`
	Type      string `json:"type"`
	EventID   string `json:"sg_event_id"`
	MessageID string `json:"sg_message_id"`
	RequestID string `json:"request_id"`
	TenantID  string `json:"tenant_id"`
	// Message is "reminder" for the events of a reminder (notify.ReminderArg).
	Message string `json:"message"`
}

// sendgridEvents handles SendGrid's signed Event Webhook: delivered marks
// the request, hard bounces, drops and spam reports suppress the address.
func (s *Server) sendgridEvents(c *fiber.Ctx) error {
	if s.cfg.SendGridEventKey == "" {
		return plaudit.Errorf(plaudit.EForbidden, "SENDGRID_EVENT_PUBLIC_KEY is not set: events refused")
	}
	key, err := eventPublicKey(s.cfg.SendGridEventKey)
	if err != nil {
		s.log.Error("SendGrid events refused: SENDGRID_EVENT_PUBLIC_KEY cannot be read", "err", err)
		return plaudit.Errorf(plaudit.EInternal, "SENDGRID_EVENT_PUBLIC_KEY cannot be read")
	}
	sig := c.Get(eventwebhook.VerificationHTTPHeader)
	ts := c.Get(eventwebhook.TimestampHTTPHeader)
	if sig == "" || ts == "" {
		return plaudit.Errorf(plaudit.EUnauthorized, "missing event webhook signature headers")
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || absDuration(s.cfg.Now().Sub(time.Unix(sec, 0))) > 5*time.Minute {
		return plaudit.Errorf(plaudit.EUnauthorized, "event webhook timestamp is stale")
	}
	if ok, err := eventwebhook.VerifySignature(key, c.Body(), sig, ts); err != nil || !ok {
		return plaudit.Errorf(plaudit.EForbidden, "event webhook signature does not match")
	}
	var events []sgEvent
	if err := json.Unmarshal(c.Body(), &events); err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "body must be a JSON array of events")
	}
	ctx := c.UserContext()
	for _, e := range events {
		if e.RequestID == "" || e.TenantID == "" {
			// Without the custom args (a message sent before they were
			// set, a relay that drops them) the message id still names
			// the request; without either it is not one of ours.
			req, err := s.cfg.Store.RequestByProviderID(ctx, sgMessageID(e.MessageID))
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

func (s *Server) applyEmailEvent(c *fiber.Ctx, e sgEvent) error {
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
	reminder := e.Message == reminderArgValue
	setStatus := func(status, reason string) error {
		if reminder {
			return nil
		}
		t := plaudit.Undeliverable(status, reason)
		if status == plaudit.RequestDelivered {
			t = plaudit.Delivered
		}
		return transition(ctx, s.cfg.Store, req, t)
	}
	suppress := ""
	switch e.Event {
	case "delivered":
		return setStatus(plaudit.RequestDelivered, "")
	case "bounce":
		if e.Type == "blocked" { // a soft bounce: the address may work later
			return setStatus(plaudit.RequestFailed, "sendgrid: blocked")
		}
		suppress = "email_bounced"
		err = setStatus(plaudit.RequestBounced, "sendgrid: bounce")
	case "dropped":
		suppress = "email_dropped"
		err = setStatus(plaudit.RequestFailed, "sendgrid: dropped")
	case "spamreport":
		suppress = "email_spam_report"
	default:
		return nil
	}
	if err != nil {
		return err
	}
	addr := req.Recipient
	if addr == "" {
		addr = plaudit.NormalizeEmail(e.Email)
	}
	if addr == "" {
		return nil
	}
	return s.suppressAddress(c, req.TenantID, addr, suppress)
}

// reminderArgName and reminderArgValue are notify.ReminderArg, the mark of
// a reminder's events.
var reminderArgName, reminderArgValue, _ = strings.Cut(notify.ReminderArg, "=")

// sgMessageID returns the X-Message-Id that SendGrid answered the send
// with, which an event's sg_message_id starts with
// ("{X-Message-Id}.filter…", or "{X-Message-Id}.recvd-…").
func sgMessageID(eventMessageID string) string {
	for _, sep := range []string{".filter", ".recvd-", ".ismtpd"} {
		if i := strings.Index(eventMessageID, sep); i > 0 {
			return eventMessageID[:i]
		}
	}
	return eventMessageID
}

// eventPublicKey reads the Event Webhook verification key as SendGrid shows
// it (base64 of the DER public key), also when pasted as PEM or wrapped
// over lines. Unlike eventwebhook.ConvertPublicKeyBase64ToECDSA it returns
// an error for a key that is not ECDSA instead of panicking.
func eventPublicKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if b, _ := pem.Decode([]byte(s)); b != nil {
		s = base64.StdEncoding.EncodeToString(b.Bytes)
	}
	s = strings.Join(strings.Fields(s), "")
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an ECDSA key", pub)
	}
	return key, nil
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
