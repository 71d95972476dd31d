package server

import (
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/store"
)

// Suppressions: the addresses of a tenant that get no more feedback
// requests. They are kept and listed as keyed hashes (keyring.AddressHash
// with the tenant's hash key) so that they outlive the erasure of the
// person's data; an admin names an address in clear to add, find or lift
// one, and the hash is computed here. Test keys are refused: an opt-out is
// a real person's, never test data.

// suppressionBody is POST /api/v1/suppressions.
type suppressionBody struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// hashedAddress is one address named by an admin: its channel, its keyed
// hash, and how the audit log names it.
type hashedAddress struct {
	channel, hash, target string
}

func hashed(t plaudit.Tenant, email, phone string) []hashedAddress {
	var out []hashedAddress
	if email != "" {
		out = append(out, hashedAddress{plaudit.ChannelEmail, keyring.AddressHash(t.HashKey, email), subjectHash(t, email, "")})
	}
	if phone != "" {
		out = append(out, hashedAddress{plaudit.ChannelSMS, keyring.AddressHash(t.HashKey, phone), subjectHash(t, "", phone)})
	}
	return out
}

// listSuppressions is GET /api/v1/suppressions: all of them, newest first
// (since, limit), or those of ?email= and ?phone=.
func (s *Server) listSuppressions(c *fiber.Ctx) error {
	since, limit, err := parsePage(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if c.Query("email") == "" && c.Query("phone") == "" {
		list, err := s.cfg.Store.ListSuppressions(ctx, tenantID(c), store.SuppressionFilter{Since: since, Limit: limit})
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"data": list})
	}
	email, phone, t, err := s.subjectOf(ctx, who(c), c.Query("email"), c.Query("phone"))
	if err != nil {
		return err
	}
	out := []plaudit.Suppression{}
	for _, a := range hashed(t, email, phone) {
		list, err := s.cfg.Store.ListSuppressions(ctx, t.ID, store.SuppressionFilter{AddressHash: a.hash, Since: since, Limit: 1})
		if err != nil {
			return err
		}
		out = append(out, list...)
	}
	return c.JSON(fiber.Map{"data": out})
}

// createSuppression is POST /api/v1/suppressions: the admin records an
// objection that reached the company some other way (a letter, a call,
// an email to support). Each address given is suppressed, with reason
// "admin"; one that is suppressed already keeps its reason and date.
func (s *Server) createSuppression(c *fiber.Ctx) error {
	var b suppressionBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	out, err := s.addSuppressions(c, b.Email, b.Phone)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"data": out})
}

// addSuppressions suppresses the addresses an admin names (the API's POST
// and the console's privacy page), audited, and returns them as stored.
func (s *Server) addSuppressions(c *fiber.Ctx, rawEmail, rawPhone string) ([]plaudit.Suppression, error) {
	ctx := c.UserContext()
	t, err := s.cfg.Store.GetTenant(ctx, tenantID(c))
	if err != nil {
		return nil, err
	}
	email, phone, err := addresses(t, rawEmail, rawPhone)
	if err != nil {
		return nil, err
	}
	out := []plaudit.Suppression{}
	for _, a := range hashed(t, email, phone) {
		sp, err := s.cfg.Store.GetSuppression(ctx, t.ID, a.hash)
		if plaudit.IsNotFound(err) || (err == nil && sp.ExpiresAt != nil) {
			sp = plaudit.Suppression{TenantID: t.ID, AddressHash: a.hash, Reason: plaudit.SuppressAdmin, Channel: a.channel}
			if err = s.cfg.Store.Suppress(ctx, sp); err == nil {
				s.audit(c, t.ID, actor(c), "suppression.add", a.target, plaudit.SuppressAdmin)
				sp, err = s.cfg.Store.GetSuppression(ctx, t.ID, a.hash)
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// deleteSuppression is DELETE /api/v1/suppressions?email=|phone=|address_hash=:
// the person may be asked again. Lifting an opt-out is the controller's
// decision: the customer's consent to be asked again, recorded elsewhere.
func (s *Server) deleteSuppression(c *fiber.Ctx) error {
	n, err := s.liftSuppressions(c, c.Query("address_hash"), c.Query("email"), c.Query("phone"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deleted": n})
}

// liftSuppressions lifts the suppression of an address named by its hash
// (as the list shows it) or in clear (the API's DELETE and the console's
// privacy page), audited; none found is ENotFound.
func (s *Server) liftSuppressions(c *fiber.Ctx, addressHash, rawEmail, rawPhone string) (int, error) {
	ctx := c.UserContext()
	var targets []hashedAddress
	if h := addressHash; h != "" {
		if !hexHash.MatchString(h) {
			return 0, plaudit.Errorf(plaudit.EInvalid, "address_hash must be the 64 hex characters the list shows")
		}
		targets = []hashedAddress{{hash: h, target: "hash:" + h[:16]}}
	} else {
		email, phone, t, err := s.subjectOf(ctx, who(c), rawEmail, rawPhone)
		if err != nil {
			return 0, plaudit.Errorf(plaudit.EInvalid, "%s (or address_hash)", plaudit.ErrorMessage(err))
		}
		targets = hashed(t, email, phone)
	}
	n := 0
	for _, a := range targets {
		ok, err := s.cfg.Store.DeleteSuppression(ctx, tenantID(c), a.hash)
		if err != nil {
			return n, err
		}
		if ok {
			n++
			s.audit(c, tenantID(c), actor(c), "suppression.remove", a.target, plaudit.SuppressAdmin)
		}
	}
	if n == 0 {
		return 0, plaudit.Errorf(plaudit.ENotFound, "no suppression for that address")
	}
	return n, nil
}
