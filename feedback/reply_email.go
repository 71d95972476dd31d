package feedback

import (
	"context"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reply"
)

// ReplyEmail records a customer's email reply to a feedback request: a
// score with an optional comment, or a comment alone. The request is
// named by the reply address (reply+{token}@ReplyDomain). A reply that
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
	a := Answer{Source: plaudit.SourceEmail}
	if score, comment, ok := reply.Score(text); ok {
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
