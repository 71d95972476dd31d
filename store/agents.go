package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const agentCols = `id, tenant_id, email, name, bio, photo_url, hometown, approved, external_ids, created_at, updated_at, team`

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
		`INSERT INTO agents (`+agentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)`,
		a.ID, a.TenantID, a.Email, a.Name, a.Bio, a.PhotoURL, a.Hometown, a.Approved, mapJSON(a.ExternalIDs), s.ts(now), a.Team)
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
		jsonDest{&a.ExternalIDs}, timeDest{&a.CreatedAt}, timeDest{&a.UpdatedAt}, &a.Team)
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
	out, err := queryAll(ctx, s.db, scanAgent, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list agents: %w", err)
	}
	return out, nil
}

// UpdateAgent saves every field an admin may change.
func (s *Store) UpdateAgent(ctx context.Context, a plaudit.Agent) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE agents SET email = $3, name = $4, bio = $5, photo_url = $6, hometown = $7, approved = $8,
		        external_ids = $9, updated_at = $10, team = $11
		 WHERE tenant_id = $1 AND id = $2`,
		a.TenantID, a.ID, a.Email, a.Name, a.Bio, a.PhotoURL, a.Hometown, a.Approved, mapJSON(a.ExternalIDs), s.ts(s.clock()), a.Team)
	if s.d.isUnique(err) {
		return errAgentEmail()
	}
	if err != nil {
		return fmt.Errorf("store: update agent: %w", err)
	}
	return mustAffect(res, "agent")
}

// DeleteAgent erases an agent. Requests, responses and aggregates keep the
// agent id, which names nobody once the agent row is gone; the agent's
// email, name, photo, bio and hometown go, and so do the copies of the
// agent's details that helpdesks sent with interactions (those the agent
// was matched to, and those naming the agent's address or helpdesk id).
func (s *Store) DeleteAgent(ctx context.Context, tenantID, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			email string
			ext   map[string]string
		)
		err := tx.QueryRowContext(ctx, `SELECT email, external_ids FROM agents WHERE tenant_id = $1 AND id = $2`,
			tenantID, id).Scan(&email, jsonDest{&ext})
		if err != nil {
			return one(err, "agent")
		}
		const clearCopies = `UPDATE interactions SET agent_external_id = '', agent_email = '', agent_name = '' WHERE tenant_id = $1 AND `
		if _, err := tx.ExecContext(ctx, clearCopies+`(id IN (SELECT interaction_id FROM feedback_requests WHERE tenant_id = $1 AND agent_id = $2)
			OR (agent_email <> '' AND lower(agent_email) = lower(CAST($3 AS TEXT))))`, tenantID, id, email); err != nil {
			return fmt.Errorf("store: delete agent: interactions: %w", err)
		}
		for kind, extID := range ext {
			if _, err := tx.ExecContext(ctx, clearCopies+`source = $2 AND agent_external_id = $3`, tenantID, kind, extID); err != nil {
				return fmt.Errorf("store: delete agent: interactions: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM agents WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err != nil {
			return fmt.Errorf("store: delete agent: %w", err)
		}
		return mustAffect(res, "agent")
	})
	if err != nil {
		return err
	}
	return s.flushErased(ctx)
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
