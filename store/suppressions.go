package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
)

// Suppress keeps an address (by its keyed hash) from getting requests. A
// second suppression of the same address replaces the reason and expiry:
// a STOP after a temporary bounce suppresses for good.
func (s *Store) Suppress(ctx context.Context, sp plaudit.Suppression) error {
	if sp.AddressHash == "" {
		return plaudit.Errorf(plaudit.EInvalid, "address hash is required")
	}
	created := sp.CreatedAt
	if created.IsZero() {
		created = s.clock()
	}
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO suppressions (tenant_id, address_hash, reason, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (tenant_id, address_hash) DO UPDATE SET reason = excluded.reason, expires_at = excluded.expires_at`,
		sp.TenantID, sp.AddressHash, sp.Reason, s.ts(created), s.tsPtr(sp.ExpiresAt))
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
	if _, err := s.w.ExecContext(ctx, `DELETE FROM suppressions WHERE tenant_id = $1 AND address_hash = $2`, tenantID, addressHash); err != nil {
		return fmt.Errorf("store: unsuppress: %w", err)
	}
	return nil
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
