package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// The decisions on interactions that arrived together are made in a few
// statements for the whole batch (feedback.Service.DecideBatch): one read
// of the interactions, one screen of the addresses, and one transaction
// that inserts the requests and marks the interactions processed.

// maxBatchRows bounds the rows of one batch statement: SQLite binds at most
// 32,766 parameters, and a request takes 23.
const maxBatchRows = 500

// InteractionsByID returns those of a tenant's interactions whose ids are
// given, in no particular order; ids that do not exist (erased since) are
// left out.
func (s *Store) InteractionsByID(ctx context.Context, tenantID string, ids []string) ([]plaudit.Interaction, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxBatchRows {
		return nil, plaudit.Errorf(plaudit.EInvalid, "at most %d interactions at once", maxBatchRows)
	}
	var w where
	w.add("tenant_id = ?", tenantID)
	w.in("id", ids)
	out, err := s.queryInteractions(ctx, s.db, `SELECT `+interactionCols+` FROM interactions WHERE `+w.sql(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: interactions by id: %w", err)
	}
	return out, nil
}

// AddressScreen is what the store knows of a batch of addresses (by keyed
// hash): those suppressed now, and those asked since the given time (the
// suppression window, as RecentlyAsked counts it).
type AddressScreen struct {
	Suppressed map[string]bool
	Asked      map[string]bool
}

// ScreenAddresses answers IsSuppressed and RecentlyAsked for many of a
// tenant's addresses in one statement.
func (s *Store) ScreenAddresses(ctx context.Context, tenantID string, hashes []string, now, since time.Time) (AddressScreen, error) {
	out := AddressScreen{Suppressed: map[string]bool{}, Asked: map[string]bool{}}
	if len(hashes) == 0 {
		return out, nil
	}
	if len(hashes) > maxBatchRows {
		return out, plaudit.Errorf(plaudit.EInvalid, "at most %d addresses at once", maxBatchRows)
	}
	var sup, asked where
	sup.add("tenant_id = ?", tenantID)
	sup.in("address_hash", hashes)
	sup.add("(expires_at IS NULL OR expires_at > ?)", s.ts(now))
	asked.args = sup.args // one argument list, numbered on
	asked.add("tenant_id = ?", tenantID)
	asked.in("recipient_hash", hashes)
	asked.add("created_at > ?", s.ts(since))
	asked.in("status", plaudit.AskedStatuses)
	rows, err := s.db.QueryContext(ctx,
		`SELECT address_hash, 's' FROM suppressions WHERE `+sup.sql()+`
		 UNION SELECT recipient_hash, 'a' FROM feedback_requests WHERE `+asked.sql(), asked.args...)
	if err != nil {
		return out, fmt.Errorf("store: screen addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash, what string
		if err := rows.Scan(&hash, &what); err != nil {
			return out, fmt.Errorf("store: screen addresses: %w", err)
		}
		if what == "s" {
			out.Suppressed[hash] = true
		} else {
			out.Asked[hash] = true
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: screen addresses: %w", err)
	}
	return out, nil
}

// CreateRequests stores the requests (and skip records) of one tenant's
// batch of interactions, with their report facts, and marks every
// interaction in processed as processed, all in one transaction: a crash
// leaves either all of it or none. As with CreateRequest, an interaction
// that has its request already keeps it: its entry in reqs is filled from
// the stored row and created[i] is false.
func (s *Store) CreateRequests(ctx context.Context, tenantID string, reqs []*plaudit.FeedbackRequest, processed []string) (created []bool, err error) {
	if len(reqs) > maxBatchRows || len(processed) > maxBatchRows {
		return nil, plaudit.Errorf(plaudit.EInvalid, "at most %d requests at once", maxBatchRows)
	}
	key, err := s.pageKey(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := s.factLocation(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	rows, err := s.newRequestRows(tenantID, reqs, key, now)
	if err != nil {
		return nil, err
	}
	var made map[string]bool
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if made, err = s.insertRequests(ctx, tx, rows); err != nil {
			return err
		}
		if err := writeNewFacts(ctx, tx, s.d, tenantID, loc, rows, made); err != nil {
			return err
		}
		return s.markProcessed(ctx, tx, tenantID, processed)
	})
	switch {
	case s.d.isUnique(err):
		return nil, plaudit.Errorf(plaudit.EConflict, "feedback request with this id or token exists")
	case s.d.isForeignKey(err):
		return nil, notFound("interaction")
	case err != nil:
		return nil, fmt.Errorf("store: create requests: %w", err)
	}
	return s.settleRequests(ctx, tenantID, reqs, rows, made)
}

// newRequestRows fills in what the store gives a new request: an id, a page
// token for one that will be sent, the times.
func (s *Store) newRequestRows(tenantID string, reqs []*plaudit.FeedbackRequest, key []byte, now time.Time) ([]pendingRequest, error) {
	rows := make([]pendingRequest, len(reqs))
	for i, r := range reqs {
		if r.TenantID != tenantID {
			return nil, plaudit.Errorf(plaudit.EInvalid, "a request of another tenant in the batch")
		}
		if r.Status == "" {
			r.Status = plaudit.RequestScheduled
		}
		if !plaudit.KnownRequestStatus(r.Status) {
			return nil, plaudit.Errorf(plaudit.EInvalid, "unknown request status %q", r.Status)
		}
		row := pendingRequest{r: *r, id: r.ID, token: r.Token}
		if row.id == "" {
			row.id = keyring.ID("req")
		}
		if row.token == "" && r.Status != plaudit.RequestSkipped {
			row.token = keyring.Token(tokenBytes)
		}
		row.r.ID, row.r.Token, row.r.CreatedAt, row.r.UpdatedAt = row.id, row.token, now, now
		row.r.DueAt, row.r.SentAt = dbTime(r.DueAt), timePtr(r.SentAt)
		row.hash, row.sealed = tokenHash(key, row.token), s.sealToken(row.id, row.token)
		rows[i] = row
	}
	return rows, nil
}

// pendingRequest is a request as it is about to be inserted.
type pendingRequest struct {
	r                       plaudit.FeedbackRequest
	id, token, hash, sealed string
}

// insertRequests inserts rows in one statement and returns the ids of
// those inserted; the others belong to interactions that have a request.
func (s *Store) insertRequests(ctx context.Context, tx *sql.Tx, rows []pendingRequest) (map[string]bool, error) {
	made := map[string]bool{}
	if len(rows) == 0 {
		return made, nil
	}
	var args []any
	values := make([]string, len(rows))
	for i, n := range rows {
		r := n.r
		args = append(args, n.id, r.TenantID, r.InteractionID, r.ConnectorID, r.AgentID, r.TicketID, n.hash, r.Channel,
			r.Recipient, r.RecipientHash, r.Language, r.Status, r.Reason, r.Test, s.ts(r.DueAt), s.tsPtr(r.SentAt),
			r.ProviderID, r.Attempts, s.ts(r.CreatedAt), r.Sender, n.sealed, r.Team)
		p := func(k int) string { return fmt.Sprintf("$%d", i*22+k) }
		values[i] = "(" + strings.Join([]string{p(1), p(2), p(3), p(4), p(5), p(6), "NULLIF(" + p(7) + ", '')", p(8), p(9),
			p(10), p(11), p(12), p(13), p(14), p(15), p(16), "NULLIF(" + p(17) + ", '')", p(18), p(19), p(19), p(20),
			"NULLIF(" + p(21) + ", '')", p(22)}, ", ") + ")"
	}
	res, err := tx.QueryContext(ctx, `INSERT INTO feedback_requests (`+requestInsertCols+`) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT (interaction_id) DO NOTHING RETURNING id`, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return nil, err
		}
		made[id] = true
	}
	return made, res.Err()
}

// markProcessed marks a tenant's interactions processed.
func (s *Store) markProcessed(ctx context.Context, tx *sql.Tx, tenantID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var w where
	status := w.next(plaudit.InteractionProcessed)
	w.add("tenant_id = ?", tenantID)
	w.in("id", ids)
	_, err := tx.ExecContext(ctx, `UPDATE interactions SET status = `+status+` WHERE `+w.sql(), w.args...)
	return err
}

// settleRequests gives each request what the store holds: the new row, or
// the one its interaction had already.
func (s *Store) settleRequests(ctx context.Context, tenantID string, reqs []*plaudit.FeedbackRequest, rows []pendingRequest, made map[string]bool) ([]bool, error) {
	created := make([]bool, len(reqs))
	var others []string
	for i, n := range rows {
		if created[i] = made[n.id]; created[i] {
			*reqs[i] = n.r
		} else {
			others = append(others, n.r.InteractionID)
		}
	}
	if len(others) == 0 {
		return created, nil
	}
	existing, err := s.RequestsOfInteractions(ctx, tenantID, others)
	if err != nil {
		return nil, err
	}
	byInteraction := make(map[string]plaudit.FeedbackRequest, len(existing))
	for _, r := range existing {
		byInteraction[r.InteractionID] = r
	}
	for i := range reqs {
		if created[i] {
			continue
		}
		r, ok := byInteraction[reqs[i].InteractionID]
		if !ok {
			return nil, notFound("interaction")
		}
		*reqs[i] = r
	}
	return created, nil
}

// factLocation is the time zone a tenant's request facts count days in,
// through the directory cache. It reads the settings only, as
// tenantLocation does: the tenant's hash key need not open.
func (s *Store) factLocation(ctx context.Context, tenantID string) (*time.Location, error) {
	e := s.cached(ctx, directoryKey{kind: 'l', id: tenantID}, func(ctx context.Context) directoryEntry {
		loc, err := tenantLocation(ctx, s.db, tenantID)
		return directoryEntry{loc: loc, err: err}
	})
	return e.loc, e.err
}

// writeNewFacts writes the report facts of the requests just inserted (in
// made) in one statement, after marking their months dirty. A new request
// has no fact yet, so there is no earlier day to mark.
func writeNewFacts(ctx context.Context, tx *sql.Tx, d *dialect, tenantID string, loc *time.Location, rows []pendingRequest, made map[string]bool) error {
	var (
		args   []any
		values []string
		months = map[string]string{}
	)
	for _, n := range rows {
		if !made[n.id] {
			continue
		}
		r := n.r
		day := factDay(r, loc)
		months[day[:7]] = day
		k := len(args)
		args = append(args, r.TenantID, r.ID, day, r.AgentID, r.Team, r.Channel, r.ConnectorID, r.Status,
			r.SentAt != nil, Suppressed(r), r.Test)
		ph := make([]string, 11)
		for j := range ph {
			ph[j] = fmt.Sprintf("$%d", k+j+1)
		}
		values = append(values, "("+strings.Join(ph, ", ")+")")
	}
	if len(values) == 0 {
		return nil
	}
	for _, day := range months {
		if err := markMonthIn(ctx, tx, d, tenantID, day); err != nil {
			return fmt.Errorf("request facts: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO request_facts (tenant_id, request_id, day, agent_id, team, channel, connector_id, status, sent, suppressed, test)
		 VALUES `+strings.Join(values, ", ")+`
		 ON CONFLICT (tenant_id, request_id) DO NOTHING`, args...)
	if err != nil {
		return fmt.Errorf("request facts: %w", err)
	}
	return nil
}

// RequestsOfInteractions returns the requests (and skip records) of those
// of a tenant's interactions whose ids are given; an interaction without
// one (a reopened ticket, one not decided yet) has none in the answer.
func (s *Store) RequestsOfInteractions(ctx context.Context, tenantID string, ids []string) ([]plaudit.FeedbackRequest, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxBatchRows {
		return nil, plaudit.Errorf(plaudit.EInvalid, "at most %d interactions at once", maxBatchRows)
	}
	var w where
	w.add("tenant_id = ?", tenantID)
	w.in("interaction_id", ids)
	out, err := s.queryRequests(ctx, s.db, `SELECT `+requestCols+` FROM feedback_requests WHERE `+w.sql(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: requests of interactions: %w", err)
	}
	return out, nil
}
