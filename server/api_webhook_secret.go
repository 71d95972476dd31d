package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
)

// rotateWebhookSecret is POST /api/v1/connectors/{id}/webhook-secret: a
// new secret in the webhook URL of a kind without a signature of its own
// (salesforce). The old URL is refused at once; the answer carries the new
// webhook_url for the helpdesk.
func (s *Server) rotateWebhookSecret(c *fiber.Ctx) error {
	ctx := c.UserContext()
	con, err := s.cfg.Store.GetConnector(ctx, tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	if kind, ok := s.cfg.Kinds.Kind(con.Kind); !ok || !kind.URLSecret {
		return plaudit.Errorf(plaudit.EInvalid,
			"connectors of kind %s sign their deliveries: their webhook_url carries no secret (rotate the signing secret in config instead)", con.Kind)
	}
	con.Secrets = connectors.MergeSecrets(con.Secrets, map[string]string{plaudit.WebhookURLSecret: connectors.NewURLSecret()})
	if err := s.cfg.Store.UpdateConnector(ctx, con); err != nil {
		return err
	}
	s.conns.Forget(con.ID) // the old URL stops working here at once, elsewhere within seconds
	s.audit(c, con.TenantID, actor(c), "connector.webhook_secret.rotate", con.ID, "")
	con, err = s.cfg.Store.GetConnector(ctx, con.TenantID, con.ID)
	if err != nil {
		return err
	}
	return c.JSON(s.viewConnector(con))
}
