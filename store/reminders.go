package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// The conditions of a request that may get its reminder. They are SQL
// literals, not placeholders, because the partial index of migration 0003
// (feedback_requests_reminder_due) has the same predicate: a planner uses
// a partial index only when it can see that the query implies it, which it
// cannot for bound values.
const (
	remindable = `reminder_status = '' AND status IN ('` + plaudit.RequestSent + `', '` + plaudit.RequestDelivered + `')`
	// reminderClaimed is the predicate of feedback_requests_reminder_claimed.
	reminderClaimed = `reminder_status = '` + plaudit.ReminderSending + `'`
	// unanswered keeps out requests whose response is stored but whose
	// status is not "responded" yet (the page records the response first).
	unanswered = `NOT EXISTS (SELECT 1 FROM responses p WHERE p.tenant_id = feedback_requests.tenant_id AND p.request_id = feedback_requests.id)`
)

// DueReminders returns ids (with the rest of the row) of a tenant's
// requests whose reminder is due: sent or delivered at or before sentBy
// and after sentAfter (the answer window), not answered, not reminded nor
// claimed for a reminder, and not sent with a test key. Earliest sent
// first. The caller claims each with ClaimReminder, which checks all of it
// again.
func (s *Store) DueReminders(ctx context.Context, tenantID string, sentBy, sentAfter time.Time, limit int) ([]plaudit.FeedbackRequest, error) {
	out, err := s.queryRequests(ctx, s.db,
		`SELECT `+requestCols+` FROM feedback_requests
		 WHERE tenant_id = $1 AND `+remindable+` AND sent_at <= $2 AND sent_at > $3 AND test = $4 AND `+unanswered+`
		 ORDER BY sent_at, id LIMIT $5`,
		tenantID, s.ts(sentBy), s.ts(sentAfter), false, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: due reminders: %w", err)
	}
	return out, nil
}

// AbandonedReminders returns, across tenants, the requests whose reminder
// a worker claimed longer ago than the claim timeout and never finished:
// it died mid-send. ClaimReminder hands them out again.
func (s *Store) AbandonedReminders(ctx context.Context, now time.Time, limit int) ([]plaudit.FeedbackRequest, error) {
	out, err := s.queryRequests(ctx, s.db,
		`SELECT `+requestCols+` FROM feedback_requests
		 WHERE `+reminderClaimed+` AND reminded_at < $1
		 ORDER BY reminded_at, id LIMIT $2`,
		s.ts(s.stuckBefore(now)), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: abandoned reminders: %w", err)
	}
	return out, nil
}

// ClaimReminder hands a request's one reminder to exactly one worker, as
// ClaimRequest does for the first message: in one statement it moves the
// reminder from none (or from a claim older than the claim timeout, whose
// worker died) to "sending", provided the request is still due one: sent
// or delivered at or before sentBy and after sentAfter, unanswered, not a
// test. Everyone else gets claimed=false and the row as it is now.
//
// As for sends, only a crash after the provider took the reminder and
// before MarkReminderSent can lead to a second reminder, sent when the
// claim times out; a crash before the provider call only delays it.
//
// A claim that takes over an abandoned one returns the time of that claim
// as AbandonedAt, as ClaimRequest does.
func (s *Store) ClaimReminder(ctx context.Context, tenantID, id string, now, sentBy, sentAfter time.Time) (plaudit.FeedbackRequest, bool, error) {
	var abandoned *time.Time
	r, err := s.scanRequestAnd(s.w.QueryRowContext(ctx,
		`UPDATE feedback_requests SET reminder_status = $3, reminded_at = $4,
		   reminder_abandoned_at = CASE WHEN reminder_status = $3 THEN reminded_at END
		 WHERE tenant_id = $1 AND id = $2
		   AND status IN ($5, $6) AND sent_at <= $7 AND sent_at > $8 AND test = $9 AND `+unanswered+`
		   AND (reminder_status = '' OR (reminder_status = $3 AND reminded_at < $10))
		 RETURNING `+requestCols+`, reminder_abandoned_at`,
		tenantID, id, plaudit.ReminderSending, s.ts(now), plaudit.RequestSent, plaudit.RequestDelivered,
		s.ts(sentBy), s.ts(sentAfter), false, s.ts(s.stuckBefore(now))), nullTimeDest{&abandoned})
	if err == nil {
		if abandoned != nil {
			r.AbandonedAt = *abandoned
		}
		return r, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return plaudit.FeedbackRequest{}, false, fmt.Errorf("store: claim reminder: %w", err)
	}
	r, err = s.GetRequest(ctx, tenantID, id)
	if err != nil {
		return plaudit.FeedbackRequest{}, false, err
	}
	return r, false, nil
}

// MarkReminderSent records that the provider took the reminder: sending →
// sent, at at, with the provider's id of the reminder in provider_messages
// (event "accepted", reminder) for its delivery events. The request's
// status, provider id and sent_at stay those of the first message.
func (s *Store) MarkReminderSent(ctx context.Context, tenantID, id, providerID string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE feedback_requests SET reminder_status = $3, reminded_at = $4
			 WHERE tenant_id = $1 AND id = $2 AND reminder_status = $5`,
			tenantID, id, plaudit.ReminderSent, s.ts(at), plaudit.ReminderSending)
		if err != nil {
			return fmt.Errorf("store: mark reminder sent: %w", err)
		}
		if err := s.requestChanged(ctx, res, tenantID, id, func(r plaudit.FeedbackRequest) string {
			return fmt.Sprintf("reminder is %q, cannot become %q", r.ReminderStatus, plaudit.ReminderSent)
		}); err != nil {
			return err
		}
		var channel string
		if err := tx.QueryRowContext(ctx, `SELECT channel FROM feedback_requests WHERE tenant_id = $1 AND id = $2`,
			tenantID, id).Scan(&channel); err != nil {
			return fmt.Errorf("store: mark reminder sent: %w", err)
		}
		return s.recordProviderMessage(ctx, tx, plaudit.ProviderMessage{TenantID: tenantID, RequestID: id, Reminder: true,
			Channel: channel, ProviderID: providerID, Event: plaudit.EventAccepted, At: at})
	})
}

// ReleaseReminder gives up a claim after a failure that a retry may
// overcome: the reminder is due again, as if never claimed.
func (s *Store) ReleaseReminder(ctx context.Context, tenantID, id string) error {
	return s.endReminder(ctx, tenantID, id, "", nil, plaudit.ReminderSending)
}

// SkipReminder ends a reminder that will not be sent, with status
// ReminderFailed (the provider refused it, or retries ran out) or
// ReminderSkipped (the address was suppressed since, the agent is no
// longer approved), from none or a claim, at at. A sent reminder stays
// sent.
func (s *Store) SkipReminder(ctx context.Context, tenantID, id, status string, at time.Time) error {
	if status != plaudit.ReminderFailed && status != plaudit.ReminderSkipped {
		return plaudit.Errorf(plaudit.EInvalid, "unknown reminder end %q", status)
	}
	return s.endReminder(ctx, tenantID, id, status, s.tsPtr(&at), "", plaudit.ReminderSending)
}

// endReminder moves the reminder to status, stamped at (nil: NULL), from
// one of the statuses in from.
func (s *Store) endReminder(ctx context.Context, tenantID, id, status string, at any, from ...string) error {
	if len(from) == 1 {
		from = append(from, from[0])
	}
	res, err := s.w.ExecContext(ctx,
		`UPDATE feedback_requests SET reminder_status = $3, reminded_at = $4
		 WHERE tenant_id = $1 AND id = $2 AND reminder_status IN ($5, $6)`,
		tenantID, id, status, at, from[0], from[1])
	if err != nil {
		return fmt.Errorf("store: update reminder: %w", err)
	}
	return s.requestChanged(ctx, res, tenantID, id, func(r plaudit.FeedbackRequest) string {
		return fmt.Sprintf("reminder is %q, cannot become %q", r.ReminderStatus, status)
	})
}
