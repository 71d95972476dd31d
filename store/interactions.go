package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// The customer's details are columns, not a JSON blob, so that
// data-subject requests can find them by email or phone through an index
// and erasure deletes them with the row.
const interactionCols = `id, tenant_id, connector_id, source, dedup_key, external_id, event, channel,
	customer_name, customer_email, customer_phone, customer_language, customer_country, customer_time_zone,
	agent_external_id, agent_email, agent_name, do_not_send, tags, brand, test, needs_enrich, status, created_at`

// InsertInteraction stores an interaction once per (tenant, connector,
// dedup key): a helpdesk that delivers the same event again gets
// created=false, and in gets the existing row's ID, Status and CreatedAt,
// so that the caller carries on with the interaction already stored. The
// existing row is left as it is. An empty DedupKey is set to the ID: such
// an interaction is never a duplicate.
//
// Concurrent calls share transactions (groupCommit): the call returns when
// its row is committed.
//
// Email addresses are stored normalized (NormalizeAddresses), and in holds
// them so afterwards.
func (s *Store) InsertInteraction(ctx context.Context, in *plaudit.Interaction) (created bool, err error) {
	in.NormalizeAddresses()
	row := interactionRow{in: in, id: in.ID, dedup: in.DedupKey, status: in.Status, now: s.clock()}
	if row.id == "" {
		row.id = keyring.ID("int")
	}
	if row.dedup == "" {
		row.dedup = row.id
	}
	if row.status == "" {
		row.status = plaudit.InteractionReceived
	}
	call := &insertCall{row: row}
	s.inserts.do(ctx, call)
	if call.err != nil {
		return false, call.err
	}
	if call.created {
		in.ID, in.DedupKey, in.Status, in.CreatedAt = row.id, row.dedup, row.status, row.now
		in.Tags = normList(in.Tags)
		return true, nil
	}
	var (
		existing  string
		st        string
		createdAt time.Time
	)
	err = s.db.QueryRowContext(ctx,
		`SELECT id, status, created_at FROM interactions WHERE tenant_id = $1 AND connector_id = $2 AND dedup_key = $3`,
		in.TenantID, in.ConnectorID, row.dedup).Scan(&existing, &st, timeDest{&createdAt})
	if errors.Is(err, sql.ErrNoRows) {
		// Deleted between the insert and this read: the caller may retry.
		return false, plaudit.Errorf(plaudit.EConflict, "interaction was deleted while being stored")
	}
	if err != nil {
		return false, fmt.Errorf("store: insert interaction: read existing: %w", err)
	}
	in.ID, in.DedupKey, in.Status, in.CreatedAt = existing, row.dedup, st, createdAt
	return false, nil
}

// interactionRow is an interaction with the values the store fills in.
type interactionRow struct {
	in                *plaudit.Interaction
	id, dedup, status string
	now               time.Time
}

func (r interactionRow) args(s *Store) []any {
	in, c, a := r.in, r.in.Customer, r.in.Agent
	return []any{r.id, in.TenantID, in.ConnectorID, in.Source, r.dedup, in.ExternalID, in.Event, in.Channel,
		c.Name, c.Email, c.Phone, c.Language, c.Country, c.TimeZone,
		a.ExternalID, a.Email, a.Name, in.DoNotSend, listJSON(in.Tags), in.Brand, in.Test, in.NeedsEnrich, r.status, s.ts(r.now)}
}

const insertInteractionSQL = `INSERT INTO interactions (` + interactionCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
	ON CONFLICT (tenant_id, connector_id, dedup_key) DO NOTHING`

// writeInteractions is the group commit's writer: the engine's batch
// statement when there is more than one row, else (and when the batch
// fails as a whole: an id that exists, a tenant deleted meanwhile) one
// commit per row, so that one bad row fails alone.
func (s *Store) writeInteractions(ctx context.Context, batch []*insertCall) {
	if len(batch) > 1 && s.d.insertInteractions != nil {
		if err := s.d.insertInteractions(ctx, s, batch); err == nil {
			return
		}
		for _, c := range batch {
			c.created, c.err = false, nil
		}
	}
	for _, c := range batch {
		res, err := s.w.ExecContext(ctx, insertInteractionSQL, c.row.args(s)...)
		c.created, c.err = s.inserted(res, err)
	}
}

// inserted reads the outcome of one row's insert.
func (s *Store) inserted(res sql.Result, err error) (bool, error) {
	switch {
	case s.d.isUnique(err):
		return false, plaudit.Errorf(plaudit.EConflict, "interaction with this id exists")
	case s.d.isForeignKey(err):
		return false, notFound("tenant")
	case err != nil:
		return false, fmt.Errorf("store: insert interaction: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: insert interaction: %w", err)
	}
	return n == 1, nil
}

func scanInteraction(r rowScanner) (plaudit.Interaction, error) {
	var in plaudit.Interaction
	c, a := &in.Customer, &in.Agent
	err := r.Scan(&in.ID, &in.TenantID, &in.ConnectorID, &in.Source, &in.DedupKey, &in.ExternalID, &in.Event, &in.Channel,
		&c.Name, &c.Email, &c.Phone, &c.Language, &c.Country, &c.TimeZone,
		&a.ExternalID, &a.Email, &a.Name, &in.DoNotSend, jsonDest{&in.Tags}, &in.Brand, &in.Test, &in.NeedsEnrich,
		&in.Status, timeDest{&in.CreatedAt})
	return in, err
}

func (s *Store) queryInteractions(ctx context.Context, q queryer, query string, args ...any) ([]plaudit.Interaction, error) {
	return queryAll(ctx, q, scanInteraction, query, args...)
}

// GetInteraction returns one of a tenant's interactions.
func (s *Store) GetInteraction(ctx context.Context, tenantID, id string) (plaudit.Interaction, error) {
	in, err := scanInteraction(s.db.QueryRowContext(ctx,
		`SELECT `+interactionCols+` FROM interactions WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return plaudit.Interaction{}, one(err, "interaction")
	}
	return in, nil
}

// UpdateInteraction saves what the worker learns or decides after the
// interaction arrived: enrichment (customer, agent, channel, tags, event)
// and its status.
func (s *Store) UpdateInteraction(ctx context.Context, in plaudit.Interaction) error {
	in.NormalizeAddresses()
	c, a := in.Customer, in.Agent
	res, err := s.w.ExecContext(ctx,
		`UPDATE interactions SET
		   customer_name = $3, customer_email = $4, customer_phone = $5, customer_language = $6,
		   customer_country = $7, customer_time_zone = $8,
		   agent_external_id = $9, agent_email = $10, agent_name = $11,
		   channel = $12, tags = $13, event = $14, needs_enrich = $15, status = $16
		 WHERE tenant_id = $1 AND id = $2`,
		in.TenantID, in.ID, c.Name, c.Email, c.Phone, c.Language, c.Country, c.TimeZone,
		a.ExternalID, a.Email, a.Name, in.Channel, listJSON(in.Tags), in.Event, in.NeedsEnrich, in.Status)
	if err != nil {
		return fmt.Errorf("store: update interaction: %w", err)
	}
	return mustAffect(res, "interaction")
}

// DeleteInteraction deletes an interaction with its feedback request and
// response (the foreign keys cascade).
func (s *Store) DeleteInteraction(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM interactions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete interaction: %w", err)
	}
	return mustAffect(res, "interaction")
}

// StaleInteractions returns interactions still "received" that were
// created before before, across tenants, oldest first: the reconciler
// re-enqueues them when the queue lost their task.
func (s *Store) StaleInteractions(ctx context.Context, before time.Time, limit int) ([]plaudit.Interaction, error) {
	out, err := s.queryInteractions(ctx, s.db,
		`SELECT `+interactionCols+` FROM interactions WHERE status = $1 AND created_at < $2 ORDER BY created_at, id LIMIT $3`,
		plaudit.InteractionReceived, s.ts(before), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: stale interactions: %w", err)
	}
	return out, nil
}
