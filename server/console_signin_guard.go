package server

import (
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/web"
)

// Sign-in forms are posted before there is a session, so the session's
// CSRF token cannot guard them. Without a guard a page elsewhere could
// post a sign-in link of the attacker's own account (or the operator
// form) from a victim's browser, signing the victim in as the attacker,
// whose console then receives what the victim types. The guard is a
// double-submit token: the GET of a sign-in page sets a random cookie
// (HttpOnly, SameSite=Lax) and puts a token derived from it in the form;
// the POST must carry both, and another site can read neither.

const (
	// loginCookie carries the pre-session token of the sign-in forms.
	loginCookie = "plaudit_login"
	loginTTL    = time.Hour
)

// loginCSRF is the form token of a pre-session cookie's value.
func loginCSRF(cookie string) string {
	return base64.RawURLEncoding.EncodeToString(keyring.KeyedHash([]byte("plaudit console sign-in csrf"), cookie))
}

// loginView is the view of a sign-in page: it keeps the browser's
// pre-session cookie (or sets a new one) and puts its token in the forms.
func (s *Server) loginView(c *fiber.Ctx, title string) web.View {
	v := s.view(c, title)
	tok := c.Cookies(loginCookie)
	if len(tok) < 32 {
		tok = keyring.Token(32)
		c.Cookie(&fiber.Cookie{Name: loginCookie, Value: tok, Path: "/console", MaxAge: int(loginTTL.Seconds()),
			HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://")})
	}
	v.CSRF = loginCSRF(tok)
	v.Form["next"] = safeNext(c.Query("next"))
	v.Translated = true // the sign-in pages are in the catalog
	return v
}

// validLoginForm reports whether a sign-in form came with the token of
// the browser's pre-session cookie.
func validLoginForm(c *fiber.Ctx) bool {
	tok, got := c.Cookies(loginCookie), c.FormValue(csrfField)
	return len(tok) >= 32 && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(loginCSRF(tok))) == 1
}

// loginGuard refuses a sign-in form without its pre-session token: the
// page is shown again with a fresh token (nothing is sent or spent), so
// that a person whose form had expired just submits it again.
func (s *Server) loginGuard(page string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if validLoginForm(c) {
			return c.Next()
		}
		s.log.Warn("audit: console sign-in form refused", "reason", "no pre-session token")
		v := s.loginView(c, "Sign in")
		v.Form["next"] = safeNext(c.FormValue("next"))
		v.Error = consoleText(v.Lang, "login.form_expired")
		if page == "link" {
			v.Data = map[string]string{"Action": "/console/login/link/" + c.Params("token")}
		}
		return s.renderConsole(c, fiber.StatusForbidden, page, v)
	}
}

// safeNext is where to go after sign-in: a console path of this site,
// as the page that asked for sign-in sent it; anything else (another
// site, a scheme, "//host", a backslash, dot segments, the sign-in pages
// themselves) is "", the overview.
func safeNext(raw string) string {
	if raw == "" || len(raw) > 2000 || !strings.HasPrefix(raw, "/console/") ||
		strings.Contains(raw, "//") || strings.ContainsAny(raw, "\\ ") {
		return ""
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	p := u.Path
	if clean := path.Clean(p); clean != p && clean+"/" != p {
		return ""
	}
	for _, no := range []string{"/console/login", "/console/logout", "/console/sso"} {
		if p == no || strings.HasPrefix(p, no+"/") {
			return ""
		}
	}
	return raw
}

// afterSignIn is where a signed-in browser goes: next when it is safe,
// else def.
func afterSignIn(next, def string) string {
	if n := safeNext(next); n != "" {
		return n
	}
	return def
}

// signInPath is the sign-in page that returns to the request's page.
func signInPath(c *fiber.Ctx) string {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return "/console/login"
	}
	if next := safeNext(string(c.Request().URI().RequestURI())); next != "" && next != "/console/" {
		return "/console/login?next=" + url.QueryEscape(next)
	}
	return "/console/login"
}
