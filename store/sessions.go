package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// Session is a console sign-in. The store keeps a hash of the cookie's
// token, never the token. An operator's session has no tenant and no user.
type Session struct {
	ID         string
	TenantID   string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// nullable binds "" as NULL, for the optional references of a session.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateSession stores a new session under the hash of its token, and
// drops sessions last seen before staleBefore, which can no longer be
// used.
func (s *Store) CreateSession(ctx context.Context, hash []byte, sess *Session, staleBefore time.Time) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM console_sessions WHERE last_seen_at < $1`, s.ts(staleBefore)); err != nil {
		return fmt.Errorf("store: create session: prune: %w", err)
	}
	sess.ID = keyring.ID("ses")
	now := s.clock()
	sess.CreatedAt, sess.LastSeenAt = now, now
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO console_sessions (id, hash, tenant_id, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		sess.ID, hash, nullable(sess.TenantID), nullable(sess.UserID), s.ts(now))
	switch {
	case s.d.isForeignKey(err):
		return notFound("user")
	case err != nil:
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByHash finds the session a cookie names.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (Session, error) {
	var (
		sess           Session
		tenant, userID sql.NullString
	)
	err := s.db.QueryRowContext(ctx,
		`SELECT id, tenant_id, user_id, created_at, last_seen_at FROM console_sessions WHERE hash = $1`, hash).
		Scan(&sess.ID, &tenant, &userID, timeDest{&sess.CreatedAt}, timeDest{&sess.LastSeenAt})
	if err != nil {
		return Session{}, one(err, "session")
	}
	sess.TenantID, sess.UserID = tenant.String, userID.String
	return sess, nil
}

// TouchSession records that a session was used at.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1`, id, s.ts(at)); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession signs one session out.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM console_sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf signs a user out everywhere; with tenantID and userID
// both "", every operator session. It returns how many ended.
func (s *Store) DeleteSessionsOf(ctx context.Context, tenantID, userID string) (int, error) {
	q, args := `DELETE FROM console_sessions WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}
	if tenantID == "" && userID == "" {
		q, args = `DELETE FROM console_sessions WHERE tenant_id IS NULL AND user_id IS NULL`, nil
	}
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CreateLoginToken stores a one-time sign-in link's token hash for a
// user until expires, and drops the links that have expired.
func (s *Store) CreateLoginToken(ctx context.Context, hash []byte, tenantID, userID string, expires time.Time) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM login_tokens WHERE expires_at < $1`, s.ts(s.clock())); err != nil {
		return fmt.Errorf("store: create login token: prune: %w", err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO login_tokens (hash, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, tenantID, userID, s.ts(expires))
	switch {
	case s.d.isForeignKey(err):
		return notFound("user")
	case err != nil:
		return fmt.Errorf("store: create login token: %w", err)
	}
	return nil
}

// UseLoginToken spends a sign-in link: the link is deleted in the same
// statement that reads it, so two uses never both succeed. An unknown,
// used or expired link is not found.
func (s *Store) UseLoginToken(ctx context.Context, hash []byte, now time.Time) (tenantID, userID string, err error) {
	var expires time.Time
	err = s.w.QueryRowContext(ctx, `DELETE FROM login_tokens WHERE hash = $1 RETURNING tenant_id, user_id, expires_at`, hash).
		Scan(&tenantID, &userID, timeDest{&expires})
	if err != nil {
		return "", "", one(err, "sign-in link")
	}
	if !now.Before(expires) {
		return "", "", plaudit.Errorf(plaudit.ENotFound, "sign-in link not found")
	}
	return tenantID, userID, nil
}
