package store

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const agentCols = `id, tenant_id, email, name, bio, photo_url, hometown, approved, external_ids, created_at, updated_at`

func errAgentEmail() error {
	return plaudit.Errorf(plaudit.EConflict, "agent with this email exists")
}

// CreateAgent stores an agent. An email is unique in a tenant regardless of
// case, since agents are matched by it.
func (s *Store) CreateAgent(ctx context.Context, a *plaudit.Agent) error {
	if a.ID == "" {
		a.ID = keyring.ID("agt")
	}
	a.ExternalIDs = normMap(a.ExternalIDs)
	now := s.clock()
	a.CreatedAt, a.UpdatedAt = now, now
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO agents (`+agentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		a.ID, a.TenantID, a.Email, a.Name, a.Bio, a.PhotoURL, a.Hometown, a.Approved, mapJSON(a.ExternalIDs), s.ts(now))
	switch {
	case s.d.isUnique(err):
		return errAgentEmail()
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: create agent: %w", err)
	}
	return nil
}

func scanAgent(r rowScanner) (plaudit.Agent, error) {
	var a plaudit.Agent
	err := r.Scan(&a.ID, &a.TenantID, &a.Email, &a.Name, &a.Bio, &a.PhotoURL, &a.Hometown, &a.Approved,
		jsonDest{&a.ExternalIDs}, timeDest{&a.CreatedAt}, timeDest{&a.UpdatedAt})
	return a, err
}

// GetAgent returns one of a tenant's agents.
func (s *Store) GetAgent(ctx context.Context, tenantID, id string) (plaudit.Agent, error) {
	a, err := scanAgent(s.db.QueryRowContext(ctx,
		`SELECT `+agentCols+` FROM agents WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return plaudit.Agent{}, one(err, "agent")
	}
	return a, nil
}

// ListAgents returns a tenant's agents, oldest first.
func (s *Store) ListAgents(ctx context.Context, tenantID string) ([]plaudit.Agent, error) {
	return s.queryAgents(ctx, `SELECT `+agentCols+` FROM agents WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

func (s *Store) queryAgents(ctx context.Context, q string, args ...any) ([]plaudit.Agent, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	defer rows.Close()
	out := []plaudit.Agent{}
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list agents: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	return out, nil
}

// UpdateAgent saves every field an admin may change.
func (s *Store) UpdateAgent(ctx context.Context, a plaudit.Agent) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE agents SET email = $3, name = $4, bio = $5, photo_url = $6, hometown = $7, approved = $8,
		        external_ids = $9, updated_at = $10
		 WHERE tenant_id = $1 AND id = $2`,
		a.TenantID, a.ID, a.Email, a.Name, a.Bio, a.PhotoURL, a.Hometown, a.Approved, mapJSON(a.ExternalIDs), s.ts(s.clock()))
	if s.d.isUnique(err) {
		return errAgentEmail()
	}
	if err != nil {
		return fmt.Errorf("store: update agent: %w", err)
	}
	return mustAffect(res, "agent")
}

// DeleteAgent deletes an agent. Requests and responses keep the agent id
// for reports; the agent's name, photo and bio go.
func (s *Store) DeleteAgent(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM agents WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete agent: %w", err)
	}
	return mustAffect(res, "agent")
}

// FindAgent resolves the agent a helpdesk names: by the helpdesk's own id
// for the agent (external_ids[kind]) first, since emails change and may be
// shared; then by email, case-insensitively.
func (s *Store) FindAgent(ctx context.Context, tenantID, kind, externalID, email string) (plaudit.Agent, error) {
	if kind != "" && externalID != "" {
		// ->> takes a text operand as an object key on both engines.
		as, err := s.queryAgents(ctx,
			`SELECT `+agentCols+` FROM agents
			 WHERE tenant_id = $1 AND external_ids ->> CAST($2 AS TEXT) = $3
			 ORDER BY created_at, id LIMIT 1`, tenantID, kind, externalID)
		if err != nil {
			return plaudit.Agent{}, err
		}
		if len(as) > 0 {
			return as[0], nil
		}
	}
	if email != "" {
		as, err := s.queryAgents(ctx,
			`SELECT `+agentCols+` FROM agents WHERE tenant_id = $1 AND email <> '' AND lower(email) = lower(CAST($2 AS TEXT)) LIMIT 1`,
			tenantID, email)
		if err != nil {
			return plaudit.Agent{}, err
		}
		if len(as) > 0 {
			return as[0], nil
		}
	}
	return plaudit.Agent{}, notFound("agent")
}
