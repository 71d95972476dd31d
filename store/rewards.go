package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const rewardCols = `id, tenant_id, response_id, agent_id, team, status, earned_at, fulfilled_at, fulfilled_by`

func scanReward(r rowScanner) (plaudit.Reward, error) {
	var w plaudit.Reward
	err := r.Scan(&w.ID, &w.TenantID, &w.ResponseID, &w.AgentID, &w.Team, &w.Status, timeDest{&w.EarnedAt},
		nullTimeDest{&w.FulfilledAt}, &w.FulfilledBy)
	return w, err
}

// EarnReward records the reward a customer offered with a response, once:
// created is false when the response has one already. The team is the
// request's.
func (s *Store) EarnReward(ctx context.Context, r plaudit.Response) (w plaudit.Reward, created bool, err error) {
	id, now := keyring.ID("rwd"), s.clock()
	res, err := s.w.ExecContext(ctx,
		`INSERT INTO rewards (`+rewardCols+`)
		 VALUES ($1, $2, $3, $4, COALESCE((SELECT team FROM feedback_requests WHERE tenant_id = $2 AND id = $5), ''), $6, $7, NULL, '')
		 ON CONFLICT (tenant_id, response_id) WHERE response_id <> '' DO NOTHING`,
		id, r.TenantID, r.ID, r.AgentID, r.RequestID, plaudit.RewardEarned, s.ts(now))
	if err != nil {
		return w, false, fmt.Errorf("store: earn reward: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return w, false, fmt.Errorf("store: earn reward: %w", err)
	}
	w, err = scanReward(s.w.QueryRowContext(ctx, `SELECT `+rewardCols+` FROM rewards WHERE tenant_id = $1 AND response_id = $2`, r.TenantID, r.ID))
	if err != nil {
		return w, false, one(err, "reward")
	}
	return w, n == 1, nil
}

// WithdrawReward removes the reward of a response while it is only
// earned: the customer took the offer back. It reports whether one went.
func (s *Store) WithdrawReward(ctx context.Context, tenantID, responseID string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM rewards WHERE tenant_id = $1 AND response_id = $2 AND status = $3`,
		tenantID, responseID, plaudit.RewardEarned)
	if err != nil {
		return false, fmt.Errorf("store: withdraw reward: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RewardFilter narrows ListRewards; zero fields do not filter.
type RewardFilter struct {
	Status, AgentID, Team string
	Limit                 int
}

// ListRewards returns a tenant's rewards, newest first.
func (s *Store) ListRewards(ctx context.Context, tenantID string, f RewardFilter) ([]plaudit.Reward, error) {
	var w where
	w.add("tenant_id = ?", tenantID)
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"agent_id", f.AgentID}, {"team", f.Team}} {
		if c.v != "" {
			w.add(c.col+" = ?", c.v)
		}
	}
	out, err := queryAll(ctx, s.db, scanReward, `SELECT `+rewardCols+` FROM rewards WHERE `+w.sql()+
		` ORDER BY earned_at DESC, id DESC LIMIT `+w.next(clampLimit(f.Limit)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list rewards: %w", err)
	}
	return out, nil
}

// GetReward returns one of a tenant's rewards.
func (s *Store) GetReward(ctx context.Context, tenantID, id string) (plaudit.Reward, error) {
	w, err := scanReward(s.db.QueryRowContext(ctx, `SELECT `+rewardCols+` FROM rewards WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return w, one(err, "reward")
	}
	return w, nil
}

// FulfilReward marks an earned reward fulfilled by by at at. A reward
// fulfilled already is a conflict.
func (s *Store) FulfilReward(ctx context.Context, tenantID, id, by string, at time.Time) (plaudit.Reward, error) {
	w, err := scanReward(s.w.QueryRowContext(ctx,
		`UPDATE rewards SET status = $3, fulfilled_at = $4, fulfilled_by = $5
		 WHERE tenant_id = $1 AND id = $2 AND status = $6 RETURNING `+rewardCols,
		tenantID, id, plaudit.RewardFulfilled, s.ts(at), by, plaudit.RewardEarned))
	if err == nil {
		return w, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("store: fulfil reward: %w", err)
	}
	if _, err := s.GetReward(ctx, tenantID, id); err != nil {
		return w, err
	}
	return w, plaudit.Errorf(plaudit.EConflict, "reward is fulfilled already")
}

// SetExclusion sets a response aside from its agent's figures, or with
// ex nil counts it again; its aggregate follows in the same transaction.
// The response's updated_at moves, so that the stream shows the change.
func (s *Store) SetExclusion(ctx context.Context, tenantID, id string, ex *plaudit.Exclusion) (plaudit.Response, error) {
	var reason, note, by string
	var at *time.Time
	if ex != nil {
		reason, note, by, at = ex.Reason, ex.Note, ex.By, &ex.At
	}
	var out plaudit.Response
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := scanResponse(tx.QueryRowContext(ctx,
			`UPDATE responses SET exclusion = $3, exclusion_note = $4, excluded_by = $5, excluded_at = $6, updated_at = $7
			 WHERE tenant_id = $1 AND id = $2 RETURNING `+responseCols,
			tenantID, id, reason, note, by, s.tsPtr(at), s.ts(s.clock())))
		if err != nil {
			return one(err, "response")
		}
		out = r
		days, err := queryIDs(ctx, tx, `UPDATE aggregates SET exclusion = $3 WHERE tenant_id = $1 AND response_id = $2 RETURNING day`,
			tenantID, id, ExclusionOf(r))
		for _, day := range days {
			if err == nil {
				err = markMonth(ctx, tx, tenantID, day)
			}
		}
		return err
	})
	if err != nil && plaudit.ErrorCode(err) == plaudit.EInternal {
		return out, fmt.Errorf("store: set exclusion: %w", err)
	}
	return out, err
}

// unlinkFacts gives the facts of requests about to be deleted a random
// key in place of the request id, which the tenant saw beside the ticket.
// ids is SQL selecting the request ids over args ($1 the tenant).
func unlinkFacts(ctx context.Context, tx *sql.Tx, ids string, args []any) error {
	linked, err := queryIDs(ctx, tx, `SELECT request_id FROM request_facts WHERE tenant_id = $1 AND request_id IN (`+ids+`)`, args...)
	if err != nil {
		return err
	}
	for _, id := range linked {
		if _, err := tx.ExecContext(ctx, `UPDATE request_facts SET request_id = $3 WHERE tenant_id = $1 AND request_id = $2`,
			args[0], id, keyring.ID("fact")); err != nil {
			return err
		}
	}
	return nil
}

// unlinkRewards cuts rewards loose from responses about to be deleted:
// the reward stays the agent's. ids selects response ids over args.
func unlinkRewards(ctx context.Context, tx *sql.Tx, ids string, args []any) error {
	_, err := tx.ExecContext(ctx, `UPDATE rewards SET response_id = '' WHERE tenant_id = $1 AND response_id IN (`+ids+`)`, args...)
	return err
}
