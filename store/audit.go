package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// AddAudit records an audit event. Callers put addresses in as keyed
// hashes; the store keeps what it is given.
func (s *Store) AddAudit(ctx context.Context, e *plaudit.AuditEvent) error {
	if e.ID == "" {
		e.ID = keyring.ID("aud")
	}
	e.CreatedAt = s.clock()
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO audit_events (id, tenant_id, actor, action, target, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.ID, e.TenantID, e.Actor, e.Action, e.Target, e.Detail, s.ts(e.CreatedAt))
	switch {
	case s.d.isUnique(err):
		return plaudit.Errorf(plaudit.EConflict, "audit event with this id exists")
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: add audit event: %w", err)
	}
	return nil
}

// ListAudit returns a tenant's audit events, newest first. limit defaults
// to 100 and is at most 1000.
func (s *Store) ListAudit(ctx context.Context, tenantID string, limit int) ([]plaudit.AuditEvent, error) {
	return s.ListAuditPage(ctx, tenantID, nil, limit)
}

// ListAuditPage is ListAudit from a cursor on: the events listed after
// before (older, or as old with a smaller id), read through the index
// however deep the page. A nil before starts at the newest.
func (s *Store) ListAuditPage(ctx context.Context, tenantID string, before *Cursor, limit int) ([]plaudit.AuditEvent, error) {
	var w where
	w.add("tenant_id = ?", tenantID)
	if before != nil {
		w.before(s.ts(before.At), before.ID)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, tenant_id, actor, action, target, detail, created_at FROM audit_events
		 WHERE `+w.sql()+` ORDER BY created_at DESC, id DESC LIMIT `+w.next(clampLimit(limit)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit events: %w", err)
	}
	defer rows.Close()
	out := []plaudit.AuditEvent{}
	for rows.Next() {
		var e plaudit.AuditEvent
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Actor, &e.Action, &e.Target, &e.Detail, timeDest{&e.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: list audit events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit events: %w", err)
	}
	return out, nil
}

// FirstSeen records a provider callback id (Twilio MessageSid, SendGrid
// sg_event_id) and reports whether it is new, so that a redelivered
// callback is handled once.
func (s *Store) FirstSeen(ctx context.Context, key string, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx,
		`INSERT INTO seen_callbacks (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, key, s.ts(now))
	if err != nil {
		return false, fmt.Errorf("store: first seen: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: first seen: %w", err)
	}
	return n == 1, nil
}

// ForgetSeen drops a callback id again, when handling the callback failed
// after FirstSeen: the provider's retry must then be handled, not taken for
// a duplicate.
func (s *Store) ForgetSeen(ctx context.Context, key string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM seen_callbacks WHERE id = $1`, key); err != nil {
		return fmt.Errorf("store: forget seen: %w", err)
	}
	return nil
}

// PruneSeen forgets callback ids seen before before; providers stop
// redelivering long before.
func (s *Store) PruneSeen(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM seen_callbacks WHERE seen_at < $1`, s.ts(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune seen: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune seen: %w", err)
	}
	return int(n), nil
}
