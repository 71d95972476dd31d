package feedback

import (
	"context"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
	"github.com/plaudit/plaudit/reply"
)

// commentWindow is how long after a score an SMS counts as its comment.
const commentWindow = 24 * time.Hour

// maxSMSCandidates bounds the look-up of the requests a reply may answer.
const maxSMSCandidates = 50

// ReplySMS handles a customer's SMS (a score, a comment, or a keyword) and
// returns the text to answer with, "" for none.
//
// A reply belongs only to a tenant that asked this number from the number
// (or Messaging Service) the reply reached. When several tenants wait for
// an answer from the same person on a shared sender, the reply is
// recorded for none of them and the answer holds the links to use. STOP
// and START reach every tenant that asked from that sender. A repeat of a
// message already handled (same MessageID) is answered with nothing.
func (s *Service) ReplySMS(ctx context.Context, m plaudit.InboundReply) (answer string, err error) {
	m.Clean()
	from, err := plaudit.NormalizePhone(m.From, "", "US")
	if err != nil {
		return "", plaudit.Errorf(plaudit.EInvalid, "From is not a phone number")
	}
	if m.MessageID == "" {
		return s.replySMS(ctx, from, m)
	}
	err = s.once(ctx, "twilio:sms:"+m.MessageID, func() (err error) {
		answer, err = s.replySMS(ctx, from, m)
		return err
	})
	return answer, err
}

func (s *Service) replySMS(ctx context.Context, from string, m plaudit.InboundReply) (string, error) {
	match, err := s.matchSMS(ctx, from, m.To)
	if err != nil {
		return "", err
	}
	lang := "en"
	if len(match.asked) > 0 {
		lang = match.asked[0].Language
	}
	if kw := reply.KeywordOf(m.Text); kw != reply.None {
		return s.smsKeyword(ctx, kw, from, m.Text, match, lang)
	}
	switch len(match.open) {
	case 0:
		return notify.T(lang, "sms.expired"), nil
	case 1:
		return s.smsAnswer(ctx, match.open[0], m.Text)
	}
	// Several tenants wait for an answer from this person on a shared
	// number: the reply could be for any of them, so it is recorded for
	// none, and the customer is pointed to the links.
	s.log().Info("SMS reply not attributed: several tenants asked from this sender", "tenants", len(match.open))
	links := make([]string, 0, len(match.open))
	for _, r := range match.open {
		links = append(links, s.PublicURL+"/f/"+r.Token)
	}
	return notify.T(match.open[0].Language, "sms.ambiguous") + " " + strings.Join(links, " "), nil
}

// smsKeyword applies STOP, START or HELP.
func (s *Service) smsKeyword(ctx context.Context, kw reply.Keyword, from, text string, match smsMatch, lang string) (string, error) {
	switch kw {
	case reply.Stop:
		// Every tenant that asked from this sender: the customer wants no
		// more texts from it.
		for _, r := range match.asked {
			if err := s.suppress(ctx, r.TenantID, from, "sms_stop"); err != nil {
				return "", err
			}
		}
		if reply.ConfirmedByTwilio(text) {
			return "", nil // Twilio sends its own opt-out confirmation
		}
		return notify.T(lang, "sms.stopped"), nil
	case reply.Start:
		for _, r := range match.asked {
			if err := s.unsuppress(ctx, r.TenantID, from, "sms_start"); err != nil {
				return "", err
			}
		}
		return "", nil // Twilio confirms START itself
	}
	if len(match.asked) != 1 {
		return notify.T(lang, "sms.help_nobrand"), nil
	}
	return notify.T(lang, "sms.help", s.brand(ctx, match.asked[0].TenantID)), nil
}

// smsAnswer records an SMS as the score or the comment of req's response.
func (s *Service) smsAnswer(ctx context.Context, req plaudit.FeedbackRequest, text string) (string, error) {
	lang := req.Language
	resp, err := s.Store.ResponseByRequest(ctx, req.TenantID, req.ID)
	if err != nil && !plaudit.IsNotFound(err) {
		return "", err
	}
	hasResponse := err == nil
	score, comment, ok := reply.Score(text, s.replyLanguages(ctx, req)...)
	a := Answer{Source: plaudit.SourceSMS}
	next := "sms.thanks_comment"
	switch {
	case !hasResponse && ok:
		a.Score = &score
		if comment != "" {
			a.Comment = &comment
		} else {
			next = "sms.ask_comment"
		}
	case !hasResponse || strings.TrimSpace(text) == "": // no score yet, or a picture without text
		return notify.T(lang, "sms.unparsed"), nil
	case ok && comment == "":
		// A bare number after the score: they changed their mind.
		a.Score, next = &score, "sms.ask_comment"
	case resp.Comment == "" && s.now().Sub(resp.CreatedAt) <= commentWindow:
		a.Comment = &text
	default:
		// A comment is recorded already, or the day for one has passed:
		// this message is not recorded, and the answer must not claim it
		// was.
		return notify.T(lang, "sms.already"), nil
	}
	if _, err := s.Record(ctx, req, a); err != nil {
		return "", err
	}
	return notify.T(lang, next), nil
}

// brand is the name the customer knows a tenant by, for HELP.
func (s *Service) brand(ctx context.Context, tenantID string) string {
	if t, err := s.Store.GetTenant(ctx, tenantID); err == nil {
		if t.Settings.BrandName != "" {
			return t.Settings.BrandName
		}
		return t.Name
	}
	return "Customer support"
}

// smsMatch is what an SMS reply may be about: asked holds the newest
// request of each tenant that sent to the customer's number from the
// number the reply reached; open those of them still answerable.
type smsMatch struct {
	asked, open []plaudit.FeedbackRequest
}

// matchSMS finds the requests an SMS from the customer's number to the
// senders to (the number it reached, the Messaging Service) may answer,
// newest first, one per tenant. Requests sent before senders were
// recorded count as sent from the shared number.
func (s *Service) matchSMS(ctx context.Context, from string, to []string) (smsMatch, error) {
	senders := []string{""}
	for _, v := range to {
		if v != "" {
			senders = append(senders, v)
		}
	}
	reqs, err := s.Store.SMSRequestsTo(ctx, from, senders, maxSMSCandidates)
	if err != nil {
		return smsMatch{}, err
	}
	var m smsMatch
	seen := map[string]bool{}
	now := s.now()
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
