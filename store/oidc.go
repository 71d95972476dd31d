package store

import (
	"context"
	"fmt"

	"github.com/plaudit/plaudit"
)

// SetOIDC saves a tenant's single sign-on; the client secret is sealed
// (aad = the tenant's id).
func (s *Store) SetOIDC(ctx context.Context, tenantID string, o plaudit.OIDCConfig) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO tenant_oidc (id, issuer, client_id, client_secret) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (id) DO UPDATE SET issuer = $2, client_id = $3, client_secret = $4`,
		tenantID, o.Issuer, o.ClientID, s.kr.Seal([]byte(o.ClientSecret), []byte(tenantID)))
	switch {
	case s.d.isForeignKey(err):
		return notFound("tenant")
	case err != nil:
		return fmt.Errorf("store: set oidc: %w", err)
	}
	return nil
}

// GetOIDC returns a tenant's single sign-on, not found when it has none.
func (s *Store) GetOIDC(ctx context.Context, tenantID string) (plaudit.OIDCConfig, error) {
	var (
		o      plaudit.OIDCConfig
		sealed string
	)
	err := s.db.QueryRowContext(ctx, `SELECT issuer, client_id, client_secret FROM tenant_oidc WHERE id = $1`, tenantID).
		Scan(&o.Issuer, &o.ClientID, &sealed)
	if err != nil {
		return o, one(err, "single sign-on")
	}
	secret, err := s.kr.Open(sealed, []byte(tenantID))
	if err != nil {
		return o, fmt.Errorf("store: get oidc: %w", err)
	}
	o.ClientSecret = string(secret)
	return o, nil
}

// DeleteOIDC turns a tenant's single sign-on off.
func (s *Store) DeleteOIDC(ctx context.Context, tenantID string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM tenant_oidc WHERE id = $1`, tenantID); err != nil {
		return fmt.Errorf("store: delete oidc: %w", err)
	}
	return nil
}
