package feedback

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/reply"
)

// ReplyEmail records a customer's email reply to a feedback request: a
// score with an optional comment, or a comment alone; or, when it says
// STOP, unsubscribe, abmelden or the like (reply.OptOut), the customer's
// objection, which is confirmed by email. The request is named by the
// reply address (reply+{token}@ReplyDomain). A reply that
// cannot be used (no reply routing, no request, an empty text, a closed
// request) is dropped and logged without its content; the error is for
// trouble worth a retry only.
func (s *Service) ReplyEmail(ctx context.Context, m plaudit.InboundReply) error {
	m.Clean()
	if s.ReplyDomain == "" {
		s.log().Info("inbound email dropped: PLAUDIT_INBOUND_EMAIL_DOMAIN is not set")
		return nil
	}
	req, found, err := s.replyRequest(ctx, m.To)
	if err != nil {
		return err
	}
	if !found {
		s.log().Info("inbound email dropped: no open request for its reply address")
		return nil
	}
	text := reply.EmailText(m.Text, m.HTML)
	if reply.OptOut(m.Subject) || reply.OptOut(text) {
		// An objection is never read as a score, whatever else it says.
		return s.optOutByEmail(ctx, req)
	}
	a := Answer{Source: plaudit.SourceEmail}
	if score, comment, ok := reply.Score(text, s.replyLanguages(ctx, req)...); ok {
		a.Score = &score
		if comment != "" {
			a.Comment = &comment
		}
	} else if strings.TrimSpace(text) != "" {
		a.Comment = &text
	}
	if a.Score == nil && a.Comment == nil {
		s.log().Info("inbound email dropped: empty reply", "request", req.ID)
		return nil
	}
	if _, err := s.Record(ctx, req, a); err != nil {
		switch plaudit.ErrorCode(err) {
		case plaudit.EGone, plaudit.EInvalid:
			s.log().Info("inbound email dropped", "request", req.ID, "reason", plaudit.ErrorMessage(err))
			return nil
		}
		return err
	}
	return nil
}

// replyRequest finds the request a reply's recipients name.
func (s *Service) replyRequest(ctx context.Context, to []string) (plaudit.FeedbackRequest, bool, error) {
	for _, addr := range to {
		token, ok := reply.TokenFromAddress(addr, s.ReplyDomain)
		if !ok {
			continue
		}
		r, err := s.Store.RequestByToken(ctx, token)
		if err == nil {
			return r, true, nil
		}
		if !plaudit.IsNotFound(err) {
			return plaudit.FeedbackRequest{}, false, err
		}
	}
	return plaudit.FeedbackRequest{}, false, nil
}

// optOutByEmail suppresses the address req went to, for an email reply
// that objects, and confirms it with one email in the customer's language
// (notify.RenderUnsubscribed) that says how to undo it. The confirmation
// goes only when the objection is new, so that a second "STOP" or an
// autoresponder's echo is not answered again; a confirmation that cannot
// be sent is logged, and the objection stands.
func (s *Service) optOutByEmail(ctx context.Context, req plaudit.FeedbackRequest) error {
	added, err := s.Unsubscribe(ctx, req, plaudit.SuppressEmailReply)
	if plaudit.IsNotFound(err) {
		s.log().Info("inbound email opt-out dropped: the request has no address", "request", req.ID)
		return nil
	}
	if err != nil || !added {
		return err
	}
	s.log().Info("inbound email: opted out", "request", req.ID)
	if err := s.confirmOptOut(ctx, req); err != nil {
		s.log().Warn("opt-out confirmation not sent", "request", req.ID, "err", err)
	}
	return nil
}

// confirmOptOut sends the confirmation of an opt-out by email reply.
func (s *Service) confirmOptOut(ctx context.Context, req plaudit.FeedbackRequest) error {
	if s.Email == nil {
		return errors.New("no email provider")
	}
	tenant, err := s.Store.GetTenant(ctx, req.TenantID)
	if err != nil {
		return err
	}
	c := notify.Content{Settings: tenant.Settings, Language: req.Language, Controller: tenant.Name,
		UnsubscribeURL: s.PublicURL + "/u/" + req.Token}
	if in, err := s.Store.GetInteraction(ctx, req.TenantID, req.InteractionID); err == nil {
		c.CustomerName = in.Customer.Name
	}
	subject, html, text, err := notify.RenderUnsubscribed(c)
	if err != nil {
		return err
	}
	m := notify.Email{To: req.Recipient, From: cmp.Or(tenant.Settings.FromEmail, s.FromEmail),
		FromName: cmp.Or(tenant.Settings.FromName, tenant.Settings.BrandName),
		Subject:  subject, HTML: html, Text: text, TenantID: req.TenantID, RequestID: req.ID}
	return s.call(plaudit.ChannelEmail, func() error {
		_, err := s.Email.SendEmail(ctx, m)
		return err
	})
}
