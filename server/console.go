package server

import (
	"bytes"
	"errors"
	"html/template"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/i18n"
	"github.com/plaudit/plaudit/web"
)

// consolePages are the console's templates, parsed once.
type consolePages struct {
	once  sync.Once
	pages map[string]*template.Template
	err   error
}

func (p *consolePages) get() (map[string]*template.Template, error) {
	p.once.Do(func() { p.pages, p.err = web.ConsolePages() })
	return p.pages, p.err
}

// navItem is an entry of the console menu and who may follow it; text is
// its id in the catalog (i18n, "console." before it).
type navItem struct {
	path, text string
	need       need
}

// consoleNav is the menu, in order; each user sees the entries their role
// allows (the pages check the role themselves too).
var consoleNav = []navItem{
	{"/console/", "nav.overview", needAgents},
	{"/console/agents", "nav.agents", needApprove},
	{"/console/profile", "nav.profile", needProfile},
	{"/console/responses", "nav.responses", needRead},
	{"/console/reports", "nav.reports", needRead},
	{"/console/leaderboard", "nav.leaderboard", needRead},
	{"/console/stream", "nav.stream", needRead},
	{"/console/rewards", "nav.rewards", needApprove},
	{"/console/teams", "nav.teams", needAdmin},
	{"/console/connectors", "nav.connectors", needAdmin},
	{"/console/templates", "nav.templates", needAdmin},
	{"/console/settings", "nav.settings", needAdmin},
	{"/console/api-keys", "nav.api_keys", needAdmin},
	{"/console/users", "nav.users", needAdmin},
	{"/console/privacy", "nav.privacy", needAdmin},
	{"/console/queue", "nav.queue", needAdmin},
	{"/console/audit", "nav.audit", needAdmin},
	{"/console/tenants", "nav.tenants", needOperatorRole},
}

// consoleTitles are the pages whose title is their menu entry's, in the
// reader's language; other titles (a connector's name) stay as given.
var consoleTitles = func() map[string]string {
	m := map[string]string{"Sign in": "sign_in"}
	for _, n := range consoleNav {
		m[i18n.T(i18n.Default, "console."+n.text, nil)] = n.text
	}
	return m
}()

// consoleText is a console text of the catalog in lang.
func consoleText(lang, id string) string { return i18n.T(lang, "console."+id, nil) }

// view starts a page's data: who is signed in, their menu, the CSRF token,
// the language of the reader's browser (Accept-Language).
func (s *Server) view(c *fiber.Ctx, title string) web.View {
	w := who(c)
	lang := plaudit.AcceptLanguage(c.Get(fiber.HeaderAcceptLanguage), i18n.Default)
	if id, ok := consoleTitles[title]; ok {
		title = consoleText(lang, id)
	}
	v := web.View{Lang: lang, Title: title, Signed: w.Actor != "", Role: w.Role, Form: map[string]string{}, Errors: map[string]string{}}
	if tok := c.Cookies(sessionCookie); tok != "" {
		v.CSRF = csrfToken(tok)
	}
	v.Name = w.Email
	if w.Role == "operator" {
		v.Name = "Operator"
	}
	if w.TenantID != "" {
		if t, err := s.cfg.Store.GetTenant(c.UserContext(), w.TenantID); err == nil {
			v.Tenant = t.Name
		}
	}
	for _, n := range consoleNav {
		if w.can(n.need) {
			v.Nav = append(v.Nav, web.NavItem{Path: n.path, Label: consoleText(lang, n.text), Current: c.Path() == n.path})
		}
	}
	return v
}

// render writes a console page with status (200 when 0).
func (s *Server) renderConsole(c *fiber.Ctx, status int, page string, v web.View) error {
	pages, err := s.consolePages.get()
	if err != nil {
		return err
	}
	t, ok := pages[page]
	if !ok {
		return plaudit.Errorf(plaudit.EInternal, "console page %s is missing", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	if status == 0 {
		status = fiber.StatusOK
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptLanguage)
	c.Set("X-Frame-Options", "DENY")
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; form-action 'self'")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// consoleFailure is the console's error page, in place of the API's JSON.
func (s *Server) consoleFailure(c *fiber.Ctx, status int, msg string) error {
	titles := map[int]string{401: "Please sign in", 403: "Not allowed", 404: "Not found", 429: "Too many attempts"}
	title := titles[status]
	if title == "" {
		title = "Something went wrong"
	}
	v := s.view(c, title)
	v.Data = map[string]string{"Message": msg}
	if err := s.renderConsole(c, status, "error", v); err != nil {
		return c.Status(status).SendString(msg)
	}
	return nil
}

// console admits a signed-in caller whose role allows n to a console
// page; anyone else is sent to sign in, or refused with 403.
func (s *Server) console(n need) fiber.Handler {
	return func(c *fiber.Ctx) error {
		w, ok, err := s.sessionCaller(c)
		if err != nil {
			return err
		}
		if !ok {
			return c.Redirect(signInPath(c), fiber.StatusSeeOther)
		}
		c.Locals(localCaller, w)
		if !w.can(n) {
			if w.Role == "operator" && n != needOperatorRole {
				return c.Redirect("/console/tenants", fiber.StatusSeeOther)
			}
			return plaudit.Errorf(plaudit.EForbidden, "your role (%s) does not allow this page", w.Role)
		}
		return c.Next()
	}
}

// formErrors places err next to the form field it names: the API's
// messages start with the field's name ("email is required…"). An error
// that names none of fields is the page's.
func formErrors(v *web.View, err error, fields ...string) {
	msg := plaudit.ErrorMessage(err)
	var pe *plaudit.Error
	if !errors.As(err, &pe) || pe.Code == plaudit.EInternal {
		v.Error = "the change could not be saved: please try again"
		return
	}
	for _, f := range fields {
		if rest, ok := strings.CutPrefix(msg, f); ok && (rest == "" || strings.ContainsAny(rest[:1], " :.[")) {
			v.Errors[f] = msg
			return
		}
	}
	v.Error = msg
}

// keepForm copies the named fields of the posted form into the view.
func keepForm(c *fiber.Ctx, v *web.View, fields ...string) {
	for _, f := range fields {
		v.Form[f] = c.FormValue(f)
	}
}

// optional is a form field as a PATCH pointer: set when the form has it.
func optional(c *fiber.Ctx, name string) *string {
	if formHas(c, name) {
		v := c.FormValue(name)
		return &v
	}
	return nil
}
