package server

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

const (
	// sessionCookie carries the console session's token.
	sessionCookie = "plaudit_session"
	// sessionIdle ends a session not used for this long.
	sessionIdle = 30 * time.Minute
	// sessionMax ends a session this long after sign-in, used or not.
	sessionMax = 12 * time.Hour
	// touchEvery spares a write per request: a session's last use is
	// recorded at most once a minute.
	touchEvery = time.Minute
	// csrfField is the form field, csrfHeader the header, that carry the
	// CSRF token of a state-changing request made with a session.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// csrfToken is the session's CSRF token: derived from the cookie's token,
// which only the browser holds, so a page on another site cannot know it
// and nothing more needs storing.
func csrfToken(sessionToken string) string {
	return base64.RawURLEncoding.EncodeToString(keyring.KeyedHash([]byte("plaudit console csrf"), sessionToken))
}

// sessionCaller reads the console session the request's cookie names. ok
// is false when there is none (no cookie, unknown, expired); a
// state-changing request without the session's CSRF token is refused.
func (s *Server) sessionCaller(c *fiber.Ctx) (w caller, ok bool, err error) {
	tok := c.Cookies(sessionCookie)
	if tok == "" {
		return caller{}, false, nil
	}
	ctx := c.UserContext()
	sess, err := s.cfg.Store.SessionByHash(ctx, keyring.SecretHash(tok))
	if plaudit.IsNotFound(err) {
		return caller{}, false, nil
	}
	if err != nil {
		return caller{}, false, err
	}
	now := s.cfg.Now()
	if now.Sub(sess.LastSeenAt) > sessionIdle || now.Sub(sess.CreatedAt) > sessionMax {
		if err := s.cfg.Store.DeleteSession(ctx, sess.ID); err != nil {
			return caller{}, false, err
		}
		return caller{}, false, nil
	}
	if !safeMethod(c.Method()) && !validCSRF(c, tok) {
		return caller{}, false, plaudit.Errorf(plaudit.EForbidden, "the form's CSRF token is missing or wrong: reload the page and try again")
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := s.cfg.Store.TouchSession(ctx, sess.ID, now); err != nil {
			return caller{}, false, err
		}
	}
	w, err = s.sessionUser(ctx, sess)
	if plaudit.IsNotFound(err) {
		return caller{}, false, nil
	}
	return w, err == nil, err
}

// sessionUser is the caller a session stands for: the operator, or the
// user as stored now (a changed role applies at once).
func (s *Server) sessionUser(ctx context.Context, sess store.Session) (caller, error) {
	if sess.TenantID == "" {
		return caller{Actor: "operator", Role: "operator", Session: sess.ID}, nil
	}
	u, err := s.cfg.Store.GetUser(ctx, sess.TenantID, sess.UserID)
	if err != nil {
		return caller{}, err
	}
	return userCaller(u, sess.ID), nil
}

func userCaller(u plaudit.User, session string) caller {
	return caller{TenantID: u.TenantID, Actor: "user:" + u.ID, Role: u.Role, User: true, UserID: u.ID,
		Team: u.Team, Email: u.Email, Session: session}
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// validCSRF checks the token in the X-CSRF-Token header or, for a form,
// its csrf field.
func validCSRF(c *fiber.Ctx, sessionToken string) bool {
	got := c.Get(csrfHeader)
	if got == "" && !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		got = c.FormValue(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(sessionToken))) == 1
}

// startSession signs the caller in: a new session with a new token (any
// session the browser had before is ended, so a token planted before
// sign-in is worth nothing after), set as an HttpOnly, SameSite=Lax
// cookie, Secure when the public URL is https.
func (s *Server) startSession(c *fiber.Ctx, tenantID, userID string) error {
	ctx := c.UserContext()
	if old := c.Cookies(sessionCookie); old != "" {
		if sess, err := s.cfg.Store.SessionByHash(ctx, keyring.SecretHash(old)); err == nil {
			if err := s.cfg.Store.DeleteSession(ctx, sess.ID); err != nil {
				return err
			}
		}
	}
	tok := keyring.Token(32)
	sess := store.Session{TenantID: tenantID, UserID: userID}
	if err := s.cfg.Store.CreateSession(ctx, keyring.SecretHash(tok), &sess, s.cfg.Now().Add(-sessionIdle)); err != nil {
		return err
	}
	s.setSessionCookie(c, tok, sessionMax)
	return nil
}

func (s *Server) setSessionCookie(c *fiber.Ctx, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"),
	})
}

// endSession signs this browser out.
func (s *Server) endSession(c *fiber.Ctx) error {
	if sess := who(c).Session; sess != "" {
		if err := s.cfg.Store.DeleteSession(c.UserContext(), sess); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, "", -time.Second)
	return nil
}
