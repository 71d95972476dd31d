package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// deleteTenant is DELETE /api/v1/tenants/{id} (operator token): a client
// company leaves. In one transaction its customers' personal data, its
// agents, connectors with their sealed secrets, API key hashes,
// suppressions, hash key and audit trail are deleted; with
// keep_aggregates=true the anonymous report figures stay.
//
// The tenant's audit trail cannot record its own end: it lives under the
// tenant and goes with it. So the deletion is recorded where the operator
// looks: the log line "audit: tenant deleted" with the tenant id, the actor
// and keep_aggregates (ids only, no names), and the receipt in the answer,
// which the operator can file. A durable operator-level audit table would
// need a schema migration of its own.
func (s *Server) deleteTenant(c *fiber.Ctx) error {
	id := c.Params("id")
	keep := false
	if v := c.Query("keep_aggregates"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return plaudit.Errorf(plaudit.EInvalid, "keep_aggregates must be true or false")
		}
		keep = b
	}
	ctx := c.UserContext()
	// The connectors' ids, to drop their cached drivers (which hold the
	// credentials) once the rows are gone. Secrets that cannot be opened
	// do not stop the deletion.
	cons, _ := s.cfg.Store.ListConnectors(ctx, id)
	if err := s.cfg.Store.DeleteTenant(ctx, id, keep); err != nil {
		return err
	}
	s.forgetTenant(id, cons)
	at := s.cfg.Now().UTC()
	s.log.Info("audit: tenant deleted", "actor", "operator", "action", "tenant.delete", "tenant_id", id, "keep_aggregates", keep)
	return c.JSON(fiber.Map{"id": id, "deleted": true, "keep_aggregates": keep, "deleted_at": at})
}

// forgetTenant drops what this process holds of a deleted tenant in
// memory: cached connectors and their drivers (so its webhooks answer 404
// at once rather than after the cache's few seconds, and no credentials
// stay) and fetched images. Other replicas' caches expire on their own
// within seconds. (Outbox messages are in the store, deleted with the
// tenant.)
func (s *Server) forgetTenant(tenantID string, cons []plaudit.Connector) {
	for _, con := range cons {
		s.conns.Forget(con.ID)
	}
	s.conns.ForgetTenant(tenantID)
	s.images.forget(tenantID, "")
}
