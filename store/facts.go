package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// request_facts keeps one anonymous row per feedback request for the
// response rate (docs/reports.md), written in the same transaction as
// every change of the request's status, so that it outlives erasure and
// the retention sweep as the aggregates do.

// factWriter writes facts, reading each tenant's time zone once.
type factWriter struct {
	q    queryer
	locs map[string]*time.Location
	// location, when set, gives a tenant's time zone instead of a read
	// through q: the store's directory cache.
	location func(ctx context.Context, tenantID string) (*time.Location, error)
	// d, when set, is the engine's dialect, for markMonthIn.
	d *dialect
}

func newFactWriter(q queryer) *factWriter {
	return &factWriter{q: q, locs: map[string]*time.Location{}}
}

// factWriter is a fact writer on tx that takes time zones from the
// directory cache (a time zone changed through another replica counts
// within DirectoryCacheTTL, like every tenant setting in the decisions).
func (s *Store) factWriter(tx queryer) *factWriter {
	f := newFactWriter(tx)
	f.location, f.d = s.factLocation, s.d
	return f
}

// factDay is the day a request counts on: the day it was sent, in the
// tenant's time zone; for a request never sent, the day it last changed.
func factDay(r plaudit.FeedbackRequest, loc *time.Location) string {
	at := r.UpdatedAt
	if r.SentAt != nil {
		at = *r.SentAt
	}
	return at.In(loc).Format(dayLayout)
}

// Suppressed reports whether a request was not sent because of its
// address: on the suppression list (opt-out, bounce, complaint) or asked
// within the tenant's suppression_days.
func Suppressed(r plaudit.FeedbackRequest) bool {
	return r.SentAt == nil && (r.Reason == plaudit.ReasonSuppressed || r.Reason == plaudit.ReasonRecentlyAsked)
}

func (f *factWriter) write(ctx context.Context, r plaudit.FeedbackRequest) error {
	loc, ok := f.locs[r.TenantID]
	if !ok {
		var err error
		if f.location != nil {
			loc, err = f.location(ctx, r.TenantID)
		} else {
			loc, err = tenantLocation(ctx, f.q, r.TenantID)
		}
		if err != nil {
			return err
		}
		f.locs[r.TenantID] = loc
	}
	// The month the fact counted in and the one it counts in now (a
	// request that was pending counts on its send day) both change.
	day := factDay(r, loc)
	var was string
	err := f.q.QueryRowContext(ctx, `SELECT day FROM request_facts WHERE tenant_id = $1 AND request_id = $2`, r.TenantID, r.ID).Scan(&was)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: request fact: %w", err)
	}
	if len(was) >= 7 && was[:7] == day[:7] {
		was = "" // one month: marked once
	}
	for _, d := range []string{was, day} {
		if d != "" {
			if err := f.mark(ctx, r.TenantID, d); err != nil {
				return fmt.Errorf("store: request fact: %w", err)
			}
		}
	}
	_, err = f.q.ExecContext(ctx,
		`INSERT INTO request_facts (tenant_id, request_id, day, agent_id, team, channel, connector_id, status, sent, suppressed, test)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		 ON CONFLICT (tenant_id, request_id) DO UPDATE SET day = excluded.day, agent_id = excluded.agent_id,
		   team = excluded.team, channel = excluded.channel, connector_id = excluded.connector_id,
		   status = excluded.status, sent = excluded.sent, suppressed = excluded.suppressed, test = excluded.test`,
		r.TenantID, r.ID, day, r.AgentID, r.Team, r.Channel, r.ConnectorID, r.Status,
		r.SentAt != nil, Suppressed(r), r.Test)
	if err != nil {
		return fmt.Errorf("store: request fact: %w", err)
	}
	return nil
}

// updateRequests runs an UPDATE … RETURNING requestCols and writes the
// facts of the rows it changed, in one transaction. It returns the rows
// as they are after the change; none when the UPDATE matched none.
func (s *Store) updateRequests(ctx context.Context, query string, args ...any) ([]plaudit.FeedbackRequest, error) {
	return s.updateRequestsThen(ctx, nil, query, args...)
}

// updateRequestsThen is updateRequests that also runs then, when not nil,
// on the changed rows in the same transaction.
func (s *Store) updateRequestsThen(ctx context.Context, then func(*sql.Tx, []plaudit.FeedbackRequest) error,
	query string, args ...any) ([]plaudit.FeedbackRequest, error) {
	var out []plaudit.FeedbackRequest
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = s.queryRequests(ctx, tx, query, args...); err != nil {
			return err
		}
		fw := s.factWriter(tx)
		for _, r := range out {
			if err := fw.write(ctx, r); err != nil {
				return err
			}
		}
		if then == nil {
			return nil
		}
		return then(tx, out)
	})
	return out, err
}

// backfillFacts writes the facts of the requests stored before facts
// were kept (the reports migration's data step).
func (s *Store) backfillFacts(ctx context.Context, tx *sql.Tx) error {
	fw := newFactWriter(tx)
	return rewriteRows(ctx, tx, `SELECT `+requestCols+` FROM feedback_requests WHERE id > $1`, s.scanRequest,
		func(r plaudit.FeedbackRequest) string { return r.ID }, func(page []plaudit.FeedbackRequest) error {
			for _, r := range page {
				if err := fw.write(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
}

// mark marks day's month dirty: through markMonthIn when the writer knows
// its engine.
func (f *factWriter) mark(ctx context.Context, tenantID, day string) error {
	if f.d == nil {
		return markMonth(ctx, f.q, tenantID, day)
	}
	return markMonthIn(ctx, f.q, f.d, tenantID, day)
}
