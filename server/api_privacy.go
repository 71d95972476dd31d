package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// subjectOf checks and normalizes a data subject's address, for the
// caller's tenant.
func (s *Server) subjectOf(ctx context.Context, w caller, rawEmail, rawPhone string) (email, phone string, t plaudit.Tenant, err error) {
	t, err = s.cfg.Store.GetTenant(ctx, w.TenantID)
	if err != nil {
		return "", "", t, err
	}
	email, phone, err = addresses(t, rawEmail, rawPhone)
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
	data, err := s.exportFor(c.UserContext(), who(c), c.Query("email"), c.Query("phone"))
	if err != nil {
		return err
	}
	return c.JSON(data)
}

// exportFor is everything held on a data subject in the caller's tenant;
// the export is audited under a keyed hash of the address.
func (s *Server) exportFor(ctx context.Context, w caller, rawEmail, rawPhone string) (store.SubjectData, error) {
	email, phone, t, err := s.subjectOf(ctx, w, rawEmail, rawPhone)
	if err != nil {
		return store.SubjectData{}, err
	}
	data, err := s.cfg.Store.ExportSubject(ctx, t.ID, email, phone)
	if err != nil {
		return data, err
	}
	s.auditAs(ctx, w, "data_subject.export", subjectHash(t, email, phone), "")
	return data, nil
}

func (s *Server) eraseSubject(c *fiber.Ctx) error {
	n, err := s.eraseFor(c.UserContext(), who(c), c.Query("email"), c.Query("phone"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"erased": n})
}

// eraseFor erases a data subject's personal data in the caller's tenant
// (also from the outbox), audited under a keyed hash of the address.
func (s *Server) eraseFor(ctx context.Context, w caller, rawEmail, rawPhone string) (int, error) {
	email, phone, t, err := s.subjectOf(ctx, w, rawEmail, rawPhone)
	if err != nil {
		return 0, err
	}
	n, err := s.cfg.Store.EraseSubject(ctx, t.ID, email, phone)
	if err != nil {
		return 0, err
	}
	if s.cfg.Outbox != nil {
		// Only this tenant's messages: another tenant's data on the same
		// person is theirs to erase.
		for _, a := range []string{email, phone} {
			if a == "" {
				continue
			}
			k, err := s.cfg.Outbox.PurgeTenant(ctx, t.ID, a)
			if err != nil {
				return n, err
			}
			n += k
		}
	}
	s.auditAs(ctx, w, "data_subject.erase", subjectHash(t, email, phone), "")
	return n, nil
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
