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

const responseCols = `id, tenant_id, request_id, agent_id, ticket_id, score, comment, excellence, improvement, reward,
	source, automated, test, version, written_version, writeback_status, writeback_error, created_at, updated_at, writing_version,
	exclusion, exclusion_note, excluded_by, excluded_at`

// ResponseFilter narrows ListResponses. Zero fields do not filter; test
// responses are left out unless IncludeTest. Limit defaults to 100 and is
// at most 1000.
type ResponseFilter struct {
	AgentID string
	// AgentIDs, when not nil, keeps the responses of these agents only:
	// those a lead or an agent may see.
	AgentIDs []string
	TicketID string
	// Since keeps responses created at or after it.
	Since       time.Time
	Limit       int
	IncludeTest bool
	// TestOnly keeps test responses only: what a test key may see.
	TestOnly bool
	// Before, when set, keeps the responses listed after it (older, or
	// as old with a smaller id): the next page of a list.
	Before *Cursor
}

// Cursor is where a list newest first stopped: keyset pagination, which
// reads no row it skips however deep the page.
type Cursor struct {
	At time.Time
	ID string
}

// CreateResponse stores the one response a request gets, at version 1 and
// not yet written back. When the request already has one (a second click, a
// retried task), created is false and r is filled from the stored row, which
// the caller then updates with UpdateResponse.
func (s *Store) CreateResponse(ctx context.Context, r *plaudit.Response) (created bool, err error) {
	id := r.ID
	if id == "" {
		id = keyring.ID("rsp")
	}
	status := r.WritebackStatus
	if status == "" {
		status = plaudit.WritebackPending
	}
	now := s.clock()
	res, err := s.w.ExecContext(ctx,
		`INSERT INTO responses (`+responseCols+`)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, 0, $14, $15, $16, $16, 0, '', '', '', NULL)
		 ON CONFLICT (request_id) DO NOTHING`,
		id, r.TenantID, r.RequestID, r.AgentID, r.TicketID, r.Score, r.Comment, listJSON(r.Excellence), listJSON(r.Improvement),
		r.Reward, r.Source, r.Automated, r.Test, status, r.WritebackError, s.ts(now))
	switch {
	case s.d.isUnique(err):
		return false, plaudit.Errorf(plaudit.EConflict, "response with this id exists")
	case s.d.isForeignKey(err):
		return false, notFound("feedback request")
	case err != nil:
		return false, fmt.Errorf("store: create response: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("store: create response: %w", err)
	} else if n == 1 {
		r.ID, r.Version, r.WrittenVersion, r.WritebackStatus = id, 1, 0, status
		r.CreatedAt, r.UpdatedAt = now, now
		r.Excellence, r.Improvement = normList(r.Excellence), normList(r.Improvement)
		return true, nil
	}
	existing, err := s.ResponseByRequest(ctx, r.TenantID, r.RequestID)
	if err != nil {
		if plaudit.IsNotFound(err) {
			// The request belongs to another tenant.
			return false, notFound("feedback request")
		}
		return false, err
	}
	*r = existing
	return false, nil
}

func scanResponse(r rowScanner) (plaudit.Response, error) {
	var (
		p  plaudit.Response
		ex plaudit.Exclusion
		at *time.Time
	)
	err := r.Scan(&p.ID, &p.TenantID, &p.RequestID, &p.AgentID, &p.TicketID, &p.Score, &p.Comment,
		jsonDest{&p.Excellence}, jsonDest{&p.Improvement}, &p.Reward, &p.Source, &p.Automated, &p.Test,
		&p.Version, &p.WrittenVersion, &p.WritebackStatus, &p.WritebackError,
		timeDest{&p.CreatedAt}, timeDest{&p.UpdatedAt}, &p.WritingVersion,
		&ex.Reason, &ex.Note, &ex.By, nullTimeDest{&at})
	if ex.Reason != "" {
		if at != nil {
			ex.At = *at
		}
		p.Exclusion = &ex
	}
	return p, err
}

func queryResponses(ctx context.Context, q queryer, query string, args ...any) ([]plaudit.Response, error) {
	return queryAll(ctx, q, scanResponse, query, args...)
}

func (s *Store) firstResponse(ctx context.Context, query string, args ...any) (plaudit.Response, error) {
	r, err := scanResponse(s.db.QueryRowContext(ctx, query, args...))
	if err != nil {
		return plaudit.Response{}, one(err, "response")
	}
	return r, nil
}

// GetResponse returns one of a tenant's responses.
func (s *Store) GetResponse(ctx context.Context, tenantID, id string) (plaudit.Response, error) {
	return s.firstResponse(ctx, `SELECT `+responseCols+` FROM responses WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// ResponseByRequest returns the response to one of a tenant's requests.
func (s *Store) ResponseByRequest(ctx context.Context, tenantID, requestID string) (plaudit.Response, error) {
	return s.firstResponse(ctx, `SELECT `+responseCols+` FROM responses WHERE tenant_id = $1 AND request_id = $2`, tenantID, requestID)
}

// UpdateResponse saves what the customer added or changed (score, comment,
// areas, reward) as a new version, and marks it for writeback unless the
// response has nowhere to be written. r.Version, r.WritebackStatus and
// r.UpdatedAt are set from the stored row.
//
// A save that changes nothing makes no version, and r is filled from the
// stored row: the same answer posted several times at once (a double click,
// a provider's redelivery) reads the same old row in each request, and
// would otherwise make a version, and so a writeback, per copy. The
// comparison is in the UPDATE, so concurrent saves are decided row-locked.
func (s *Store) UpdateResponse(ctx context.Context, r *plaudit.Response) error {
	now := s.clock()
	err := s.w.QueryRowContext(ctx,
		`UPDATE responses SET score = $3, comment = $4, excellence = $5, improvement = $6, reward = $7,
		        version = version + 1,
		        writeback_status = CASE WHEN writeback_status = $8 THEN writeback_status ELSE $9 END,
		        writeback_error = '', updated_at = $10
		 WHERE tenant_id = $1 AND id = $2
		   AND (score <> $3 OR comment <> $4 OR excellence <> $5 OR improvement <> $6 OR reward <> $7)
		 RETURNING version, writeback_status, updated_at`,
		r.TenantID, r.ID, r.Score, r.Comment, listJSON(r.Excellence), listJSON(r.Improvement), r.Reward,
		plaudit.WritebackNone, plaudit.WritebackPending, s.ts(now)).
		Scan(&r.Version, &r.WritebackStatus, timeDest{&r.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		// Unchanged, or not there (not found).
		stored, err := s.GetResponse(ctx, r.TenantID, r.ID)
		if err != nil {
			return err
		}
		*r = stored
		return nil
	}
	if err != nil {
		return one(err, "response")
	}
	r.WritebackError = ""
	r.Excellence, r.Improvement = normList(r.Excellence), normList(r.Improvement)
	return nil
}

// ListResponses returns a tenant's responses, newest first.
func (s *Store) ListResponses(ctx context.Context, tenantID string, f ResponseFilter) ([]plaudit.Response, error) {
	var w where
	w.add("tenant_id = ?", tenantID)
	if f.AgentID != "" {
		w.add("agent_id = ?", f.AgentID)
	}
	w.agents(f.AgentIDs)
	if f.Before != nil {
		w.before(s.ts(f.Before.At), f.Before.ID)
	}
	if f.TicketID != "" {
		w.add("ticket_id = ?", f.TicketID)
	}
	if !f.Since.IsZero() {
		w.add("created_at >= ?", s.ts(f.Since))
	}
	switch {
	case f.TestOnly:
		w.add("test = ?", true)
	case !f.IncludeTest:
		w.add("test = ?", false)
	}
	q := `SELECT ` + responseCols + ` FROM responses WHERE ` + w.sql() +
		` ORDER BY created_at DESC, id DESC LIMIT ` + w.next(clampLimit(f.Limit))
	out, err := queryResponses(ctx, s.db, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list responses: %w", err)
	}
	return out, nil
}

// MarkWriteback records the outcome of writing version back, and ends the
// claim (ClaimWriteback) on it. On "done"
// written_version only ever grows (a late success for an old version does
// not undo a newer one), and the status stays pending while a newer
// version still waits. Other statuses (failed, pending for a retry) are
// stored with errText.
func (s *Store) MarkWriteback(ctx context.Context, tenantID, id string, version int, status, errText string) error {
	var (
		res sql.Result
		err error
	)
	now := s.ts(s.clock())
	switch status {
	case plaudit.WritebackDone:
		res, err = s.w.ExecContext(ctx,
			`UPDATE responses SET
			   written_version = CASE WHEN written_version < $3 THEN $3 ELSE written_version END,
			   writeback_status = CASE WHEN version > (CASE WHEN written_version < $3 THEN $3 ELSE written_version END)
			                           THEN $4 ELSE $5 END,
			   writeback_error = '', updated_at = $6
			 WHERE tenant_id = $1 AND id = $2`,
			tenantID, id, version, plaudit.WritebackPending, plaudit.WritebackDone, now)
	case plaudit.WritebackPending, plaudit.WritebackFailed, plaudit.WritebackNone:
		res, err = s.w.ExecContext(ctx,
			`UPDATE responses SET writeback_status = $3, writeback_error = $4, updated_at = $5,
			   writing_version = written_version WHERE tenant_id = $1 AND id = $2`,
			tenantID, id, status, errText, now)
	default:
		return plaudit.Errorf(plaudit.EInvalid, "unknown writeback status %q", status)
	}
	if err != nil {
		return fmt.Errorf("store: mark writeback: %w", err)
	}
	return mustAffect(res, "response")
}

// PendingWritebacks returns, across tenants, responses with a version not
// yet written back that were last touched before before: the reconciler
// re-enqueues their writeback when the queue lost it. Oldest first.
func (s *Store) PendingWritebacks(ctx context.Context, before time.Time, limit int) ([]plaudit.Response, error) {
	out, err := queryResponses(ctx, s.db,
		`SELECT `+responseCols+` FROM responses
		 WHERE writeback_status = $1 AND version > written_version AND updated_at < $2
		 ORDER BY updated_at, id LIMIT $3`,
		plaudit.WritebackPending, s.ts(before), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: pending writebacks: %w", err)
	}
	return out, nil
}

// WritebackClaimTimeout is the longest a writeback claim lasts before it
// counts as abandoned by a worker that died (a writeback task is cut off
// after a minute), unless the claim timeout (PLAUDIT_CLAIM_TIMEOUT) is
// shorter.
const WritebackClaimTimeout = 2 * time.Minute

// ClaimWriteback hands the writeback of a response's newest version to
// exactly one worker: in one statement it claims the version when one is
// pending and no live claim is held (none, or one older than the claim
// timeout, whose worker died). claimed is false for everyone else, with
// the row as it is: WritingVersion then says which version the holder
// writes. So each version is written back, and called back, once however
// close together the updates come; a version that comes while an older
// one is being written waits for that claim to end. takeOver breaks a
// claim however young: the caller knows its holder is dead (the queue's
// lease on the holder's task ran out).
func (s *Store) ClaimWriteback(ctx context.Context, tenantID, id string, now time.Time, takeOver bool) (plaudit.Response, bool, error) {
	timeout := min(s.claimTimeoutOr(DefaultClaimTimeout), WritebackClaimTimeout)
	if takeOver {
		timeout = -time.Nanosecond
	}
	r, err := scanResponse(s.w.QueryRowContext(ctx,
		`UPDATE responses SET writing_version = version, writing_at = $3
		 WHERE tenant_id = $1 AND id = $2 AND writeback_status = $4 AND version > written_version
		   AND (writing_version <= written_version OR writing_at < $5)
		 RETURNING `+responseCols,
		tenantID, id, s.ts(now), plaudit.WritebackPending, s.ts(now.Add(-timeout))))
	if err == nil {
		return r, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return plaudit.Response{}, false, fmt.Errorf("store: claim writeback: %w", err)
	}
	r, err = s.GetResponse(ctx, tenantID, id)
	return r, false, err
}
