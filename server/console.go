package server

import (
	"bytes"
	"errors"
	"html/template"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
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

// navItem is an entry of the console menu and who may follow it.
type navItem struct {
	path, label string
	need        need
}

// consoleNav is the menu, in order; each user sees the entries their role
// allows (the pages check the role themselves too).
var consoleNav = []navItem{
	{"/console/", "Overview", needAgents},
	{"/console/agents", "Agents", needApprove},
	{"/console/profile", "My profile", needProfile},
	{"/console/responses", "Responses", needRead},
	{"/console/connectors", "Connectors", needAdmin},
	{"/console/templates", "Templates", needAdmin},
	{"/console/settings", "Settings", needAdmin},
	{"/console/api-keys", "API keys", needAdmin},
	{"/console/users", "Users", needAdmin},
	{"/console/privacy", "Privacy", needAdmin},
	{"/console/queue", "Queue", needAdmin},
	{"/console/audit", "Audit log", needAdmin},
	{"/console/tenants", "Tenants", needOperatorRole},
}

// view starts a page's data: who is signed in, their menu, the CSRF token.
func (s *Server) view(c *fiber.Ctx, title string) web.View {
	w := who(c)
	v := web.View{Title: title, Signed: w.Actor != "", Role: w.Role, Form: map[string]string{}, Errors: map[string]string{}}
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
			v.Nav = append(v.Nav, web.NavItem{Path: n.path, Label: n.label, Current: c.Path() == n.path})
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
