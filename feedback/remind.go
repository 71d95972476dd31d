package feedback

import (
	"context"
	"errors"
	"time"

	"github.com/plaudit/plaudit"
)

// Reminders: a request that went out and was not answered gets one
// reminder, ReminderAfterHours (a tenant setting; 0 means none) after it
// was sent, on the same channel, to the same recipient, with the same page
// link. QueueDueReminders finds what is due and queues one task per
// request; Remind claims the reminder in the store and sends it.
const (
	// reminderBatch is the page size of the look-up of due reminders, and
	// reminderPages the most pages one run queues per tenant: what is left
	// is found by the next run, five minutes later.
	reminderBatch = 500
	reminderPages = 20
)

// QueueDueReminders queues the reminders that are due: for each tenant
// with reminder_after_hours set, the requests sent at least that long ago
// and within the answer window, unanswered and not reminded; and, across
// tenants, reminders whose worker died mid-send (their claim is older than
// the claim timeout). The tasks carry ids only.
func (s *Service) QueueDueReminders(ctx context.Context) error {
	now := s.now()
	tenants, err := s.Store.ListTenants(ctx)
	if err != nil {
		return err
	}
	var errs []error
	n := 0
	for _, t := range tenants {
		after := reminderDelay(t.Settings)
		if after <= 0 {
			continue
		}
		// Pages follow sent_at: a request that shares its sent_at with
		// the last of a page to the microsecond waits for the next run.
		sentAfter := now.Add(-plaudit.AnswerWindow)
		for range reminderPages {
			reqs, err := s.Store.DueReminders(ctx, t.ID, now.Add(-after), sentAfter, reminderBatch)
			if err != nil {
				errs = append(errs, err)
				break
			}
			for _, r := range reqs {
				errs = append(errs, s.Tasks.Remind(ctx, r.TenantID, r.ID))
			}
			n += len(reqs)
			if len(reqs) < reminderBatch || reqs[len(reqs)-1].SentAt == nil {
				break
			}
			sentAfter = *reqs[len(reqs)-1].SentAt
		}
	}
	abandoned, err := s.Store.AbandonedReminders(ctx, now, reminderBatch)
	errs = append(errs, err)
	for _, r := range abandoned {
		s.log().Info("reminder claim abandoned, sending again", "request", r.ID)
		errs = append(errs, s.Tasks.Remind(ctx, r.TenantID, r.ID))
	}
	if n+len(abandoned) > 0 {
		s.log().Info("reminders enqueued", "due", n, "abandoned", len(abandoned))
	}
	return errors.Join(errs...)
}

// reminderDelay is how long after sending a request is reminded; 0 means
// never.
func reminderDelay(s plaudit.Settings) time.Duration {
	return time.Duration(s.ReminderAfterHours) * time.Hour
}

// Remind sends the one reminder of a request. The reminder is
// claimed in the store (none → sending) before the provider is called and
// marked sent after, so a second worker, a replica or a redelivered task
// finds it claimed and does nothing; a reminder that was sent is never
// claimed again. As for the first message, a crash after the provider took
// the reminder and before the mark leaves the claim to time out
// (PLAUDIT_CLAIM_TIMEOUT); QueueDueReminders hands it out again, and the
// claim that takes it over looks for evidence that the provider took it
// before it sends again (retake.go).
//
// Nothing is sent when the tenant has turned reminders off since, the
// request was answered, failed, bounced or was sent with a test key, its
// answer window has closed, or the address was suppressed since (opt-out,
// bounce). An SMS reminder that comes due in quiet hours waits for their
// end, in the customer's time zone, like a send.
func (s *Service) Remind(ctx context.Context, tenantID, id string, try Try) error {
	now := s.now()
	req, err := s.Store.GetRequest(ctx, tenantID, id)
	if plaudit.IsNotFound(err) {
		return nil // erased, or the tenant was deleted
	}
	if err != nil {
		return err
	}
	tenant, err := s.Store.GetTenant(ctx, tenantID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	after := reminderDelay(tenant.Settings)
	if after <= 0 || req.Test || req.ReminderStatus == plaudit.ReminderSent || !req.Answerable(now) {
		return nil // the claim below would refuse it too; this saves the look-ups
	}
	in, err := s.Store.GetInteraction(ctx, req.TenantID, req.InteractionID)
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// Quiet hours first, before any claim: this task waits for their end
	// (a deferral, not a failure) and no claim is held over night.
	if due, quiet := quietUntil(tenant.Settings, in, req, now); quiet {
		return &NotDueError{Until: due, Reason: "quiet hours"}
	}
	req, claimed, err := s.Store.ClaimReminder(ctx, tenantID, id, now, now.Add(-after), now.Add(-plaudit.AnswerWindow))
	if plaudit.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !claimed {
		return nil // answered, reminded, being reminded, or not due (yet)
	}
	if !req.AbandonedAt.IsZero() {
		if done, err := s.retake(ctx, req, true); done || err != nil {
			return err
		}
	}
	if err := s.remind(ctx, tenant, in, req); err != nil {
		return s.remindFailed(ctx, req, err, try.Last)
	}
	return nil
}

// skipReminder ends a claimed reminder that will not go out.
func (s *Service) skipReminder(ctx context.Context, req plaudit.FeedbackRequest, reason string) error {
	s.log().Info("reminder not sent", "tenant", req.TenantID, "request", req.ID, "reason", reason)
	return s.Store.SkipReminder(ctx, req.TenantID, req.ID, plaudit.ReminderSkipped, s.now())
}

func (s *Service) remind(ctx context.Context, tenant plaudit.Tenant, in plaudit.Interaction, req plaudit.FeedbackRequest) error {
	agent, reason, err := s.stillWanted(ctx, req)
	if err != nil {
		return err
	}
	if !s.provides(req.Channel) {
		reason = plaudit.ReasonNoProvider
	}
	if reason != "" {
		return s.skipReminder(ctx, req, reason)
	}
	content := s.content(tenant, agent, in, req)
	content.Reminder = true
	providerID, err := s.deliver(ctx, tenant, req, content)
	if err != nil {
		return err
	}
	if s.Metrics != nil {
		s.Metrics.Sends.WithLabelValues(req.Channel, "reminded").Inc()
	}
	// The provider took the reminder: record it even when the task's time
	// ran out during the call, or it would go out again after the claim
	// timeout.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	return s.Store.MarkReminderSent(mctx, req.TenantID, req.ID, providerID, s.now())
}

// remindFailed records a failed reminder: a permanent failure, or the last
// retry, ends it as failed (the request itself stays answerable); anything
// else releases the claim and is returned for the caller to retry with
// backoff.
func (s *Service) remindFailed(ctx context.Context, req plaudit.FeedbackRequest, err error, last bool) error {
	if plaudit.IsPermanent(err) || last {
		if s.Metrics != nil {
			s.Metrics.Sends.WithLabelValues(req.Channel, "reminder_failed").Inc()
		}
		if serr := s.Store.SkipReminder(ctx, req.TenantID, req.ID, plaudit.ReminderFailed, s.now()); serr != nil {
			return serr
		}
		return plaudit.Permanent("reminder failed", err)
	}
	if serr := s.Store.ReleaseReminder(ctx, req.TenantID, req.ID); serr != nil {
		return serr
	}
	return err
}
