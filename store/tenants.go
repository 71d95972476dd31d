package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// hashKeySize is the length of a tenant's address-hash key.
const hashKeySize = 32

const tenantCols = `id, name, settings, hash_key, created_at`

// CreateTenant stores a new tenant. It makes the tenant's hash key when the
// caller brings none; the key is sealed at rest, bound to the tenant id.
func (s *Store) CreateTenant(ctx context.Context, t *plaudit.Tenant) error {
	if t.ID == "" {
		t.ID = keyring.ID("ten")
	}
	if t.HashKey == nil {
		t.HashKey = keyring.RandomBytes(hashKeySize)
	}
	settings, err := jsonText(t.Settings)
	if err != nil {
		return err
	}
	now := s.clock()
	t.CreatedAt = now
	_, err = s.w.ExecContext(ctx,
		`INSERT INTO tenants (id, name, settings, hash_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		t.ID, t.Name, settings, s.kr.Seal(t.HashKey, []byte(t.ID)), s.ts(now))
	if s.d.isUnique(err) {
		return plaudit.Errorf(plaudit.EConflict, "tenant with this id exists")
	}
	if err != nil {
		return fmt.Errorf("store: create tenant: %w", err)
	}
	return nil
}

func (s *Store) scanTenant(r rowScanner) (plaudit.Tenant, error) {
	return s.scanTenantKey(r, true)
}

// scanTenantKey reads a tenant row, opening its hash key when openKey is
// set.
func (s *Store) scanTenantKey(r rowScanner, openKey bool) (plaudit.Tenant, error) {
	var (
		t              plaudit.Tenant
		settings, hkey string
	)
	if err := r.Scan(&t.ID, &t.Name, &settings, &hkey, timeDest{&t.CreatedAt}); err != nil {
		return t, err
	}
	// Decoding onto the defaults gives settings added after the tenant was
	// created their default value.
	t.Settings = plaudit.DefaultSettings()
	if err := json.Unmarshal([]byte(settings), &t.Settings); err != nil {
		return t, fmt.Errorf("decode settings of tenant %s: %w", t.ID, err)
	}
	if !openKey {
		return t, nil
	}
	key, err := s.kr.Open(hkey, []byte(t.ID))
	if err != nil {
		return t, fmt.Errorf("open hash key of tenant %s: %w", t.ID, err)
	}
	t.HashKey = key
	return t, nil
}

// GetTenant returns a tenant with its hash key opened.
func (s *Store) GetTenant(ctx context.Context, id string) (plaudit.Tenant, error) {
	t, err := s.scanTenant(s.db.QueryRowContext(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return plaudit.Tenant{}, one(err, "tenant")
	}
	return t, nil
}

// ListTenants returns every tenant, oldest first, for operator tasks and
// the periodic sweeps. Their hash keys are not opened (HashKey is nil):
// the sweeps need the settings only, and a key that cannot be opened (a
// key rotation half done) must not stop the retention sweep for everyone.
func (s *Store) ListTenants(ctx context.Context) ([]plaudit.Tenant, error) {
	scan := func(r rowScanner) (plaudit.Tenant, error) { return s.scanTenantKey(r, false) }
	out, err := queryAll(ctx, s.db, scan, `SELECT `+tenantCols+` FROM tenants ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	return out, nil
}

// UpdateTenant saves a tenant's name and settings. The hash key never
// changes: suppressions are keyed by it.
func (s *Store) UpdateTenant(ctx context.Context, t plaudit.Tenant) error {
	settings, err := jsonText(t.Settings)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE tenants SET name = $2, settings = $3, updated_at = $4 WHERE id = $1`,
		t.ID, t.Name, settings, s.ts(s.clock()))
	if err != nil {
		return fmt.Errorf("store: update tenant: %w", err)
	}
	return mustAffect(res, "tenant")
}

// DeleteTenant deletes the tenant and everything it owns, in one
// transaction: personal data, connector secrets, API key hashes and the
// tenant's hash key go with their rows. The anonymous aggregates stay when
// keepAggregates is set, so that an operator can close an account and
// still report on it; then every response gets its aggregate first and no
// aggregate keeps a response id (see settleAggregates).
func (s *Store) DeleteTenant(ctx context.Context, id string, keepAggregates bool) error {
	// The tables holding a tenant's rows, children before parents, so that
	// deleting in this order never trips a foreign key.
	tables := []string{
		"rewards", "responses", "provider_messages", "feedback_requests", "interactions", "agent_changes", "agent_photos", "agents",
		"connectors", "api_keys", "suppressions", "audit_events", "outbox", "team_deliveries", "teams",
		"login_tokens", "console_sessions", "users",
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if keepAggregates {
			if err := s.settleAggregates(ctx, tx, `SELECT id FROM responses WHERE tenant_id = $1`, []any{id}, true); err != nil {
				return fmt.Errorf("store: delete tenant: aggregates: %w", err)
			}
			if err := unlinkFacts(ctx, tx, `SELECT id FROM feedback_requests WHERE tenant_id = $1`, []any{id}); err != nil {
				return fmt.Errorf("store: delete tenant: request facts: %w", err)
			}
		}
		for _, table := range tables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1`, id); err != nil {
				return fmt.Errorf("store: delete tenant: %s: %w", table, err)
			}
		}
		if !keepAggregates {
			for _, table := range []string{"aggregates", "request_facts", "aggregate_months", "fact_months", "report_months"} {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1`, id); err != nil {
					return fmt.Errorf("store: delete tenant: %s: %w", table, err)
				}
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM tenants WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("store: delete tenant: %w", err)
		}
		return mustAffect(res, "tenant")
	})
	if err != nil {
		return err
	}
	// The tenant's customers' personal data went with it.
	return s.flushErased(ctx)
}
