package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const (
	// ssoCookie carries, sealed, what the callback checks: the tenant,
	// state, nonce and PKCE verifier of one sign-in at the identity
	// provider.
	ssoCookie = "plaudit_sso"
	ssoTTL    = 10 * time.Minute
	ssoPath   = "/console/sso/callback"
)

type ssoState struct {
	Tenant   string    `json:"t"`
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Expires  time.Time `json:"e"`
	// Next is the console page to return to after sign-in (safeNext).
	Next string `json:"x,omitempty"`
}

// oidcClient is the identity provider's client for a tenant, over the
// egress-checked HTTP client.
func (s *Server) oidcClient(ctx context.Context, tenantID string) (context.Context, *oidc.Provider, oauth2.Config, plaudit.OIDCConfig, error) {
	conf, err := s.cfg.Store.GetOIDC(ctx, tenantID)
	if err != nil {
		return ctx, nil, oauth2.Config{}, conf, err
	}
	if hc := s.cfg.DriverDeps.HTTP; hc != nil {
		ctx = oidc.ClientContext(ctx, hc)
	} else {
		ctx = oidc.ClientContext(ctx, &http.Client{Timeout: 10 * time.Second})
	}
	p, err := oidc.NewProvider(ctx, conf.Issuer)
	if err != nil {
		return ctx, nil, oauth2.Config{}, conf, plaudit.Errorf(plaudit.EUnavailable, "the identity provider could not be reached")
	}
	oc := oauth2.Config{ClientID: conf.ClientID, ClientSecret: conf.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.cfg.PublicURL + ssoPath, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	return ctx, p, oc, conf, nil
}

// consoleSSOStart sends the browser to the tenant's identity provider,
// with state, nonce and a PKCE challenge (S256).
func (s *Server) consoleSSOStart(c *fiber.Ctx) error {
	tenantID := c.Params("tenant")
	if s.cfg.Keyring == nil {
		return plaudit.Errorf(plaudit.EUnavailable, "single sign-on needs the secret key")
	}
	_, _, oc, _, err := s.oidcClient(c.UserContext(), tenantID)
	if plaudit.IsNotFound(err) {
		return plaudit.Errorf(plaudit.ENotFound, "single sign-on is not set up for this organisation")
	}
	if err != nil {
		return err
	}
	st := ssoState{Tenant: tenantID, State: keyring.Token(24), Nonce: keyring.Token(24),
		Verifier: oauth2.GenerateVerifier(), Expires: s.cfg.Now().Add(ssoTTL), Next: safeNext(c.Query("next"))}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	s.setSSOCookie(c, s.cfg.Keyring.Seal(raw, []byte(ssoCookie)), ssoTTL)
	return c.Redirect(oc.AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce)), fiber.StatusSeeOther)
}

func (s *Server) setSSOCookie(c *fiber.Ctx, value string, maxAge time.Duration) {
	// Lax: the identity provider's redirect back is a top-level GET.
	c.Cookie(&fiber.Cookie{Name: ssoCookie, Value: value, Path: ssoPath, MaxAge: int(maxAge.Seconds()),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://")})
}

// readSSOState opens the sign-in's cookie and checks the state the
// identity provider sent back.
func (s *Server) readSSOState(c *fiber.Ctx) (ssoState, error) {
	var st ssoState
	if s.cfg.Keyring == nil {
		return st, plaudit.Errorf(plaudit.EUnavailable, "single sign-on needs the secret key")
	}
	raw, err := s.cfg.Keyring.Open(c.Cookies(ssoCookie), []byte(ssoCookie))
	if err != nil || json.Unmarshal(raw, &st) != nil {
		return st, plaudit.Errorf(plaudit.EUnauthorized, "this sign-in was not started here, or took too long: start again")
	}
	s.setSSOCookie(c, "", -time.Second)
	if !s.cfg.Now().Before(st.Expires) || c.Query("state") != st.State || st.State == "" {
		return st, plaudit.Errorf(plaudit.EUnauthorized, "this sign-in was not started here, or took too long: start again")
	}
	return st, nil
}

// consoleSSOCallback finishes a sign-in: the code is exchanged with the
// PKCE verifier, the ID token verified (issuer, audience, expiry, nonce),
// and the verified email must be a user's of the tenant.
func (s *Server) consoleSSOCallback(c *fiber.Ctx) error {
	st, err := s.readSSOState(c)
	if err != nil {
		s.log.Warn("audit: console sign-in failed", "method", "oidc", "reason", "state")
		return err
	}
	ctx := c.UserContext()
	email, err := s.ssoEmail(c, st)
	if err != nil {
		s.record(ctx, st.Tenant, "sso", "console.sign_in_failed", "", "method=oidc reason="+plaudit.ErrorCode(err))
		return err
	}
	u, err := s.cfg.Store.UserByEmail(ctx, st.Tenant, email)
	if err != nil {
		s.record(ctx, st.Tenant, "sso", "console.sign_in_failed", "", "method=oidc reason=no_user")
		return plaudit.Errorf(plaudit.EUnauthorized, "your identity provider signed you in, but you are not a user of this organisation in Plaudit: ask its admin")
	}
	if err := s.startSession(c, u.TenantID, u.ID); err != nil {
		return err
	}
	s.record(ctx, u.TenantID, "user:"+u.ID, "console.sign_in", u.ID, "method=oidc")
	return c.Redirect(afterSignIn(st.Next, "/console/"), fiber.StatusSeeOther)
}

// ssoEmail exchanges the code and returns the ID token's verified email.
func (s *Server) ssoEmail(c *fiber.Ctx, st ssoState) (string, error) {
	if e := c.Query("error"); e != "" {
		return "", plaudit.Errorf(plaudit.EUnauthorized, "the identity provider did not sign you in")
	}
	ctx, p, oc, conf, err := s.oidcClient(c.UserContext(), st.Tenant)
	if err != nil {
		return "", err
	}
	tok, err := oc.Exchange(ctx, c.Query("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return "", plaudit.Errorf(plaudit.EUnauthorized, "the identity provider refused the sign-in code")
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: conf.ClientID, Now: s.cfg.Now}).Verify(ctx, raw)
	if err != nil || idt.Nonce != st.Nonce {
		return "", plaudit.Errorf(plaudit.EUnauthorized, "the identity provider's answer did not verify")
	}
	var claims struct {
		Email    string `json:"email"`
		Verified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil || !claims.Verified || plaudit.NormalizeEmail(claims.Email) == "" {
		return "", plaudit.Errorf(plaudit.EUnauthorized, "the identity provider gave no verified email address")
	}
	return plaudit.NormalizeEmail(claims.Email), nil
}
