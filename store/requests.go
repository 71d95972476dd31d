package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// DefaultClaimTimeout is how long a request may stay "sending" before it
// is taken for a worker that crashed mid-send and handed out again, unless
// SetClaimTimeout says otherwise. Providers answer in seconds and a send
// task is cut off after a minute; ten minutes is far beyond both, so a
// slow but live send is never taken for a dead one (which would send the
// message twice).
const DefaultClaimTimeout = 10 * time.Minute

// SetClaimTimeout sets how long a claim on a send lasts before the send
// counts as abandoned (PLAUDIT_CLAIM_TIMEOUT); d <= 0 means
// DefaultClaimTimeout. It is part of the set-up: call it before the store
// is used.
func (s *Store) SetClaimTimeout(d time.Duration) {
	s.claimTimeout = d
}

// stuckBefore is the time before which a claim made is abandoned, seen at
// now.
func (s *Store) stuckBefore(now time.Time) time.Time {
	return now.Add(-s.claimTimeoutOr(DefaultClaimTimeout))
}

// claimTimeoutOr is the claim timeout set, or def when none is.
func (s *Store) claimTimeoutOr(def time.Duration) time.Duration {
	if s.claimTimeout <= 0 {
		return def
	}
	return s.claimTimeout
}

// tokenBytes is the entropy of a feedback page token.
const tokenBytes = 24

// requestInsertCols and requestCols list the same columns, but for the
// token: an insert writes its hash and its sealed form (tokens.go), a read
// opens the sealed form. Reads turn the NULLs of unset provider ids back
// into "". requestCols also reads the reminder's columns, which an insert
// leaves at their defaults (no reminder yet).
const (
	requestInsertCols = `id, tenant_id, interaction_id, connector_id, agent_id, ticket_id, token_hash, channel,
	recipient, recipient_hash, language, status, reason, test, due_at, sent_at, provider_id, attempts, created_at, updated_at, sender,
	token_sealed, team`
	requestCols = `id, tenant_id, interaction_id, connector_id, agent_id, ticket_id, token_sealed, channel,
	recipient, recipient_hash, language, status, reason, test, due_at, sent_at, COALESCE(provider_id, ''), attempts, created_at, updated_at,
	reminder_status, reminded_at, sender, team`
)

// RequestFilter narrows ListRequests. Zero fields do not filter; Limit
// defaults to 100 and is at most 1000.
type RequestFilter struct {
	AgentID string
	// AgentIDs, when not nil, keeps the requests of these agents only:
	// those a lead or an agent may see.
	AgentIDs []string
	Status   string
	TicketID string
	// Since keeps requests created at or after it.
	Since time.Time
	Limit int
	// TestOnly keeps test requests only: what a test key may see.
	TestOnly bool
}

// CreateRequest stores the one request (or skip record) an interaction
// gets. When the interaction already has one (a retried task), created is
// false and r is filled from the stored row, which stays as it is. A
// request that will be sent gets a random page token when it has none;
// skip records keep none.
func (s *Store) CreateRequest(ctx context.Context, r *plaudit.FeedbackRequest) (created bool, err error) {
	if r.Status == "" {
		r.Status = plaudit.RequestScheduled
	}
	if !plaudit.KnownRequestStatus(r.Status) {
		return false, plaudit.Errorf(plaudit.EInvalid, "unknown request status %q", r.Status)
	}
	id := r.ID
	if id == "" {
		id = keyring.ID("req")
	}
	token := r.Token
	if token == "" && r.Status != plaudit.RequestSkipped {
		token = keyring.Token(tokenBytes)
	}
	key, err := s.pageKey(ctx)
	if err != nil {
		return false, err
	}
	now := s.clock()
	var n int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO feedback_requests (`+requestInsertCols+`)
			 VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, $9, $10, $11, $12, $13, $14, $15, $16, NULLIF($17, ''), $18, $19, $19, $20,
			   NULLIF($21, ''), $22)
			 ON CONFLICT (interaction_id) DO NOTHING`,
			id, r.TenantID, r.InteractionID, r.ConnectorID, r.AgentID, r.TicketID, tokenHash(key, token), r.Channel,
			r.Recipient, r.RecipientHash, r.Language, r.Status, r.Reason, r.Test, s.ts(r.DueAt), s.tsPtr(r.SentAt),
			r.ProviderID, r.Attempts, s.ts(now), r.Sender, s.sealToken(id, token), r.Team)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		made := *r
		made.ID, made.CreatedAt, made.UpdatedAt, made.SentAt = id, now, now, timePtr(r.SentAt)
		return s.factWriter(tx).write(ctx, made)
	})
	switch {
	case s.d.isUnique(err):
		return false, plaudit.Errorf(plaudit.EConflict, "feedback request with this id or token exists")
	case s.d.isForeignKey(err):
		return false, notFound("interaction")
	case err != nil:
		return false, fmt.Errorf("store: create request: %w", err)
	}
	if n == 1 {
		r.ID, r.Token, r.CreatedAt, r.UpdatedAt = id, token, now, now
		r.DueAt, r.SentAt = dbTime(r.DueAt), timePtr(r.SentAt)
		return true, nil
	}
	// The tenant is part of the look-up: an interaction id from another
	// tenant must not reveal that tenant's request.
	existing, err := s.scanRequest(s.db.QueryRowContext(ctx,
		`SELECT `+requestCols+` FROM feedback_requests WHERE tenant_id = $1 AND interaction_id = $2`,
		r.TenantID, r.InteractionID))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, notFound("interaction")
		}
		return false, fmt.Errorf("store: create request: read existing: %w", err)
	}
	*r = existing
	return false, nil
}

// scanRequest reads a row of requestCols, opening the sealed token.
func (s *Store) scanRequest(r rowScanner) (plaudit.FeedbackRequest, error) {
	return s.scanRequestAnd(r)
}

// scanRequestAnd reads a row of requestCols followed by the columns that
// extra scans into.
func (s *Store) scanRequestAnd(r rowScanner, extra ...any) (plaudit.FeedbackRequest, error) {
	var (
		q      plaudit.FeedbackRequest
		sealed sql.NullString
	)
	dest := []any{&q.ID, &q.TenantID, &q.InteractionID, &q.ConnectorID, &q.AgentID, &q.TicketID, &sealed, &q.Channel,
		&q.Recipient, &q.RecipientHash, &q.Language, &q.Status, &q.Reason, &q.Test,
		timeDest{&q.DueAt}, nullTimeDest{&q.SentAt}, &q.ProviderID, &q.Attempts,
		timeDest{&q.CreatedAt}, timeDest{&q.UpdatedAt}, &q.ReminderStatus, nullTimeDest{&q.RemindedAt}, &q.Sender, &q.Team}
	err := r.Scan(append(dest, extra...)...)
	if err != nil {
		return q, err
	}
	q.Token, err = s.openToken(q.ID, sealed)
	return q, err
}

func (s *Store) queryRequests(ctx context.Context, q queryer, query string, args ...any) ([]plaudit.FeedbackRequest, error) {
	return queryAll(ctx, q, s.scanRequest, query, args...)
}

// firstRequest runs a query for at most one request.
func (s *Store) firstRequest(ctx context.Context, query string, args ...any) (plaudit.FeedbackRequest, error) {
	r, err := s.scanRequest(s.db.QueryRowContext(ctx, query, args...))
	if err != nil {
		return plaudit.FeedbackRequest{}, one(err, "feedback request")
	}
	return r, nil
}

// GetRequest returns one of a tenant's requests.
func (s *Store) GetRequest(ctx context.Context, tenantID, id string) (plaudit.FeedbackRequest, error) {
	return s.firstRequest(ctx, `SELECT `+requestCols+` FROM feedback_requests WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// RequestByToken finds the request a feedback page link carries, by the
// token's keyed hash. It is global: the token is the customer's only
// credential.
func (s *Store) RequestByToken(ctx context.Context, token string) (plaudit.FeedbackRequest, error) {
	if token == "" {
		return plaudit.FeedbackRequest{}, notFound("feedback request")
	}
	key, err := s.pageKey(ctx)
	if err != nil {
		return plaudit.FeedbackRequest{}, err
	}
	return s.firstRequest(ctx, `SELECT `+requestCols+` FROM feedback_requests WHERE token_hash = $1`, tokenHash(key, token))
}

// SMSRequestsTo returns the SMS requests sent to recipient from one of
// senders, newest first: the requests an SMS reply from that number to
// one of those numbers may be about. It looks across tenants, because a
// shared sender number serves several; the caller decides which one, if
// any, the reply belongs to. Requests never sent are left out.
func (s *Store) SMSRequestsTo(ctx context.Context, recipient string, senders []string, limit int) ([]plaudit.FeedbackRequest, error) {
	if len(senders) == 0 {
		return nil, nil
	}
	var w where
	w.add("channel = ?", plaudit.ChannelSMS)
	w.add("recipient = ?", recipient)
	w.in("sender", senders)
	q := `SELECT ` + requestCols + ` FROM feedback_requests WHERE ` + w.sql() +
		` AND sent_at IS NOT NULL ORDER BY sent_at DESC, id DESC LIMIT ` + w.next(clampLimit(limit))
	out, err := s.queryRequests(ctx, s.db, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: SMS requests to a number: %w", err)
	}
	return out, nil
}

// ListRequests returns a tenant's requests, newest first.
func (s *Store) ListRequests(ctx context.Context, tenantID string, f RequestFilter) ([]plaudit.FeedbackRequest, error) {
	var w where
	w.add("tenant_id = ?", tenantID)
	if f.AgentID != "" {
		w.add("agent_id = ?", f.AgentID)
	}
	w.agents(f.AgentIDs)
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	if f.TicketID != "" {
		w.add("ticket_id = ?", f.TicketID)
	}
	if !f.Since.IsZero() {
		w.add("created_at >= ?", s.ts(f.Since))
	}
	if f.TestOnly {
		w.add("test = ?", true)
	}
	q := `SELECT ` + requestCols + ` FROM feedback_requests WHERE ` + w.sql() +
		` ORDER BY created_at DESC, id DESC LIMIT ` + w.next(clampLimit(f.Limit))
	out, err := s.queryRequests(ctx, s.db, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	return out, nil
}

// ClaimRequest hands a due request to exactly one worker: in one statement
// it moves a scheduled request whose time has come (or one stuck in
// "sending" for longer than the claim timeout, whose worker crashed) to
// "sending" and counts the attempt. Everyone else gets claimed=false and
// the row as it is now, so a duplicate task does not send twice.
//
// A claim that takes over an abandoned one returns the time of that claim
// as AbandonedAt (the SET reads the row as it was): the provider may have
// taken the message since then, which the caller looks into before
// sending again.
func (s *Store) ClaimRequest(ctx context.Context, tenantID, id string, now time.Time) (plaudit.FeedbackRequest, bool, error) {
	var abandoned *time.Time
	r, err := s.scanRequestAnd(s.w.QueryRowContext(ctx,
		`UPDATE feedback_requests SET status = $3, attempts = attempts + 1, updated_at = $5,
		   abandoned_claim_at = CASE WHEN status = $3 THEN updated_at END
		 WHERE tenant_id = $1 AND id = $2
		   AND ((status = $4 AND due_at <= $5) OR (status = $3 AND updated_at < $6))
		 RETURNING `+requestCols+`, abandoned_claim_at`,
		tenantID, id, plaudit.RequestSending, plaudit.RequestScheduled, s.ts(now), s.ts(s.stuckBefore(now))),
		nullTimeDest{&abandoned})
	if err == nil {
		if abandoned != nil {
			r.AbandonedAt = *abandoned
		}
		return r, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return plaudit.FeedbackRequest{}, false, fmt.Errorf("store: claim request: %w", err)
	}
	r, err = s.GetRequest(ctx, tenantID, id)
	if err != nil {
		return plaudit.FeedbackRequest{}, false, err
	}
	return r, false, nil
}

// requestChanged reports why an update of a request changed no row: it
// does not exist (not found), or it is not in the state the update
// requires (a conflict, which conflict describes from the row as it is).
func (s *Store) requestChanged(ctx context.Context, res sql.Result, tenantID, id string, conflict func(plaudit.FeedbackRequest) string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: update request: %w", err)
	}
	if n > 0 {
		return nil
	}
	r, err := s.GetRequest(ctx, tenantID, id)
	if err != nil {
		return err
	}
	return plaudit.Errorf(plaudit.EConflict, "%s", conflict(r))
}

// MarkRequestSent records that the provider accepted the message: sending
// → sent, with the provider's message id, which is also kept in
// provider_messages (event "accepted") for its delivery events.
func (s *Store) MarkRequestSent(ctx context.Context, tenantID, id, providerID string, at time.Time) error {
	accepted := func(tx *sql.Tx, done []plaudit.FeedbackRequest) error {
		for _, r := range done {
			if err := s.recordProviderMessage(ctx, tx, acceptedMessage(r, false, providerID, at)); err != nil {
				return err
			}
		}
		return nil
	}
	done, err := s.updateRequestsThen(ctx, accepted,
		`UPDATE feedback_requests SET status = $3, provider_id = NULLIF($4, ''), sent_at = $5, updated_at = $5
		 WHERE tenant_id = $1 AND id = $2 AND status = $6 RETURNING `+requestCols,
		tenantID, id, plaudit.RequestSent, providerID, s.ts(at), plaudit.RequestSending)
	if err != nil {
		return fmt.Errorf("store: mark request sent: %w", err)
	}
	if len(done) > 0 {
		return nil
	}
	r, err := s.GetRequest(ctx, tenantID, id)
	if err != nil {
		return err
	}
	return plaudit.Errorf(plaudit.EConflict, "feedback request is %s, not %s", r.Status, plaudit.RequestSending)
}

// TransitionRequest changes a request's status as t says, in one
// statement that checks the status is one of t.From: two callers that
// read the same row cannot both move it. It returns the request as it is
// after the change; EConflict (naming the status it has) when it was not
// in t.From, ENotFound when there is no such request.
func (s *Store) TransitionRequest(ctx context.Context, tenantID, id string, t plaudit.Transition) (plaudit.FeedbackRequest, error) {
	if !plaudit.KnownRequestStatus(t.To) || len(t.From) == 0 {
		return plaudit.FeedbackRequest{}, plaudit.Errorf(plaudit.EInvalid, "transition to %q from %v is not one", t.To, t.From)
	}
	var w where
	w.add("tenant_id = ?", tenantID)
	w.add("id = ?", id)
	w.in("status", t.From)
	set := `status = ` + w.next(t.To) + `, reason = ` + w.next(t.Reason) + `, updated_at = ` + w.next(s.ts(s.clock()))
	if t.To == plaudit.RequestScheduled {
		set += `, due_at = ` + w.next(s.ts(t.DueAt))
	}
	done, err := s.updateRequests(ctx, `UPDATE feedback_requests SET `+set+` WHERE `+w.sql()+` RETURNING `+requestCols, w.args...)
	if err != nil {
		return plaudit.FeedbackRequest{}, fmt.Errorf("store: request %s → %s: %w", id, t.To, err)
	}
	if len(done) > 0 {
		return done[0], nil
	}
	cur, err := s.GetRequest(ctx, tenantID, id)
	if err != nil {
		return plaudit.FeedbackRequest{}, err
	}
	return cur, plaudit.Errorf(plaudit.EConflict, "feedback request is %s, not %s", cur.Status, strings.Join(t.From, " or "))
}

// CancelScheduledForTicket cancels the requests for a reopened ticket that
// have not gone out yet. Requests already sending or sent are left alone.
func (s *Store) CancelScheduledForTicket(ctx context.Context, tenantID, connectorID, ticketID string) (n int, err error) {
	done, err := s.updateRequests(ctx,
		`UPDATE feedback_requests SET status = $4, reason = $5, updated_at = $6
		 WHERE tenant_id = $1 AND connector_id = $2 AND ticket_id = $3 AND status = $7 RETURNING `+requestCols,
		tenantID, connectorID, ticketID, plaudit.RequestCanceled, plaudit.ReasonReopened, s.ts(s.clock()), plaudit.RequestScheduled)
	if err != nil {
		return 0, fmt.Errorf("store: cancel requests: %w", err)
	}
	return len(done), nil
}

// RecentlyAsked reports whether the tenant asked this address (by its
// keyed hash) for feedback since since, or is about to: the suppression
// window. Requests that never went out (skipped, canceled, failed,
// bounced) do not count.
func (s *Store) RecentlyAsked(ctx context.Context, tenantID, recipientHash string, since time.Time) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx,
		`SELECT 1 FROM feedback_requests
		 WHERE tenant_id = $1 AND recipient_hash = $2 AND created_at > $3 AND status IN ($4, $5, $6, $7, $8)
		 LIMIT 1`,
		tenantID, recipientHash, s.ts(since), plaudit.AskedStatuses[0], plaudit.AskedStatuses[1], plaudit.AskedStatuses[2],
		plaudit.AskedStatuses[3], plaudit.AskedStatuses[4]).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: recently asked: %w", err)
	}
	return true, nil
}

// DueRequests returns, across tenants, the requests a worker should send:
// scheduled and due by dueBy, or stuck in "sending" at now (claimed longer
// ago than the claim timeout, by a worker that crashed). It is the
// reconciler's view, for tasks the queue lost. The two times differ
// because the reconciler looks ahead for scheduled requests, while a claim
// must never be judged abandoned before its time. Earliest due first.
func (s *Store) DueRequests(ctx context.Context, dueBy, now time.Time, limit int) ([]plaudit.FeedbackRequest, error) {
	out, err := s.queryRequests(ctx, s.db,
		`SELECT `+requestCols+` FROM feedback_requests
		 WHERE (status = $1 AND due_at <= $2) OR (status = $3 AND updated_at < $4)
		 ORDER BY due_at, id LIMIT $5`,
		plaudit.RequestScheduled, s.ts(dueBy), plaudit.RequestSending, s.ts(s.stuckBefore(now)), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: due requests: %w", err)
	}
	return out, nil
}
