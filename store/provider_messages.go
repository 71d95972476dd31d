package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// Provider messages: each provider's word that it took a message Plaudit
// sent (its answer to the send, and the events it reported about it), kept
// per request. They find the request of an event that names only the
// provider's id, and they are the evidence that keeps a send whose worker
// died before its mark from being sent twice (migration 0011).

const providerMessageCols = `tenant_id, request_id, reminder, channel, provider_id, event, at`

// acceptedMessage is the provider's answer to the send of r's first
// message (reminder false) or of its reminder.
func acceptedMessage(r plaudit.FeedbackRequest, reminder bool, providerID string, at time.Time) plaudit.ProviderMessage {
	return plaudit.ProviderMessage{TenantID: r.TenantID, RequestID: r.ID, Reminder: reminder, Channel: r.Channel,
		ProviderID: providerID, Event: plaudit.EventAccepted, At: at}
}

// RecordProviderMessage keeps m. A repeat (same request, message, provider
// id and event) changes nothing. A message without a provider id or an
// event is kept nowhere: it is no evidence. ENotFound when the request does
// not exist (erased, or the event named another tenant's).
func (s *Store) RecordProviderMessage(ctx context.Context, m plaudit.ProviderMessage) error {
	err := s.recordProviderMessage(ctx, s.w, m)
	if s.d.isForeignKey(err) {
		return notFound("feedback request")
	}
	return err
}

// execer is what recordProviderMessage needs: the store's pool or a
// transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) recordProviderMessage(ctx context.Context, x execer, m plaudit.ProviderMessage) error {
	if m.ProviderID == "" || m.Event == "" {
		return nil
	}
	_, err := x.ExecContext(ctx,
		`INSERT INTO provider_messages (`+providerMessageCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		 ON CONFLICT (tenant_id, request_id, reminder, provider_id, event) DO NOTHING`,
		m.TenantID, m.RequestID, m.Reminder, m.Channel, m.ProviderID, m.Event, s.ts(m.At))
	if err != nil && !s.d.isForeignKey(err) {
		return fmt.Errorf("store: record provider message: %w", err)
	}
	return err
}

func scanProviderMessage(r rowScanner) (plaudit.ProviderMessage, error) {
	var m plaudit.ProviderMessage
	err := r.Scan(&m.TenantID, &m.RequestID, &m.Reminder, &m.Channel, &m.ProviderID, &m.Event, timeDest{&m.At})
	return m, err
}

// ProviderMessages returns what providers said about the first message of
// a request (reminder false) or about its reminder, oldest first: empty
// when no provider has said it took it.
func (s *Store) ProviderMessages(ctx context.Context, tenantID, requestID string, reminder bool) ([]plaudit.ProviderMessage, error) {
	out, err := queryAll(ctx, s.db, scanProviderMessage,
		`SELECT `+providerMessageCols+` FROM provider_messages
		 WHERE tenant_id = $1 AND request_id = $2 AND reminder = $3 ORDER BY at, event`,
		tenantID, requestID, reminder)
	if err != nil {
		return nil, fmt.Errorf("store: provider messages: %w", err)
	}
	return out, nil
}

// MessageByProviderID finds the message a provider's id names, with its
// tenant and request: for events that carry no request id. It is global,
// because providers know their ids, not our tenants.
func (s *Store) MessageByProviderID(ctx context.Context, providerID string) (plaudit.ProviderMessage, error) {
	if providerID == "" {
		return plaudit.ProviderMessage{}, notFound("provider message")
	}
	m, err := scanProviderMessage(s.db.QueryRowContext(ctx,
		`SELECT `+providerMessageCols+` FROM provider_messages WHERE provider_id = $1 ORDER BY at DESC LIMIT 1`, providerID))
	if err != nil {
		return m, one(err, "provider message")
	}
	return m, nil
}

// ReturnSendClaim gives a retake's claim back to the abandoned state it
// took over: "sending" as the dead worker's claim left it (updated_at its
// time, the attempt not counted), for when the caller waits for the
// provider's word before deciding. It changes nothing unless the request
// still holds the claim returned with attempt (claim.Attempts) and
// claim.AbandonedAt. EConflict when it no longer does.
func (s *Store) ReturnSendClaim(ctx context.Context, claim plaudit.FeedbackRequest) error {
	if claim.AbandonedAt.IsZero() {
		return plaudit.Errorf(plaudit.EInvalid, "not a claim that took over an abandoned one")
	}
	res, err := s.w.ExecContext(ctx,
		`UPDATE feedback_requests SET updated_at = $3, attempts = attempts - 1, abandoned_claim_at = NULL
		 WHERE tenant_id = $1 AND id = $2 AND status = $4 AND attempts = $5`,
		claim.TenantID, claim.ID, s.ts(claim.AbandonedAt), plaudit.RequestSending, claim.Attempts)
	if err != nil {
		return fmt.Errorf("store: return send claim: %w", err)
	}
	return s.requestChanged(ctx, res, claim.TenantID, claim.ID, func(r plaudit.FeedbackRequest) string {
		return fmt.Sprintf("claim %d is no longer held (request %s, attempt %d)", claim.Attempts, r.Status, r.Attempts)
	})
}

// ReturnReminderClaim is ReturnSendClaim for a reminder: the reminder goes
// back to the claim the dead worker left (reminded_at its time), unless
// the claim made at claim.RemindedAt is no longer held.
func (s *Store) ReturnReminderClaim(ctx context.Context, claim plaudit.FeedbackRequest) error {
	if claim.AbandonedAt.IsZero() || claim.RemindedAt == nil {
		return plaudit.Errorf(plaudit.EInvalid, "not a reminder claim that took over an abandoned one")
	}
	res, err := s.w.ExecContext(ctx,
		`UPDATE feedback_requests SET reminded_at = $3, reminder_abandoned_at = NULL
		 WHERE tenant_id = $1 AND id = $2 AND reminder_status = $4 AND reminded_at = $5`,
		claim.TenantID, claim.ID, s.ts(claim.AbandonedAt), plaudit.ReminderSending, s.ts(*claim.RemindedAt))
	if err != nil {
		return fmt.Errorf("store: return reminder claim: %w", err)
	}
	return s.requestChanged(ctx, res, claim.TenantID, claim.ID, func(r plaudit.FeedbackRequest) string {
		return fmt.Sprintf("reminder claim is no longer held (reminder %q)", r.ReminderStatus)
	})
}
