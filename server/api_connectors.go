package server

import (
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

func (s *Server) createConnector(c *fiber.Ctx) error {
	var b struct {
		Kind   string          `json:"kind"`
		Name   string          `json:"name"`
		Config json.RawMessage `json:"config"`
	}
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	kind, ok := s.cfg.Kinds.Kind(b.Kind)
	if !ok {
		return plaudit.Errorf(plaudit.EInvalid, "kind must be one of: %s", strings.Join(s.cfg.Kinds.Names(), ", "))
	}
	if len(b.Config) == 0 {
		b.Config = json.RawMessage("{}")
	}
	public, secrets, err := connectors.SplitConfig(kind, b.Config)
	if err != nil {
		return err
	}
	if err := kind.Validate(public, secrets); err != nil {
		return err
	}
	name := strings.TrimSpace(b.Name)
	if name == "" {
		name = b.Kind
	}
	if len(name) > 200 {
		return plaudit.Errorf(plaudit.EInvalid, "name must be at most 200 characters")
	}
	if err := plaudit.CheckText("name", name); err != nil {
		return err
	}
	if kind.URLSecret {
		secrets[plaudit.WebhookURLSecret] = connectors.NewURLSecret()
	}
	con := plaudit.Connector{TenantID: tenantID(c), Kind: b.Kind, Name: name, Config: public, Secrets: secrets}
	if err := s.cfg.Store.CreateConnector(c.UserContext(), &con); err != nil {
		return err
	}
	s.audit(c, con.TenantID, actor(c), "connector.create", con.ID, "kind="+con.Kind)
	return c.Status(fiber.StatusCreated).JSON(s.viewConnector(con))
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

func (s *Server) patchConnector(c *fiber.Ctx) error {
	var b struct {
		Name     *string         `json:"name"`
		Config   json.RawMessage `json:"config"`
		Disabled *bool           `json:"disabled"`
	}
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	ctx := c.UserContext()
	con, err := s.cfg.Store.GetConnector(ctx, tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	kind, ok := s.cfg.Kinds.Kind(con.Kind)
	if !ok {
		return plaudit.Errorf(plaudit.EInternal, "connector kind %s is not available", con.Kind)
	}
	if b.Name != nil {
		n := strings.TrimSpace(*b.Name)
		if n == "" || len(n) > 200 {
			return plaudit.Errorf(plaudit.EInvalid, "name must not be empty (at most 200 characters)")
		}
		if err := plaudit.CheckText("name", n); err != nil {
			return err
		}
		con.Name = n
	}
	if b.Disabled != nil {
		con.Disabled = *b.Disabled
	}
	if len(b.Config) > 0 {
		public, secrets, err := connectors.SplitConfig(kind, b.Config)
		if err != nil {
			return err
		}
		merged, err := mergeObjects(con.Config, public)
		if err != nil {
			return err
		}
		con.Config = merged
		con.Secrets = connectors.MergeSecrets(con.Secrets, secrets)
	}
	if err := kind.Validate(con.Config, con.Secrets); err != nil {
		return err
	}
	if err := s.cfg.Store.UpdateConnector(ctx, con); err != nil {
		return err
	}
	s.conns.Forget(con.ID) // a changed secret or a disabled connector applies at once here
	s.audit(c, con.TenantID, actor(c), "connector.update", con.ID, "fields="+bodyKeys(c.Body())+configKeys(b.Config))
	con, err = s.cfg.Store.GetConnector(ctx, con.TenantID, con.ID)
	if err != nil {
		return err
	}
	return c.JSON(s.viewConnector(con))
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
	id := c.Params("id")
	if err := s.cfg.Store.DeleteConnector(c.UserContext(), tenantID(c), id); err != nil {
		return err
	}
	s.conns.Forget(id)
	s.audit(c, tenantID(c), actor(c), "connector.delete", id, "")
	return c.SendStatus(fiber.StatusNoContent)
}

// configKeys names the config fields a PATCH sent (" config=a,b"), for the
// audit log: names only, since some are secrets.
func configKeys(raw json.RawMessage) string {
	if k := bodyKeys(raw); k != "" {
		return " config=" + k
	}
	return ""
}
