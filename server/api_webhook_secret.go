package server

import (
	"context"
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
)

// rotateWebhookSecret is POST /api/v1/connectors/{id}/webhook-secret: a
// new secret in the webhook URL of a kind without a signature of its own
// (salesforce). The old URL is refused at once; the answer carries the new
// webhook_url for the helpdesk.
func (s *Server) rotateWebhookSecret(c *fiber.Ctx) error {
	v, err := s.newWebhookURL(c.UserContext(), who(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// newWebhookURL gives a connector of a kind without a signature a new
// secret in its webhook URL.
func (s *Server) newWebhookURL(ctx context.Context, w caller, id string) (connectorView, error) {
	con, err := s.cfg.Store.GetConnector(ctx, w.TenantID, id)
	if err != nil {
		return connectorView{}, err
	}
	if kind, ok := s.cfg.Kinds.Kind(con.Kind); !ok || !kind.URLSecret {
		return connectorView{}, plaudit.Errorf(plaudit.EInvalid,
			"connectors of kind %s sign their deliveries: their webhook_url carries no secret (rotate the signing secret in config instead)", con.Kind)
	}
	con.Secrets = connectors.MergeSecrets(con.Secrets, map[string]string{plaudit.WebhookURLSecret: connectors.NewURLSecret()})
	if err := s.cfg.Store.UpdateConnector(ctx, con); err != nil {
		return connectorView{}, err
	}
	s.conns.Forget(con.ID) // the old URL stops working here at once, elsewhere within seconds
	s.auditAs(ctx, w, "connector.webhook_secret.rotate", con.ID, "")
	con, err = s.cfg.Store.GetConnector(ctx, con.TenantID, con.ID)
	if err != nil {
		return connectorView{}, err
	}
	return s.viewConnector(con), nil
}
