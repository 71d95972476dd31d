package server

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/connectors"
)

// connectorView is a connector as the API shows it: secrets are write-only,
// so only the names of those that are set appear.
type connectorView struct {
	plaudit.Connector
	WebhookURL string   `json:"webhook_url"`
	SecretsSet []string `json:"secrets_set"`
}

func (s *Server) viewConnector(c plaudit.Connector) connectorView {
	set := make([]string, 0, len(c.Secrets))
	for k, v := range c.Secrets {
		if v != "" {
			set = append(set, k)
		}
	}
	sort.Strings(set)
	if c.Config == nil {
		c.Config = json.RawMessage("{}")
	}
	return connectorView{Connector: c, WebhookURL: s.cfg.PublicURL + s.cfg.Kinds.WebhookPath(c), SecretsSet: set}
}

// connectorBody is the body of POST /api/v1/connectors.
type connectorBody struct {
	Kind   string          `json:"kind"`
	Name   string          `json:"name"`
	Config json.RawMessage `json:"config"`
}

func (s *Server) createConnector(c *fiber.Ctx) error {
	var b connectorBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	v, err := s.addConnector(c.UserContext(), who(c), b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

// addConnector creates a connector of the caller's tenant, its config
// checked by its kind and its secrets split off to be sealed.
func (s *Server) addConnector(ctx context.Context, w caller, b connectorBody) (connectorView, error) {
	kind, ok := s.cfg.Kinds.Kind(b.Kind)
	if !ok {
		return connectorView{}, plaudit.Errorf(plaudit.EInvalid, "kind must be one of: %s", strings.Join(s.cfg.Kinds.Names(), ", "))
	}
	if len(b.Config) == 0 {
		b.Config = json.RawMessage("{}")
	}
	public, secrets, err := connectors.SplitConfig(kind, b.Config)
	if err != nil {
		return connectorView{}, err
	}
	if err := kind.Validate(public, secrets); err != nil {
		return connectorView{}, err
	}
	name := strings.TrimSpace(b.Name)
	if name == "" {
		name = b.Kind
	}
	if len(name) > 200 {
		return connectorView{}, plaudit.Errorf(plaudit.EInvalid, "name must be at most 200 characters")
	}
	if err := plaudit.CheckText("name", name); err != nil {
		return connectorView{}, err
	}
	if kind.URLSecret {
		secrets[plaudit.WebhookURLSecret] = connectors.NewURLSecret()
	}
	con := plaudit.Connector{TenantID: w.TenantID, Kind: b.Kind, Name: name, Config: public, Secrets: secrets}
	if err := s.cfg.Store.CreateConnector(ctx, &con); err != nil {
		return connectorView{}, err
	}
	s.auditAs(ctx, w, "connector.create", con.ID, "kind="+con.Kind)
	return s.viewConnector(con), nil
}

func (s *Server) listConnectors(c *fiber.Ctx) error {
	cons, err := s.cfg.Store.ListConnectors(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	out := make([]connectorView, 0, len(cons))
	for _, con := range cons {
		out = append(out, s.viewConnector(con))
	}
	return c.JSON(fiber.Map{"data": out})
}

func (s *Server) getConnector(c *fiber.Ctx) error {
	con, err := s.cfg.Store.GetConnector(c.UserContext(), tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.viewConnector(con))
}

// connectorPatch is the body of PATCH /api/v1/connectors/{id}.
type connectorPatch struct {
	Name     *string         `json:"name"`
	Config   json.RawMessage `json:"config"`
	Disabled *bool           `json:"disabled"`
}

func (s *Server) patchConnector(c *fiber.Ctx) error {
	var b connectorPatch
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	v, err := s.changeConnector(c.UserContext(), who(c), c.Params("id"), b, bodyKeys(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// changeConnector applies a patch: config keys overlay the stored ones,
// secrets left out stay, and the kind checks the result before it is
// saved. fields names what the patch sent, for the audit log.
func (s *Server) changeConnector(ctx context.Context, w caller, id string, b connectorPatch, fields string) (connectorView, error) {
	con, err := s.cfg.Store.GetConnector(ctx, w.TenantID, id)
	if err != nil {
		return connectorView{}, err
	}
	kind, ok := s.cfg.Kinds.Kind(con.Kind)
	if !ok {
		return connectorView{}, plaudit.Errorf(plaudit.EInternal, "connector kind %s is not available", con.Kind)
	}
	if b.Name != nil {
		n := strings.TrimSpace(*b.Name)
		if n == "" || len(n) > 200 {
			return connectorView{}, plaudit.Errorf(plaudit.EInvalid, "name must not be empty (at most 200 characters)")
		}
		if err := plaudit.CheckText("name", n); err != nil {
			return connectorView{}, err
		}
		con.Name = n
	}
	if b.Disabled != nil {
		con.Disabled = *b.Disabled
	}
	if len(b.Config) > 0 {
		public, secrets, err := connectors.SplitConfig(kind, b.Config)
		if err != nil {
			return connectorView{}, err
		}
		merged, err := mergeObjects(con.Config, public)
		if err != nil {
			return connectorView{}, err
		}
		con.Config = merged
		con.Secrets = connectors.MergeSecrets(con.Secrets, secrets)
	}
	if err := kind.Validate(con.Config, con.Secrets); err != nil {
		return connectorView{}, err
	}
	if err := s.cfg.Store.UpdateConnector(ctx, con); err != nil {
		return connectorView{}, err
	}
	s.conns.Forget(con.ID) // a changed secret or a disabled connector applies at once here
	s.auditAs(ctx, w, "connector.update", con.ID, "fields="+fields+configKeys(b.Config))
	con, err = s.cfg.Store.GetConnector(ctx, con.TenantID, con.ID)
	if err != nil {
		return connectorView{}, err
	}
	return s.viewConnector(con), nil
}

// mergeObjects overlays the top-level keys of patch onto base; a null
// value removes the key.
func mergeObjects(base, patch json.RawMessage) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(base) > 0 {
		if err := json.Unmarshal(base, &m); err != nil {
			return nil, plaudit.Errorf(plaudit.EInternal, "stored config is not an object")
		}
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "config must be an object")
	}
	for k, v := range p {
		if string(v) == "null" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	out, err := json.Marshal(m)
	return out, err
}

func (s *Server) deleteConnector(c *fiber.Ctx) error {
	if err := s.removeConnector(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// removeConnector deletes a connector; its webhook answers 404 at once.
func (s *Server) removeConnector(ctx context.Context, w caller, id string) error {
	if err := s.cfg.Store.DeleteConnector(ctx, w.TenantID, id); err != nil {
		return err
	}
	s.conns.Forget(id)
	s.auditAs(ctx, w, "connector.delete", id, "")
	return nil
}

// configKeys names the config fields a PATCH sent (" config=a,b"), for the
// audit log: names only, since some are secrets.
func configKeys(raw json.RawMessage) string {
	if k := bodyKeys(raw); k != "" {
		return " config=" + k
	}
	return ""
}
