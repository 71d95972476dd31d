package feedback

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// Send sends one feedback request. The request is claimed in the store
// (scheduled → sending) before the provider is called and marked sent
// after, so a second worker or a redelivered task finds it claimed and
// does nothing. A crash after the provider took the message and before the
// mark leaves the claim to time out (PLAUDIT_CLAIM_TIMEOUT); the claim that
// takes it over then looks for evidence that the provider took it before
// it sends again (retake.go).
//
// A request that is not due yet (rescheduled since its task was queued)
// returns a NotDueError; a failure that no retry can mend ends the
// request and returns a plaudit.PermanentError.
func (s *Service) Send(ctx context.Context, tenantID, id string) error {
	now := s.now()
	req, claimed, err := s.Store.ClaimRequest(ctx, tenantID, id, now)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !claimed {
		if req.Status == plaudit.RequestScheduled && req.DueAt.After(now) {
			return &NotDueError{Until: req.DueAt, Reason: "request rescheduled"}
		}
		return nil // sent, canceled, or being sent by another worker
	}
	if !req.AbandonedAt.IsZero() {
		if done, err := s.retake(ctx, req, false); done || err != nil {
			return err
		}
	}
	if err := s.send(ctx, req); err != nil {
		return s.sendFailed(ctx, req, err)
	}
	return nil
}

func (s *Service) send(ctx context.Context, req plaudit.FeedbackRequest) error {
	tenant, err := s.Store.GetTenant(ctx, req.TenantID)
	if err != nil {
		return permanentIfNotFound(err, "tenant deleted")
	}
	in, err := s.Store.GetInteraction(ctx, req.TenantID, req.InteractionID)
	if err != nil {
		return permanentIfNotFound(err, "interaction erased")
	}
	agent, reason, err := s.stillWanted(ctx, req)
	if err != nil {
		return err
	}
	if reason != "" {
		return s.transition(ctx, req, plaudit.Cancel(reason))
	}
	if !s.provides(req.Channel) {
		// Its channel lost its provider since it was scheduled: nothing
		// takes it, and it must not count as sent.
		return s.transition(ctx, req, plaudit.Skip(plaudit.ReasonNoProvider))
	}
	// Quiet hours were applied when the request was scheduled; a retry
	// after a provider failure, or quiet hours changed since, can still
	// bring it into them. It then waits for their end: the store holds the
	// new due time and the reconciler enqueues it then (this task's id is
	// still taken while it runs).
	if due, quiet := quietUntil(tenant.Settings, in, req, s.now()); quiet {
		return s.transition(ctx, req, plaudit.Reschedule(due))
	}
	content := s.content(tenant, agent, in, req)
	providerID, err := s.deliver(ctx, tenant, req, content)
	if err != nil {
		return err
	}
	if s.Metrics != nil {
		s.Metrics.Sends.WithLabelValues(req.Channel, "sent").Inc()
	}
	// The provider took the message: record it even when the task's time
	// ran out during the call, or the request would stay "sending" and go
	// out a second time after the claim timeout.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	return s.Store.MarkRequestSent(mctx, req.TenantID, req.ID, providerID, s.now())
}

// stillWanted reads the agent a request presents, and gives the reason
// it must not go out after all: the agent is no longer approved, or an
// opt-out or a bounce came in since it was scheduled.
func (s *Service) stillWanted(ctx context.Context, req plaudit.FeedbackRequest) (plaudit.Agent, string, error) {
	agent, err := s.Store.GetAgent(ctx, req.TenantID, req.AgentID)
	if plaudit.IsNotFound(err) || (err == nil && !agent.Approved) {
		return agent, plaudit.ReasonAgentNotApprove, nil
	}
	if err != nil {
		return agent, "", err
	}
	sup, err := s.Store.IsSuppressed(ctx, req.TenantID, req.RecipientHash, s.now())
	if err != nil || !sup {
		return agent, "", err
	}
	return agent, plaudit.ReasonSuppressed, nil
}

// quietUntil says whether an SMS for req would now fall in the tenant's
// quiet hours, in the customer's time zone, and when they end.
func quietUntil(set plaudit.Settings, in plaudit.Interaction, req plaudit.FeedbackRequest, now time.Time) (time.Time, bool) {
	if req.Channel != plaudit.ChannelSMS {
		return now, false
	}
	loc := customerLocation(set, in, req.Channel, req.Recipient)
	due := plaudit.AfterQuietHours(set.QuietHours, loc, now)
	return due, due.After(now)
}

// content is what a request's message says: the tenant's brand, the
// agent, the customer's name and language, and the page link.
func (s *Service) content(tenant plaudit.Tenant, agent plaudit.Agent, in plaudit.Interaction, req plaudit.FeedbackRequest) notify.Content {
	return notify.Content{
		Settings:     tenant.Settings,
		Agent:        agent,
		Language:     req.Language,
		PageURL:      s.PublicURL + "/f/" + req.Token,
		CustomerName: in.Customer.Name,
		// The footer's right to object, and the List-Unsubscribe headers.
		UnsubscribeURL: s.PublicURL + "/u/" + req.Token,
		Controller:     tenant.Name,
	}
}

// markTimeout bounds the write that marks a request sent.
const markTimeout = 10 * time.Second

// deliver hands content for req to the provider of its channel, through
// the provider's circuit, and returns the provider's message id.
func (s *Service) deliver(ctx context.Context, tenant plaudit.Tenant, req plaudit.FeedbackRequest, content notify.Content) (providerID string, err error) {
	err = s.call(req.Channel, func() (err error) {
		switch req.Channel {
		case plaudit.ChannelEmail:
			providerID, err = s.sendEmail(ctx, tenant, req, content)
		case plaudit.ChannelSMS:
			providerID, err = s.SMS.SendSMS(ctx, notify.SMS{
				To:             req.Recipient,
				From:           req.Sender,
				Body:           notify.RenderSMS(content),
				StatusCallback: statusCallback(s.PublicURL, req, content.Reminder),
				TenantID:       req.TenantID,
				RequestID:      req.ID,
			})
		default:
			err = plaudit.Permanent("unknown channel", nil)
		}
		return err
	})
	return providerID, err
}

// statusCallback is the URL Twilio reports an SMS's delivery to.
func statusCallback(publicURL string, req plaudit.FeedbackRequest, reminder bool) string {
	u := publicURL + "/hooks/twilio/status?r=" + req.ID + "&t=" + req.TenantID
	if reminder {
		u += "&" + notify.ReminderArg
	}
	return u
}

func (s *Service) sendEmail(ctx context.Context, tenant plaudit.Tenant, req plaudit.FeedbackRequest, c notify.Content) (string, error) {
	subject, html, text, err := notify.RenderEmail(c)
	if err != nil {
		return "", plaudit.Permanent("render email", err)
	}
	from := tenant.Settings.FromEmail
	if from == "" {
		from = s.FromEmail
	}
	fromName := tenant.Settings.FromName
	if fromName == "" {
		fromName = tenant.Settings.BrandName
	}
	m := notify.Email{
		To: req.Recipient, From: from, FromName: fromName,
		Subject: subject, HTML: html, Text: text,
		TenantID: req.TenantID, RequestID: req.ID, Reminder: c.Reminder,
	}
	m.UnsubscribeURL, m.UnsubscribeMailto = c.UnsubscribeURL, from
	if s.ReplyDomain != "" {
		m.ReplyTo = "reply+" + req.Token + "@" + strings.ToLower(s.ReplyDomain)
		m.UnsubscribeMailto = m.ReplyTo // read by ReplyEmail, like any reply
	}
	return s.Email.SendEmail(ctx, m)
}

// sendFailed records a failed attempt: a permanent failure ends the request
// with its reason; anything else puts it back to scheduled and is returned
// for the caller to retry with backoff (the claim is released so the retry
// can take it).
func (s *Service) sendFailed(ctx context.Context, req plaudit.FeedbackRequest, err error) error {
	var p *plaudit.PermanentError
	if errors.As(err, &p) {
		reason := p.Reason
		if s.Metrics != nil {
			s.Metrics.Sends.WithLabelValues(req.Channel, "failed").Inc()
		}
		if serr := s.transition(ctx, req, plaudit.SendFailed(reason)); serr != nil {
			return serr
		}
		return err
	}
	if s.Metrics != nil {
		s.Metrics.Sends.WithLabelValues(req.Channel, "retry").Inc()
	}
	if serr := s.transition(ctx, req, plaudit.Reschedule(req.DueAt)); serr != nil {
		return serr
	}
	return err
}
