package server

import (
	"context"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/notify"
)

const (
	// loginLinkTTL is how long a sign-in link works.
	loginLinkTTL = 15 * time.Minute
	// loginMailsPerClient caps sign-in emails asked for from one client a
	// minute, so that the form cannot be used to flood an inbox.
	loginMailsPerClient = 10
	// loginMailsPerAddress caps the sign-in emails one address gets in
	// loginMailWindow, whatever the clients asking: a flood from many
	// addresses reaches no inbox more often.
	loginMailsPerAddress = 5
	loginMailWindow      = 15 * time.Minute
)

func (s *Server) consoleLogin(c *fiber.Ctx) error {
	return s.renderConsole(c, 0, "login", s.loginView(c, "Sign in"))
}

// consoleSendLink emails a one-time sign-in link to every user with the
// address (one per tenant they belong to). An unknown address gets the
// same answer, and the mail goes out after the answer, so that neither
// the page nor its timing tells whether the address is a user's.
func (s *Server) consoleSendLink(c *fiber.Ctx) error {
	v := s.loginView(c, "Sign in")
	keepForm(c, &v, "email")
	next := safeNext(c.FormValue("next"))
	v.Form["next"] = next
	email := plaudit.NormalizeEmail(c.FormValue("email"))
	if email == "" {
		v.Errors["email"] = consoleText(v.Lang, "login.email_invalid")
		return s.renderConsole(c, fiber.StatusBadRequest, "login", v)
	}
	users, err := s.cfg.Store.UsersByEmail(c.UserContext(), email)
	if err != nil {
		return err
	}
	// Counted for every address, user's or not, so that the time taken
	// does not tell either.
	if !s.addressMayGetMail(c, email) {
		users = nil // the same answer: the page must not tell
	}
	bg := context.WithoutCancel(c.UserContext())
	go func() {
		ctx, cancel := context.WithTimeout(bg, time.Minute)
		defer cancel()
		for _, u := range users {
			if err := s.sendLoginLink(ctx, u, next); err != nil {
				s.log.Error("sign-in link not sent", "tenant_id", u.TenantID, "user_id", u.ID, "err", err)
			}
		}
	}()
	v.Data = map[string]bool{"Sent": true}
	return s.renderConsole(c, 0, "login", v)
}

var loginMail = template.Must(template.New("").Parse(`<p>Hello{{with .Name}} {{.}}{{end}},</p>
<p><a href="{{.Link}}">Sign in to Plaudit for {{.Tenant}}</a>. The link works once, within 15 minutes.</p>
<p>If you did not ask for it, ignore this email: nobody can sign in without the link.</p>`))

// sendLoginLink makes a sign-in link for u and sends it through the
// tenant's email provider (the outbox when there is none).
func (s *Server) sendLoginLink(ctx context.Context, u plaudit.User, next string) error {
	if s.fb.Email == nil {
		return plaudit.Errorf(plaudit.EUnavailable, "no email provider: sign-in links cannot be sent")
	}
	t, err := s.cfg.Store.GetTenant(ctx, u.TenantID)
	if err != nil {
		return err
	}
	tok := keyring.Token(32)
	if err := s.cfg.Store.CreateLoginToken(ctx, keyring.SecretHash(tok), u.TenantID, u.ID, s.cfg.Now().Add(loginLinkTTL)); err != nil {
		return err
	}
	link := s.cfg.PublicURL + "/console/login/link/" + tok
	if next != "" {
		link += "?next=" + url.QueryEscape(next)
	}
	var html strings.Builder
	if err := loginMail.Execute(&html, map[string]string{"Name": u.Name, "Link": link, "Tenant": t.Name}); err != nil {
		return err
	}
	text := "Sign in to Plaudit for " + t.Name + ": " + link + "\n\nThe link works once, within 15 minutes. " +
		"If you did not ask for it, ignore this email: nobody can sign in without the link.\n"
	from := t.Settings.FromEmail
	if from == "" {
		from = s.fb.FromEmail
	}
	_, err = s.fb.Email.SendEmail(ctx, notify.Email{To: u.Email, From: from, FromName: "Plaudit",
		Subject: "Sign in to Plaudit for " + t.Name, HTML: html.String(), Text: text, TenantID: u.TenantID})
	return err
}

// consoleLinkPage shows one button: mail scanners open links, and only the
// POST that the button sends spends the link.
func (s *Server) consoleLinkPage(c *fiber.Ctx) error {
	v := s.loginView(c, "Sign in")
	v.Data = map[string]string{"Action": "/console/login/link/" + c.Params("token")}
	return s.renderConsole(c, 0, "link", v)
}

// consoleUseLink signs in with a link: once, within its 15 minutes.
func (s *Server) consoleUseLink(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tenantID, userID, err := s.cfg.Store.UseLoginToken(ctx, keyring.SecretHash(c.Params("token")), s.cfg.Now())
	if plaudit.IsNotFound(err) {
		s.log.Warn("audit: console sign-in failed", "method", "link", "reason", "unknown, used or expired link")
		return plaudit.Errorf(plaudit.EUnauthorized, "this sign-in link is unknown, used or expired: ask for a new one")
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, tenantID, userID); err != nil {
		return err
	}
	s.record(ctx, tenantID, "user:"+userID, "console.sign_in", userID, "method=link")
	return c.Redirect(afterSignIn(c.FormValue("next"), "/console/"), fiber.StatusSeeOther)
}

// consoleOperatorLogin signs the operator in with the operator token.
func (s *Server) consoleOperatorLogin(c *fiber.Ctx) error {
	if !s.isOperatorToken(strings.TrimSpace(c.FormValue("token"))) {
		s.log.Warn("audit: console sign-in failed", "method", "operator token")
		v := s.loginView(c, "Sign in")
		v.Form["next"] = safeNext(c.FormValue("next"))
		v.Errors["token"] = consoleText(v.Lang, "login.bad_token")
		return s.renderConsole(c, fiber.StatusUnauthorized, "login", v)
	}
	if err := s.startSession(c, "", ""); err != nil {
		return err
	}
	s.log.Info("audit: operator signed in to the console")
	return c.Redirect(afterSignIn(c.FormValue("next"), "/console/tenants"), fiber.StatusSeeOther)
}

// consoleLogout signs this browser out; with everywhere, every session of
// the user (or of the operator).
func (s *Server) consoleLogout(everywhere bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		w, ok, err := s.sessionCaller(c)
		if err != nil {
			return err
		}
		if ok {
			c.Locals(localCaller, w)
			if everywhere {
				if _, err := s.cfg.Store.DeleteSessionsOf(c.UserContext(), w.TenantID, w.UserID); err != nil {
					return err
				}
				if w.TenantID != "" {
					s.auditAs(c.UserContext(), w, "console.sign_out_everywhere", w.UserID, "")
				}
			}
			if err := s.endSession(c); err != nil {
				return err
			}
		}
		return c.Redirect("/console/login", fiber.StatusSeeOther)
	}
}

// addressMayGetMail counts a sign-in mail to email against the address's
// budget (in the rate limiter, which keeps keys as keyed hashes) and
// reports whether it is within it. Over it, no mail goes, and the answer
// stays the same, so that the budget tells nobody whether the address is
// a user's. When the limiter cannot be asked, the mail goes.
func (s *Server) addressMayGetMail(c *fiber.Ctx, email string) bool {
	if s.cfg.RateLimiter == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 250*time.Millisecond)
	defer cancel()
	ok, _, err := s.cfg.RateLimiter.Allow(ctx, "console-login-address", email, loginMailsPerAddress, loginMailWindow)
	if err != nil {
		s.log.Warn("rate limit not checked", "scope", "console-login-address", "err", err)
		return true
	}
	if !ok {
		s.log.Warn("audit: sign-in mail not sent: the address had its sign-in mails for now")
	}
	return ok
}
