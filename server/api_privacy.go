package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// subject reads ?email= or ?phone= and normalizes it the way the store
// keeps addresses.
func (s *Server) subject(c *fiber.Ctx) (email, phone string, t plaudit.Tenant, err error) {
	t, err = s.cfg.Store.GetTenant(c.UserContext(), tenantID(c))
	if err != nil {
		return "", "", t, err
	}
	email, phone, err = addresses(t, c.Query("email"), c.Query("phone"))
	return email, phone, t, err
}

// addresses normalizes an email and a phone number given by an admin, at
// least one of them, the way the store keeps addresses.
func addresses(t plaudit.Tenant, rawEmail, rawPhone string) (email, phone string, err error) {
	if rawEmail == "" && rawPhone == "" {
		return "", "", plaudit.Errorf(plaudit.EInvalid, "email or phone is required")
	}
	if rawEmail != "" {
		if email = plaudit.NormalizeEmail(rawEmail); email == "" {
			return "", "", plaudit.Errorf(plaudit.EInvalid, "email is not an email address")
		}
	}
	if rawPhone != "" {
		if phone, err = plaudit.NormalizePhone(rawPhone, "", t.Settings.DefaultRegion); err != nil {
			return "", "", plaudit.Errorf(plaudit.EInvalid, "phone is not a valid phone number")
		}
	}
	return email, phone, nil
}

// subjectHash names the data subject in the audit log without the address.
func subjectHash(t plaudit.Tenant, email, phone string) string {
	if email != "" {
		return "email:" + keyring.AddressHash(t.HashKey, email)[:16]
	}
	return "phone:" + keyring.AddressHash(t.HashKey, phone)[:16]
}

func (s *Server) exportSubject(c *fiber.Ctx) error {
	email, phone, t, err := s.subject(c)
	if err != nil {
		return err
	}
	data, err := s.cfg.Store.ExportSubject(c.UserContext(), t.ID, email, phone)
	if err != nil {
		return err
	}
	s.audit(c, t.ID, actor(c), "data_subject.export", subjectHash(t, email, phone), "")
	return c.JSON(data)
}

func (s *Server) eraseSubject(c *fiber.Ctx) error {
	email, phone, t, err := s.subject(c)
	if err != nil {
		return err
	}
	n, err := s.cfg.Store.EraseSubject(c.UserContext(), t.ID, email, phone)
	if err != nil {
		return err
	}
	if s.cfg.Outbox != nil {
		// Only this tenant's messages: another tenant's data on the same
		// person is theirs to erase.
		for _, a := range []string{email, phone} {
			if a == "" {
				continue
			}
			k, err := s.cfg.Outbox.PurgeTenant(c.UserContext(), t.ID, a)
			if err != nil {
				return err
			}
			n += k
		}
	}
	s.audit(c, t.ID, actor(c), "data_subject.erase", subjectHash(t, email, phone), "")
	return c.JSON(fiber.Map{"erased": n})
}

func (s *Server) listAudit(c *fiber.Ctx) error {
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	events, err := s.cfg.Store.ListAudit(c.UserContext(), tenantID(c), limit)
	if err != nil {
		return err
	}
	if events == nil {
		events = []plaudit.AuditEvent{}
	}
	return c.JSON(fiber.Map{"data": events})
}
