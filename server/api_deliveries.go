package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit/store"
)

// listDeliveries is GET /api/v1/connectors/{id}/deliveries: the
// connector's log of writeback attempts (signed callbacks, helpdesk notes
// and comments), newest first, so that an admin can see whether responses
// get through, what the other side answered and what is being retried.
func (s *Server) listDeliveries(c *fiber.Ctx) error {
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	con, err := s.cfg.Store.GetConnector(ctx, tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	out, err := s.cfg.Store.ListDeliveries(ctx, con.TenantID, con.ID, limit)
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.DeliveryAttempt{}
	}
	return c.JSON(fiber.Map{"data": out})
}
