package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// Suppress keeps an address (by its keyed hash) from getting requests. A
// second suppression of the same address replaces the reason and the
// channel; a permanent one stays permanent (a temporary bounce after an
// opt-out must not let the opt-out expire), and a temporary one becomes
// permanent when the second is.
func (s *Store) Suppress(ctx context.Context, sp plaudit.Suppression) error {
	if sp.AddressHash == "" {
		return plaudit.Errorf(plaudit.EInvalid, "address hash is required")
	}
	created := sp.CreatedAt
	if created.IsZero() {
		created = s.clock()
	}
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO suppressions (tenant_id, address_hash, reason, channel, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (tenant_id, address_hash) DO UPDATE SET reason = excluded.reason, channel = excluded.channel,
		   expires_at = CASE WHEN suppressions.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
		                     ELSE excluded.expires_at END`,
		sp.TenantID, sp.AddressHash, sp.Reason, sp.Channel, s.ts(created), s.tsPtr(sp.ExpiresAt))
	switch {
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: suppress: %w", err)
	}
	return nil
}

// Unsuppress lifts a suppression (START). Lifting one that does not exist
// is not an error: the outcome is the same.
func (s *Store) Unsuppress(ctx context.Context, tenantID, addressHash string) error {
	_, err := s.DeleteSuppression(ctx, tenantID, addressHash)
	return err
}

// DeleteSuppression lifts a suppression and reports whether there was one.
func (s *Store) DeleteSuppression(ctx context.Context, tenantID, addressHash string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM suppressions WHERE tenant_id = $1 AND address_hash = $2`, tenantID, addressHash)
	if err != nil {
		return false, fmt.Errorf("store: unsuppress: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: unsuppress: %w", err)
	}
	return n > 0, nil
}

// IsSuppressed reports whether an address is suppressed at now; an expired
// suppression no longer counts even before ExpireSuppressions removes it.
func (s *Store) IsSuppressed(ctx context.Context, tenantID, addressHash string, now time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM suppressions
		 WHERE tenant_id = $1 AND address_hash = $2 AND (expires_at IS NULL OR expires_at > $3)`,
		tenantID, addressHash, s.ts(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: is suppressed: %w", err)
	}
	return n > 0, nil
}

const suppressionColumns = `tenant_id, address_hash, reason, channel, created_at, expires_at`

func scanSuppression(row interface{ Scan(...any) error }) (plaudit.Suppression, error) {
	var sp plaudit.Suppression
	err := row.Scan(&sp.TenantID, &sp.AddressHash, &sp.Reason, &sp.Channel, timeDest{&sp.CreatedAt}, nullTimeDest{&sp.ExpiresAt})
	return sp, err
}

// GetSuppression returns the suppression of an address, expired or not;
// none is a not-found error.
func (s *Store) GetSuppression(ctx context.Context, tenantID, addressHash string) (plaudit.Suppression, error) {
	sp, err := scanSuppression(s.db.QueryRowContext(ctx,
		`SELECT `+suppressionColumns+` FROM suppressions WHERE tenant_id = $1 AND address_hash = $2`, tenantID, addressHash))
	if err != nil {
		return sp, one(err, "suppression")
	}
	return sp, nil
}

// SuppressionFilter narrows ListSuppressions: to one address (its keyed
// hash), to those recorded since Since; Limit as for every list (100 by
// default, at most 1000).
type SuppressionFilter struct {
	AddressHash string
	Since       time.Time
	Limit       int
}

// ListSuppressions returns a tenant's suppressions, newest first.
func (s *Store) ListSuppressions(ctx context.Context, tenantID string, f SuppressionFilter) ([]plaudit.Suppression, error) {
	q := `SELECT ` + suppressionColumns + ` FROM suppressions WHERE tenant_id = $1`
	args := []any{tenantID}
	if f.AddressHash != "" {
		args = append(args, f.AddressHash)
		q += fmt.Sprintf(` AND address_hash = $%d`, len(args))
	}
	if !f.Since.IsZero() {
		args = append(args, s.ts(f.Since))
		q += fmt.Sprintf(` AND created_at >= $%d`, len(args))
	}
	args = append(args, clampLimit(f.Limit))
	q += fmt.Sprintf(` ORDER BY created_at DESC, address_hash LIMIT $%d`, len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list suppressions: %w", err)
	}
	defer rows.Close()
	out := []plaudit.Suppression{}
	for rows.Next() {
		sp, err := scanSuppression(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list suppressions: %w", err)
		}
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list suppressions: %w", err)
	}
	return out, nil
}

// ExpireSuppressions deletes suppressions whose time is up.
func (s *Store) ExpireSuppressions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM suppressions WHERE expires_at IS NOT NULL AND expires_at <= $1`, s.ts(now))
	if err != nil {
		return 0, fmt.Errorf("store: expire suppressions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: expire suppressions: %w", err)
	}
	return int(n), nil
}
