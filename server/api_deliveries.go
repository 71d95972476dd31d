package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// deliveryStore reads a connector's delivery log. It is asked for beside
// Store rather than in it, so that the Store interface stays as other
// handlers need it.
type deliveryStore interface {
	ListDeliveries(ctx context.Context, tenantID, connectorID string, limit int) ([]store.DeliveryAttempt, error)
}

var _ deliveryStore = (*store.Store)(nil)

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
	ds, ok := s.cfg.Store.(deliveryStore)
	if !ok {
		return plaudit.Errorf(plaudit.EInternal, "this store keeps no delivery log")
	}
	out, err := ds.ListDeliveries(ctx, con.TenantID, con.ID, limit)
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.DeliveryAttempt{}
	}
	return c.JSON(fiber.Map{"data": out})
}
