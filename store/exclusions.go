package store

import (
	"context"
	"fmt"
)

// ExcludeResponse takes a tenant's response out of its agent's figures,
// with a reason; excluding it again replaces the reason.
func (s *Store) ExcludeResponse(ctx context.Context, tenantID, id, reason string) error {
	res, err := s.w.ExecContext(ctx,
		`INSERT INTO response_exclusions (id, tenant_id, reason, created_at)
		 SELECT id, tenant_id, $3, $4 FROM responses WHERE tenant_id = $1 AND id = $2
		 ON CONFLICT (id) DO UPDATE SET reason = $3`, tenantID, id, reason, s.ts(s.clock()))
	if err != nil {
		return fmt.Errorf("store: exclude response: %w", err)
	}
	return mustAffect(res, "response")
}

// IncludeResponse counts an excluded response again.
func (s *Store) IncludeResponse(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM response_exclusions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: include response: %w", err)
	}
	return mustAffect(res, "excluded response")
}

// Exclusions returns the reasons of those of ids that are excluded.
func (s *Store) Exclusions(ctx context.Context, tenantID string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var w where
	w.add("tenant_id = ?", tenantID)
	w.in("id", ids)
	rows, err := s.db.QueryContext(ctx, `SELECT id, reason FROM response_exclusions WHERE `+w.sql(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: exclusions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, reason string
		if err := rows.Scan(&id, &reason); err != nil {
			return nil, fmt.Errorf("store: exclusions: %w", err)
		}
		out[id] = reason
	}
	return out, rows.Err()
}
