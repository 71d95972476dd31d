package store

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const userCols = `id, tenant_id, email, name, role, team, created_at, updated_at`

func errUserEmail() error {
	return plaudit.Errorf(plaudit.EConflict, "a user with this email exists")
}

// CreateUser stores a console user. An email is unique in a tenant.
func (s *Store) CreateUser(ctx context.Context, u *plaudit.User) error {
	if u.ID == "" {
		u.ID = keyring.ID("usr")
	}
	now := s.clock()
	u.CreatedAt, u.UpdatedAt = now, now
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
		u.ID, u.TenantID, u.Email, u.Name, u.Role, u.Team, s.ts(now))
	switch {
	case s.d.isUnique(err):
		return errUserEmail()
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

func scanUser(r rowScanner) (plaudit.User, error) {
	var u plaudit.User
	err := r.Scan(&u.ID, &u.TenantID, &u.Email, &u.Name, &u.Role, &u.Team, timeDest{&u.CreatedAt}, timeDest{&u.UpdatedAt})
	return u, err
}

// GetUser returns one of a tenant's users.
func (s *Store) GetUser(ctx context.Context, tenantID, id string) (plaudit.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return plaudit.User{}, one(err, "user")
	}
	return u, nil
}

// UserByEmail returns a tenant's user with this (normalized) email.
func (s *Store) UserByEmail(ctx context.Context, tenantID, email string) (plaudit.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 AND email = $2`, tenantID, email))
	if err != nil {
		return plaudit.User{}, one(err, "user")
	}
	return u, nil
}

// UsersByEmail returns the users with this email in every tenant: the
// sign-in page asks for an address only, and a person may belong to
// several tenants.
func (s *Store) UsersByEmail(ctx context.Context, email string) ([]plaudit.User, error) {
	out, err := queryAll(ctx, s.db, scanUser, `SELECT `+userCols+` FROM users WHERE email = $1 ORDER BY created_at, id`, email)
	if err != nil {
		return nil, fmt.Errorf("store: users by email: %w", err)
	}
	return out, nil
}

// ListUsers returns a tenant's users, oldest first.
func (s *Store) ListUsers(ctx context.Context, tenantID string) ([]plaudit.User, error) {
	out, err := queryAll(ctx, s.db, scanUser, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// UpdateUser saves a user's email, name, role and team.
func (s *Store) UpdateUser(ctx context.Context, u plaudit.User) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE users SET email = $3, name = $4, role = $5, team = $6, updated_at = $7 WHERE tenant_id = $1 AND id = $2`,
		u.TenantID, u.ID, u.Email, u.Name, u.Role, u.Team, s.ts(s.clock()))
	if s.d.isUnique(err) {
		return errUserEmail()
	}
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	return mustAffect(res, "user")
}

// DeleteUser removes a user; their sessions and sign-in links go with them.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete user: %w", err)
	}
	return mustAffect(res, "user")
}
