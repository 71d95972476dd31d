package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plaudit/plaudit"
)

// AddOutbox keeps a message of the outbox, sealed, and drops all but the
// newest keep messages, so that the outbox never grows past its bound.
func (s *Store) AddOutbox(ctx context.Context, e plaudit.OutboxEntry, keep int) error {
	if e.ID == "" || len(e.Message) == 0 {
		return plaudit.Errorf(plaudit.EInvalid, "outbox entry needs an id and a message")
	}
	sealed := s.kr.Seal(e.Message, []byte(e.ID))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO outbox (id, tenant_id, channel, sealed, created_at) VALUES ($1, $2, $3, $4, $5)`,
			e.ID, e.TenantID, e.Channel, sealed, s.ts(e.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`DELETE FROM outbox WHERE id NOT IN (SELECT id FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1)`, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add outbox message: %w", err)
	}
	return nil
}

// ListOutbox returns the outbox's messages, newest first: every tenant's,
// or one tenant's when tenantID is set.
func (s *Store) ListOutbox(ctx context.Context, tenantID string, limit int) ([]plaudit.OutboxEntry, error) {
	q, args := `SELECT id, tenant_id, channel, sealed, created_at FROM outbox`, []any{clampLimit(limit)}
	if tenantID != "" {
		q, args = q+` WHERE tenant_id = $2`, append(args, tenantID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	defer rows.Close()
	var out []plaudit.OutboxEntry
	for rows.Next() {
		e, err := s.scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	return out, nil
}

// GetOutbox returns one message of the outbox.
func (s *Store) GetOutbox(ctx context.Context, id string) (plaudit.OutboxEntry, error) {
	e, err := s.scanOutbox(s.db.QueryRowContext(ctx,
		`SELECT id, tenant_id, channel, sealed, created_at FROM outbox WHERE id = $1`, id))
	if err != nil {
		return e, one(err, "outbox message")
	}
	return e, nil
}

// DeleteOutbox removes messages of the outbox by id and returns how many
// it removed.
func (s *Store) DeleteOutbox(ctx context.Context, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		res, err := s.w.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, id)
		if err != nil {
			return n, fmt.Errorf("store: delete outbox message: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

func (s *Store) scanOutbox(r rowScanner) (plaudit.OutboxEntry, error) {
	var (
		e      plaudit.OutboxEntry
		sealed string
	)
	if err := r.Scan(&e.ID, &e.TenantID, &e.Channel, &sealed, timeDest{&e.CreatedAt}); err != nil {
		return e, err
	}
	msg, err := s.kr.Open(sealed, []byte(e.ID))
	if err != nil {
		return e, fmt.Errorf("store: open outbox message %s: %w", e.ID, err)
	}
	e.Message = msg
	return e, nil
}
