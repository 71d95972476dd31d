package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const connectorCols = `id, tenant_id, kind, name, config, secrets, disabled, created_at, updated_at`

// sealSecrets seals a connector's secrets as one JSON object bound to the
// connector id, so that the blob cannot be copied onto another connector.
func (s *Store) sealSecrets(id string, secrets map[string]string) string {
	return s.kr.Seal([]byte(mapJSON(secrets)), []byte(id))
}

func configText(c json.RawMessage) (string, error) {
	if len(c) == 0 {
		return "{}", nil
	}
	if !json.Valid(c) {
		return "", plaudit.Errorf(plaudit.EInvalid, "config must be valid JSON")
	}
	return string(c), nil
}

// CreateConnector stores a connector; its secrets are sealed at rest.
func (s *Store) CreateConnector(ctx context.Context, c *plaudit.Connector) error {
	if c.ID == "" {
		c.ID = keyring.ID("con")
	}
	cfg, err := configText(c.Config)
	if err != nil {
		return err
	}
	c.Config = json.RawMessage(cfg)
	c.Secrets = normMap(c.Secrets)
	now := s.clock()
	c.CreatedAt, c.UpdatedAt = now, now
	_, err = s.w.ExecContext(ctx,
		`INSERT INTO connectors (`+connectorCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		c.ID, c.TenantID, c.Kind, c.Name, cfg, s.sealSecrets(c.ID, c.Secrets), c.Disabled, s.ts(now))
	switch {
	case s.d.isUnique(err):
		return plaudit.Errorf(plaudit.EConflict, "connector with this id exists")
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: create connector: %w", err)
	}
	return nil
}

func (s *Store) scanConnector(r rowScanner) (plaudit.Connector, error) {
	var (
		c           plaudit.Connector
		cfg, sealed string
	)
	if err := r.Scan(&c.ID, &c.TenantID, &c.Kind, &c.Name, &cfg, &sealed, &c.Disabled,
		timeDest{&c.CreatedAt}, timeDest{&c.UpdatedAt}); err != nil {
		return c, err
	}
	c.Config = json.RawMessage(cfg)
	pt, err := s.kr.Open(sealed, []byte(c.ID))
	if err != nil {
		return c, fmt.Errorf("open secrets of connector %s: %w", c.ID, err)
	}
	if err := (jsonDest{&c.Secrets}).Scan(pt); err != nil {
		return c, err
	}
	return c, nil
}

// GetConnector returns one of a tenant's connectors with its secrets opened.
func (s *Store) GetConnector(ctx context.Context, tenantID, id string) (plaudit.Connector, error) {
	c, err := s.scanConnector(s.db.QueryRowContext(ctx,
		`SELECT `+connectorCols+` FROM connectors WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return plaudit.Connector{}, one(err, "connector")
	}
	return c, nil
}

// ConnectorByID finds a connector by id alone, for inbound hooks: the URL
// names the connector, and the connector names the tenant.
func (s *Store) ConnectorByID(ctx context.Context, id string) (plaudit.Connector, error) {
	c, err := s.scanConnector(s.db.QueryRowContext(ctx, `SELECT `+connectorCols+` FROM connectors WHERE id = $1`, id))
	if err != nil {
		return plaudit.Connector{}, one(err, "connector")
	}
	return c, nil
}

// ListConnectors returns a tenant's connectors, oldest first.
func (s *Store) ListConnectors(ctx context.Context, tenantID string) ([]plaudit.Connector, error) {
	out, err := queryAll(ctx, s.db, s.scanConnector,
		`SELECT `+connectorCols+` FROM connectors WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list connectors: %w", err)
	}
	return out, nil
}

// UpdateConnector saves name, config, secrets and disabled. Kind and
// tenant never change. Secrets are replaced by what c carries: callers
// that change only some merge them onto GetConnector's first.
func (s *Store) UpdateConnector(ctx context.Context, c plaudit.Connector) error {
	cfg, err := configText(c.Config)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx,
		`UPDATE connectors SET name = $3, config = $4, secrets = $5, disabled = $6, updated_at = $7
		 WHERE tenant_id = $1 AND id = $2`,
		c.TenantID, c.ID, c.Name, cfg, s.sealSecrets(c.ID, c.Secrets), c.Disabled, s.ts(s.clock()))
	if err != nil {
		return fmt.Errorf("store: update connector: %w", err)
	}
	return mustAffect(res, "connector")
}

// DeleteConnector deletes a connector. Its interactions stay: they belong
// to the tenant's history until retention removes them.
func (s *Store) DeleteConnector(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM connectors WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete connector: %w", err)
	}
	return mustAffect(res, "connector")
}

// ResealSecrets re-encrypts, under the current key, every sealed value that
// another key sealed (connector secrets, tenant hash keys, the page key and
// page tokens, team webhooks), so that the previous key can be retired after `plaudit
// rotate-key`. Each row is rewritten only if it still holds the value
// read, so a concurrent update is never overwritten with stale secrets. It
// returns how many values it re-sealed.
func (s *Store) ResealSecrets(ctx context.Context) (n int, err error) {
	for _, t := range []struct{ table, col string }{{"tenants", "hash_key"}, {"connectors", "secrets"},
		{"store_keys", "sealed"}, {"feedback_requests", "token_sealed"}, {"outbox", "sealed"}, {"teams", "webhooks"},
		{"tenant_oidc", "client_secret"}} {
		m, err := s.reseal(ctx, t.table, t.col)
		n += m
		if err != nil {
			return n, fmt.Errorf("store: reseal %s.%s: %w", t.table, t.col, err)
		}
	}
	return n, nil
}

func (s *Store) reseal(ctx context.Context, table, col string) (n int, err error) {
	err = rewriteRows(ctx, s.db, `SELECT id, `+col+` FROM `+table+` WHERE id > $1 AND `+col+` IS NOT NULL`,
		scanIDValue, idValue.rowID, func(page []idValue) error {
			for _, r := range page {
				if !s.kr.NeedsReseal(r.value) {
					continue
				}
				pt, err := s.kr.Open(r.value, []byte(r.id))
				if err != nil {
					return fmt.Errorf("%s: %w", r.id, err)
				}
				res, err := s.w.ExecContext(ctx, `UPDATE `+table+` SET `+col+` = $1 WHERE id = $2 AND `+col+` = $3`,
					s.kr.Seal(pt, []byte(r.id)), r.id, r.value)
				if err != nil {
					return fmt.Errorf("%s: %w", r.id, err)
				}
				if k, _ := res.RowsAffected(); k > 0 {
					n++
				}
			}
			return nil
		})
	return n, err
}
