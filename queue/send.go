package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/notify"
)

// HandleSend sends one feedback request. The request is claimed in the
// store (scheduled → sending) before the provider is called and marked
// sent after, so a second worker or a redelivered task finds it claimed
// and does nothing. Only a crash after the provider took the message and
// before the mark can lead to one duplicate, sent when the claim times
// out (PLAUDIT_CLAIM_TIMEOUT) and the reconciler hands the request out
// again.
func (w *Worker) HandleSend(ctx context.Context, t *asynq.Task) error {
	ref, err := parseRef(t)
	if err != nil {
		return err
	}
	now := w.now()
	req, claimed, err := w.Store.ClaimRequest(ctx, ref.TenantID, ref.ID, now)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !claimed {
		if req.Status == plaudit.RequestScheduled && req.DueAt.After(now) {
			// Not due yet (rescheduled since this task was enqueued, or
			// enqueued early by the reconciler): run this same task again
			// at the due time. Enqueuing anew would collide with this
			// task's own id.
			// (notBefore: asynq keeps the retry time in whole seconds.)
			return &plaudit.RetryAfterError{After: notBefore(req.DueAt, now).Sub(now), Err: errNotDue}
		}
		return nil // sent, canceled, or being sent by another worker
	}
	if err := w.send(ctx, req); err != nil {
		return w.sendFailed(ctx, req, err)
	}
	return nil
}

func (w *Worker) send(ctx context.Context, req plaudit.FeedbackRequest) error {
	tenant, err := w.Store.GetTenant(ctx, req.TenantID)
	if err != nil {
		return permanentIfNotFound(err, "tenant deleted")
	}
	in, err := w.Store.GetInteraction(ctx, req.TenantID, req.InteractionID)
	if err != nil {
		return permanentIfNotFound(err, "interaction erased")
	}
	agent, err := w.Store.GetAgent(ctx, req.TenantID, req.AgentID)
	if plaudit.IsNotFound(err) || (err == nil && !agent.Approved) {
		return w.transition(ctx, req, plaudit.Cancel(plaudit.ReasonAgentNotApprove))
	}
	if err != nil {
		return err
	}
	// An opt-out may have come in since the request was scheduled.
	if sup, err := w.Store.IsSuppressed(ctx, req.TenantID, req.RecipientHash, w.now()); err != nil {
		return err
	} else if sup {
		return w.transition(ctx, req, plaudit.Cancel(plaudit.ReasonSuppressed))
	}

	// Quiet hours were applied when the request was scheduled; a retry
	// after a provider failure, or quiet hours changed since, can still
	// bring it into them. It then waits for their end: the store holds the
	// new due time and the reconciler enqueues it then (this task's id is
	// still taken while it runs).
	if req.Channel == plaudit.ChannelSMS {
		now := w.now()
		loc := customerLocation(tenant.Settings, in, req.Channel, req.Recipient)
		if due := plaudit.AfterQuietHours(tenant.Settings.QuietHours, loc, now); due.After(now) {
			return w.transition(ctx, req, plaudit.Reschedule(due))
		}
	}

	content := notify.Content{
		Settings:     tenant.Settings,
		Agent:        agent,
		Language:     req.Language,
		PageURL:      w.PublicURL + "/f/" + req.Token,
		CustomerName: in.Customer.Name,
	}
	providerID, err := w.deliver(ctx, tenant, req, content)
	if err != nil {
		return err
	}
	if w.Metrics != nil {
		w.Metrics.Sends.WithLabelValues(req.Channel, "sent").Inc()
	}
	// The provider took the message: record it even when the task's time
	// ran out during the call, or the request would stay "sending" and go
	// out a second time after the claim timeout.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	return w.Store.MarkRequestSent(mctx, req.TenantID, req.ID, providerID, w.now())
}

// markTimeout bounds the write that marks a request sent.
const markTimeout = 10 * time.Second

// deliver hands content for req to the provider of its channel, through
// the provider's circuit, and returns the provider's message id.
func (w *Worker) deliver(ctx context.Context, tenant plaudit.Tenant, req plaudit.FeedbackRequest, content notify.Content) (providerID string, err error) {
	err = w.call(req.Channel, func() (err error) {
		switch req.Channel {
		case plaudit.ChannelEmail:
			providerID, err = w.sendEmail(ctx, tenant, req, content)
		case plaudit.ChannelSMS:
			providerID, err = w.SMS.SendSMS(ctx, notify.SMS{
				To:             req.Recipient,
				From:           req.Sender,
				Body:           notify.RenderSMS(content),
				StatusCallback: statusCallback(w.PublicURL, req, content.Reminder),
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

func (w *Worker) sendEmail(ctx context.Context, tenant plaudit.Tenant, req plaudit.FeedbackRequest, c notify.Content) (string, error) {
	subject, html, text, err := notify.RenderEmail(c)
	if err != nil {
		return "", plaudit.Permanent("render email", err)
	}
	from := tenant.Settings.FromEmail
	if from == "" {
		from = w.FromEmail
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
	if w.ReplyDomain != "" {
		m.ReplyTo = "reply+" + req.Token + "@" + strings.ToLower(w.ReplyDomain)
	}
	return w.Email.SendEmail(ctx, m)
}

// sendFailed records a failed attempt: a permanent failure ends the request
// with its reason; anything else puts it back to scheduled and lets asynq
// retry with backoff (the claim is released so the retry can take it).
func (w *Worker) sendFailed(ctx context.Context, req plaudit.FeedbackRequest, err error) error {
	if plaudit.IsPermanent(err) || errors.Is(err, asynq.SkipRetry) {
		reason := "send failed"
		var p *plaudit.PermanentError
		if errors.As(err, &p) {
			reason = p.Reason
		}
		if w.Metrics != nil {
			w.Metrics.Sends.WithLabelValues(req.Channel, "failed").Inc()
		}
		if serr := w.transition(ctx, req, plaudit.SendFailed(reason)); serr != nil {
			return serr
		}
		return fmt.Errorf("%s: %w", reason, asynq.SkipRetry)
	}
	if w.Metrics != nil {
		w.Metrics.Sends.WithLabelValues(req.Channel, "retry").Inc()
	}
	if serr := w.transition(ctx, req, plaudit.Reschedule(req.DueAt)); serr != nil {
		return serr
	}
	return err
}

// transition moves a request this worker has claimed. A request that is no
// longer in the state the transition starts from was moved by someone else
// (a claim taken over after the claim timeout): that is not this task's
// error to retry.
func (w *Worker) transition(ctx context.Context, req plaudit.FeedbackRequest, t plaudit.Transition) error {
	_, err := w.Store.TransitionRequest(ctx, req.TenantID, req.ID, t)
	if plaudit.ErrorCode(err) == plaudit.EConflict {
		w.Log.Info("request moved by another worker", "request", req.ID, "to", t.To)
		return nil
	}
	return err
}
