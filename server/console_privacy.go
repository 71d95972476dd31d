package server

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

type privacyPage struct {
	Export string
	Erased *int
	// Suppressions are the newest of the tenant's suppressed addresses.
	Suppressions []plaudit.Suppression
	More         bool
}

func (s *Server) consolePrivacy(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	return s.showPrivacy(c, v, 0, privacyPage{})
}

// suppressionsShown is how many suppressions the privacy page lists; an
// older one is found by its address.
const suppressionsShown = 200

// showPrivacy renders the privacy page with the tenant's newest
// suppressions.
func (s *Server) showPrivacy(c *fiber.Ctx, v web.View, status int, page privacyPage) error {
	list, err := s.cfg.Store.ListSuppressions(c.UserContext(), tenantID(c), store.SuppressionFilter{Limit: suppressionsShown + 1})
	if err != nil {
		return err
	}
	if len(list) > suppressionsShown {
		list, page.More = list[:suppressionsShown], true
	}
	page.Suppressions = list
	v.Data = page
	return s.renderConsole(c, status, "privacy", v)
}

// consoleExport shows everything held on a data subject, as the API's
// export gives it, to copy into the answer to their request.
func (s *Server) consoleExport(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	keepForm(c, &v, "email", "phone")
	data, err := s.exportFor(c.UserContext(), who(c), c.FormValue("email"), c.FormValue("phone"))
	if err != nil {
		formErrors(&v, err, "email", "phone")
		return s.showPrivacy(c, v, statusOf(c, err), privacyPage{})
	}
	raw, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	return s.showPrivacy(c, v, 0, privacyPage{Export: string(raw)})
}

// consoleErase erases a data subject, once the admin has confirmed it.
func (s *Server) consoleErase(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	keepForm(c, &v, "erase_email", "erase_phone")
	if c.FormValue("confirm") != "yes" {
		v.Errors["confirm"] = "Tick the box to confirm: erasure cannot be undone."
		return s.showPrivacy(c, v, fiber.StatusBadRequest, privacyPage{})
	}
	n, err := s.eraseFor(c.UserContext(), who(c), c.FormValue("erase_email"), c.FormValue("erase_phone"))
	if err != nil {
		prefixedErrors(&v, err, "erase_")
		return s.showPrivacy(c, v, statusOf(c, err), privacyPage{})
	}
	v.Form = map[string]string{}
	v.Flash = "Erased."
	return s.showPrivacy(c, v, 0, privacyPage{Erased: &n})
}

// prefixedErrors places err next to a form's email or phone field, named
// prefix+"email": the API's messages name email and phone.
func prefixedErrors(v *web.View, err error, prefix string) {
	formErrors(v, err, "email", "phone")
	for _, f := range []string{"email", "phone"} {
		if m, ok := v.Errors[f]; ok {
			v.Errors[prefix+f] = m
			delete(v.Errors, f)
		}
	}
}

// consoleSuppress suppresses an address (the API's POST /suppressions).
func (s *Server) consoleSuppress(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	keepForm(c, &v, "suppress_email", "suppress_phone")
	if _, err := s.addSuppressions(c, c.FormValue("suppress_email"), c.FormValue("suppress_phone")); err != nil {
		prefixedErrors(&v, err, "suppress_")
		return s.showPrivacy(c, v, statusOf(c, err), privacyPage{})
	}
	return c.Redirect("/console/privacy?saved=1#suppressions", fiber.StatusSeeOther)
}

// consoleLiftSuppression lifts a suppression named by the hash a row of
// the list shows, or by its address (the API's DELETE /suppressions).
func (s *Server) consoleLiftSuppression(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	keepForm(c, &v, "lift_email", "lift_phone")
	if _, err := s.liftSuppressions(c, c.FormValue("address_hash"), c.FormValue("lift_email"), c.FormValue("lift_phone")); err != nil {
		prefixedErrors(&v, err, "lift_")
		return s.showPrivacy(c, v, statusOf(c, err), privacyPage{})
	}
	return c.Redirect("/console/privacy?saved=1#suppressions", fiber.StatusSeeOther)
}

// auditPerPage is how many events a page of the audit log shows.
const auditPerPage = 500

// auditPage is a page of the audit log and the links to the others.
type auditPage struct {
	Events        []plaudit.AuditEvent
	Older, Newest string
}

// consoleAudit is the audit log, newest first, a page at a time.
func (s *Server) consoleAudit(c *fiber.Ctx) error {
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	events, err := s.cfg.Store.ListAuditPage(c.UserContext(), tenantID(c), before, auditPerPage+1)
	if err != nil {
		return err
	}
	page := auditPage{Newest: newestLink(c)}
	if len(events) > auditPerPage {
		events = events[:auditPerPage]
		last := events[len(events)-1]
		page.Older = olderLink(c, last.CreatedAt, last.ID)
	}
	page.Events = events
	v := s.view(c, "Audit log")
	v.Data = page
	return s.renderConsole(c, 0, "audit", v)
}
