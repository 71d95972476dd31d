package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const teamCols = `id, tenant_id, name, webhooks, lead_emails, praise_min_score, alert_max_score, created_at, updated_at`

// teamTables are the tables that name a team (by name): a renamed team is
// renamed in each, so that its history stays its own.
var teamTables = []string{"agents", "feedback_requests", "aggregates", "request_facts", "rewards"}

// teamHooks is the sealed part of a team: its webhook URLs, which are
// credentials.
type teamHooks struct {
	Slack string `json:"slack,omitempty"`
	Teams string `json:"teams,omitempty"`
}

func (s *Store) sealHooks(t plaudit.Team) string {
	b, _ := json.Marshal(teamHooks{Slack: t.SlackWebhookURL, Teams: t.TeamsWebhookURL})
	return s.kr.Seal(b, []byte(t.ID))
}

func errTeamName() error { return plaudit.Errorf(plaudit.EConflict, "a team with this name exists") }

// CreateTeam stores a team; its name is unique in the tenant.
func (s *Store) CreateTeam(ctx context.Context, t *plaudit.Team) error {
	if t.ID == "" {
		t.ID = keyring.ID("team")
	}
	now := s.clock()
	t.CreatedAt, t.UpdatedAt = now, now
	t.LeadEmails = normList(t.LeadEmails)
	_, err := s.w.ExecContext(ctx, `INSERT INTO teams (`+teamCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		t.ID, t.TenantID, t.Name, s.sealHooks(*t), listJSON(t.LeadEmails), t.PraiseMinScore, t.AlertMaxScore, s.ts(now))
	switch {
	case s.d.isUnique(err):
		return errTeamName()
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: create team: %w", err)
	}
	return nil
}

func (s *Store) scanTeam(r rowScanner) (plaudit.Team, error) {
	var (
		t      plaudit.Team
		sealed string
	)
	if err := r.Scan(&t.ID, &t.TenantID, &t.Name, &sealed, jsonDest{&t.LeadEmails}, &t.PraiseMinScore, &t.AlertMaxScore,
		timeDest{&t.CreatedAt}, timeDest{&t.UpdatedAt}); err != nil {
		return t, err
	}
	pt, err := s.kr.Open(sealed, []byte(t.ID))
	if err != nil {
		return t, fmt.Errorf("open webhooks of team %s: %w", t.ID, err)
	}
	var h teamHooks
	if err := json.Unmarshal(pt, &h); err != nil {
		return t, fmt.Errorf("decode webhooks of team %s: %w", t.ID, err)
	}
	t.SlackWebhookURL, t.TeamsWebhookURL = h.Slack, h.Teams
	t.LeadEmails = normList(t.LeadEmails)
	return t, nil
}

// GetTeam returns one of a tenant's teams.
func (s *Store) GetTeam(ctx context.Context, tenantID, id string) (plaudit.Team, error) {
	t, err := s.scanTeam(s.db.QueryRowContext(ctx, `SELECT `+teamCols+` FROM teams WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return t, one(err, "team")
	}
	return t, nil
}

// TeamByName returns the tenant's team of that name.
func (s *Store) TeamByName(ctx context.Context, tenantID, name string) (plaudit.Team, error) {
	t, err := s.scanTeam(s.db.QueryRowContext(ctx, `SELECT `+teamCols+` FROM teams WHERE tenant_id = $1 AND name = $2`, tenantID, name))
	if err != nil {
		return t, one(err, "team")
	}
	return t, nil
}

// ListTeams returns a tenant's teams by name.
func (s *Store) ListTeams(ctx context.Context, tenantID string) ([]plaudit.Team, error) {
	out, err := queryAll(ctx, s.db, s.scanTeam, `SELECT `+teamCols+` FROM teams WHERE tenant_id = $1 ORDER BY name, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	return out, nil
}

// UpdateTeam saves a team. A new name is carried to every row that names
// the team (teamTables), in the same transaction.
func (s *Store) UpdateTeam(ctx context.Context, t plaudit.Team) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM teams WHERE tenant_id = $1 AND id = $2`, t.TenantID, t.ID).Scan(&old); err != nil {
			return one(err, "team")
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE teams SET name = $3, webhooks = $4, lead_emails = $5, praise_min_score = $6, alert_max_score = $7, updated_at = $8
			 WHERE tenant_id = $1 AND id = $2`,
			t.TenantID, t.ID, t.Name, s.sealHooks(t), listJSON(t.LeadEmails), t.PraiseMinScore, t.AlertMaxScore, s.ts(s.clock())); err != nil {
			return err
		}
		if old == t.Name {
			return nil
		}
		return renameTeam(ctx, tx, t.TenantID, old, t.Name)
	})
	switch {
	case s.d.isUnique(err):
		return errTeamName()
	case err != nil && plaudit.ErrorCode(err) != plaudit.EInternal:
		return err
	case err != nil:
		return fmt.Errorf("store: update team: %w", err)
	}
	return nil
}

func renameTeam(ctx context.Context, tx *sql.Tx, tenantID, from, to string) error {
	for _, table := range teamTables {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET team = $3 WHERE tenant_id = $1 AND team = $2`, tenantID, from, to); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return forgetMonths(ctx, tx, tenantID) // their sums are keyed by team
}

// DeleteTeam deletes a team and its delivery log. Its agents are left
// without a team; the history (requests, figures, rewards) keeps the name.
func (s *Store) DeleteTeam(ctx context.Context, tenantID, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM teams WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&name); err != nil {
			return one(err, "team")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agents SET team = '' WHERE tenant_id = $1 AND team = $2`, tenantID, name); err != nil {
			return fmt.Errorf("store: delete team: agents: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
			return fmt.Errorf("store: delete team: %w", err)
		}
		return nil
	})
}
