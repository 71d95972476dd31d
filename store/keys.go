package store

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const apiKeyCols = `id, tenant_id, name, role, mode, prefix, hash, created_at, last_used_at`

// CreateAPIKey stores a key's hash (never the key). Hashes are unique: a
// collision means the same secret was stored twice.
func (s *Store) CreateAPIKey(ctx context.Context, k *plaudit.APIKey) error {
	if k.ID == "" {
		k.ID = keyring.ID("key")
	}
	if len(k.Hash) == 0 {
		return plaudit.Errorf(plaudit.EInvalid, "api key hash is required")
	}
	k.CreatedAt = s.clock()
	k.LastUsedAt = timePtr(k.LastUsedAt)
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO api_keys (`+apiKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		k.ID, k.TenantID, k.Name, k.Role, k.Mode, k.Prefix, k.Hash, s.ts(k.CreatedAt), s.tsPtr(k.LastUsedAt))
	switch {
	case s.d.isUnique(err):
		return plaudit.Errorf(plaudit.EConflict, "api key exists")
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: create api key: %w", err)
	}
	return nil
}

func scanAPIKey(r rowScanner) (plaudit.APIKey, error) {
	var k plaudit.APIKey
	err := r.Scan(&k.ID, &k.TenantID, &k.Name, &k.Role, &k.Mode, &k.Prefix, &k.Hash,
		timeDest{&k.CreatedAt}, nullTimeDest{&k.LastUsedAt})
	return k, err
}

// ListAPIKeys returns a tenant's keys, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]plaudit.APIKey, error) {
	out, err := queryAll(ctx, s.db, scanAPIKey,
		`SELECT `+apiKeyCols+` FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list api keys: %w", err)
	}
	return out, nil
}

// DeleteAPIKey revokes a key.
func (s *Store) DeleteAPIKey(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM api_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete api key: %w", err)
	}
	return mustAffect(res, "api key")
}

// APIKeyByHash finds the key a request presents. It is global: the key is
// what tells us the tenant.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (plaudit.APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return plaudit.APIKey{}, one(err, "api key")
	}
	return k, nil
}
