package server

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

type privacyPage struct {
	Export string
	Erased *int
}

func (s *Server) consolePrivacy(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	v.Data = privacyPage{}
	return s.renderConsole(c, 0, "privacy", v)
}

// consoleExport shows everything held on a data subject, as the API's
// export gives it, to copy into the answer to their request.
func (s *Server) consoleExport(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	keepForm(c, &v, "email", "phone")
	data, err := s.exportFor(c.UserContext(), who(c), c.FormValue("email"), c.FormValue("phone"))
	if err != nil {
		formErrors(&v, err, "email", "phone")
		v.Data = privacyPage{}
		return s.renderConsole(c, statusOf(c, err), "privacy", v)
	}
	raw, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	v.Data = privacyPage{Export: string(raw)}
	return s.renderConsole(c, 0, "privacy", v)
}

// consoleErase erases a data subject, once the admin has confirmed it.
func (s *Server) consoleErase(c *fiber.Ctx) error {
	v := s.view(c, "Privacy")
	keepForm(c, &v, "erase_email", "erase_phone")
	v.Data = privacyPage{}
	if c.FormValue("confirm") != "yes" {
		v.Errors["confirm"] = "Tick the box to confirm: erasure cannot be undone."
		return s.renderConsole(c, fiber.StatusBadRequest, "privacy", v)
	}
	n, err := s.eraseFor(c.UserContext(), who(c), c.FormValue("erase_email"), c.FormValue("erase_phone"))
	if err != nil {
		// The API names email and phone; this form's fields are erase_*.
		formErrors(&v, err, "email", "phone")
		for _, f := range []string{"email", "phone"} {
			if m, ok := v.Errors[f]; ok {
				v.Errors["erase_"+f] = m
				delete(v.Errors, f)
			}
		}
		return s.renderConsole(c, statusOf(c, err), "privacy", v)
	}
	v.Form = map[string]string{}
	v.Flash = "Erased."
	v.Data = privacyPage{Erased: &n}
	return s.renderConsole(c, 0, "privacy", v)
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
