package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/plaudit/plaudit/keyring"
)

// AgentPhoto is an uploaded agent photo, served at its key.
type AgentPhoto struct {
	TenantID, AgentID, Key, ContentType string
	Body                                []byte
	UpdatedAt                           time.Time
}

// SetAgentPhoto stores an agent's photo under a new key, replacing the one
// before (whose URL then answers nothing).
func (s *Store) SetAgentPhoto(ctx context.Context, p *AgentPhoto) error {
	p.Key = keyring.Token(18)
	p.UpdatedAt = s.clock()
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO agent_photos (id, tenant_id, key, content_type, body, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (id) DO UPDATE SET key = $3, content_type = $4, body = $5, updated_at = $6`,
		p.AgentID, p.TenantID, p.Key, p.ContentType, p.Body, s.ts(p.UpdatedAt))
	switch {
	case s.d.isForeignKey(err):
		return notFound("agent")
	case err != nil:
		return fmt.Errorf("store: set agent photo: %w", err)
	}
	return nil
}

// AgentPhotoByKey returns the photo its public URL names.
func (s *Store) AgentPhotoByKey(ctx context.Context, key string) (AgentPhoto, error) {
	var p AgentPhoto
	err := s.db.QueryRowContext(ctx,
		`SELECT id, tenant_id, key, content_type, body, updated_at FROM agent_photos WHERE key = $1`, key).
		Scan(&p.AgentID, &p.TenantID, &p.Key, &p.ContentType, &p.Body, timeDest{&p.UpdatedAt})
	if err != nil {
		return p, one(err, "photo")
	}
	return p, nil
}

// AgentChange is a change an agent made to their own profile, waiting for
// approval: the fields as the API's agent JSON, and a processed photo.
type AgentChange struct {
	ID        string          `json:"id"`
	TenantID  string          `json:"-"`
	AgentID   string          `json:"agent_id"`
	UserID    string          `json:"user_id"`
	Fields    json.RawMessage `json:"fields"`
	Photo     []byte          `json:"-"`
	HasPhoto  bool            `json:"photo"`
	CreatedAt time.Time       `json:"created_at"`
}

// CreateAgentChange queues a change for approval.
func (s *Store) CreateAgentChange(ctx context.Context, ch *AgentChange) error {
	ch.ID = keyring.ID("chg")
	ch.CreatedAt = s.clock()
	if len(ch.Fields) == 0 {
		ch.Fields = json.RawMessage("{}")
	}
	var photo any
	if len(ch.Photo) > 0 {
		photo = ch.Photo
	}
	ch.HasPhoto = photo != nil
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO agent_changes (id, tenant_id, agent_id, user_id, fields, photo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ch.ID, ch.TenantID, ch.AgentID, ch.UserID, string(ch.Fields), photo, s.ts(ch.CreatedAt))
	switch {
	case s.d.isForeignKey(err):
		return notFound("agent")
	case err != nil:
		return fmt.Errorf("store: create agent change: %w", err)
	}
	return nil
}

const changeCols = `id, tenant_id, agent_id, user_id, fields, photo, created_at`

func scanChange(r rowScanner) (AgentChange, error) {
	var (
		ch     AgentChange
		fields string
	)
	err := r.Scan(&ch.ID, &ch.TenantID, &ch.AgentID, &ch.UserID, &fields, &ch.Photo, timeDest{&ch.CreatedAt})
	ch.Fields, ch.HasPhoto = json.RawMessage(fields), len(ch.Photo) > 0
	return ch, err
}

// ListAgentChanges returns a tenant's waiting changes, oldest first; with
// agentIDs not nil, only those of these agents.
func (s *Store) ListAgentChanges(ctx context.Context, tenantID string, agentIDs []string) ([]AgentChange, error) {
	var w where
	w.add("tenant_id = ?", tenantID)
	w.agents(agentIDs)
	out, err := queryAll(ctx, s.db, scanChange, `SELECT `+changeCols+` FROM agent_changes WHERE `+w.sql()+` ORDER BY created_at, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list agent changes: %w", err)
	}
	return out, nil
}

// GetAgentChange returns one waiting change.
func (s *Store) GetAgentChange(ctx context.Context, tenantID, id string) (AgentChange, error) {
	ch, err := scanChange(s.db.QueryRowContext(ctx, `SELECT `+changeCols+` FROM agent_changes WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return ch, one(err, "change")
	}
	return ch, nil
}

// DeleteAgentChange removes a change once approved or rejected.
func (s *Store) DeleteAgentChange(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM agent_changes WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete agent change: %w", err)
	}
	return mustAffect(res, "change")
}
