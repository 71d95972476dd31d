package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// decodeStrict decodes a JSON body, refusing unknown fields so that a typo
// in a field name is an error rather than silently ignored.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return plaudit.Errorf(plaudit.EInvalid, "request body is empty: JSON expected")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return plaudit.Errorf(plaudit.EInvalid, "%s", describeJSONError(err, body))
	}
	return checkJSONText(body)
}

// describeJSONError says what is wrong with a JSON body: the field and what
// it must be, an unknown field, or where the JSON breaks.
func describeJSONError(err error, body []byte) string {
	var te *json.UnmarshalTypeError
	var pe *plaudit.Error
	switch {
	case errors.As(err, &pe): // a field's own UnmarshalJSON said it
		return pe.Message
	case errors.As(err, &te):
		return te.Field + " must be " + jsonType(te.Type.Kind().String())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	if where := plaudit.JSONWhere(err, body); where != "" {
		return "body is not valid JSON: " + where
	}
	return "body is not valid JSON"
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "of another type"
}

type tenantBody struct {
	Name     string          `json:"name"`
	Settings json.RawMessage `json:"settings"`
}

func (s *Server) createTenant(c *fiber.Ctx) error {
	var b tenantBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" || !plaudit.PlainText(b.Name, 200) {
		return plaudit.Errorf(plaudit.EInvalid, "name is required (at most 200 characters, without line breaks or control characters)")
	}
	if err := plaudit.CheckText("name", b.Name); err != nil {
		return err
	}
	t := plaudit.Tenant{Name: b.Name, Settings: plaudit.DefaultSettings()}
	if err := applySettings(&t.Settings, b.Settings); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.cfg.Store.CreateTenant(ctx, &t); err != nil {
		return err
	}
	secret, key := newAPIKey(t.ID, "admin", plaudit.RoleAdmin, plaudit.ModeLive)
	if err := s.cfg.Store.CreateAPIKey(ctx, &key); err != nil {
		return err
	}
	s.audit(c, t.ID, "operator", "tenant.create", t.ID, "")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{
		"id": t.ID, "name": t.Name, "settings": t.Settings, "api_key": secret, "api_key_id": key.ID,
	})
}

// applySettings decodes a partial settings object onto s and validates the
// result; fields not present keep their value.
func applySettings(s *plaudit.Settings, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return s.Validate()
	}
	next := *s
	next.Channels = append([]string(nil), s.Channels...)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&next); err != nil {
		msg := describeJSONError(err, raw)
		return plaudit.Errorf(plaudit.EInvalid, "settings: %s", msg)
	}
	if err := next.Validate(); err != nil {
		return err
	}
	*s = next
	return nil
}

// listTenants is the operator's list of tenants, oldest first, with
// their settings; never their keys.
func (s *Server) listTenants(c *fiber.Ctx) error {
	tenants, err := s.cfg.Store.ListTenants(c.UserContext())
	if err != nil {
		return err
	}
	if tenants == nil {
		tenants = []plaudit.Tenant{}
	}
	return c.JSON(fiber.Map{"data": tenants})
}

func (s *Server) getTenant(c *fiber.Ctx) error {
	t, err := s.cfg.Store.GetTenant(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) patchTenant(c *fiber.Ctx) error {
	var b struct {
		Name     *string         `json:"name"`
		Settings json.RawMessage `json:"settings"`
	}
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := s.cfg.Store.GetTenant(ctx, tenantID(c))
	if err != nil {
		return err
	}
	if b.Name != nil {
		n := strings.TrimSpace(*b.Name)
		if n == "" || !plaudit.PlainText(n, 200) {
			return plaudit.Errorf(plaudit.EInvalid, "name must not be empty (at most 200 characters, without line breaks or control characters)")
		}
		if err := plaudit.CheckText("name", n); err != nil {
			return err
		}
		t.Name = n
	}
	logo := t.Settings.LogoURL
	if err := applySettings(&t.Settings, b.Settings); err != nil {
		return err
	}
	if err := s.cfg.Store.UpdateTenant(ctx, t); err != nil {
		return err
	}
	if len(b.Settings) > 0 {
		// Saving the settings shows the logo afresh, also when the image
		// changed behind an unchanged URL.
		s.images.forget(t.ID, logo)
	}
	s.audit(c, t.ID, actor(c), "tenant.settings.update", t.ID, bodyKeys(b.Settings))
	return c.JSON(t)
}

// newAPIKey makes a key: the secret is returned once and only its hash is
// kept.
func newAPIKey(tenantID, name, role, mode string) (string, plaudit.APIKey) {
	secret := "pk_" + mode + "_" + keyring.Token(24)
	return secret, plaudit.APIKey{
		TenantID: tenantID, Name: name, Role: role, Mode: mode,
		Prefix: secret[:len("pk_"+mode+"_")+6],
		Hash:   keyring.SecretHash(secret),
	}
}

func (s *Server) createAPIKey(c *fiber.Ctx) error {
	var b struct {
		Name string `json:"name"`
		Role string `json:"role"`
		Mode string `json:"mode"`
	}
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	switch b.Role {
	case plaudit.RoleAdmin, plaudit.RoleTrigger, plaudit.RoleRead:
	default:
		return plaudit.Errorf(plaudit.EInvalid, "role must be admin, trigger or read")
	}
	if b.Mode == "" {
		b.Mode = apiKey(c).Mode // a test key makes test keys
	}
	if b.Mode != plaudit.ModeLive && b.Mode != plaudit.ModeTest {
		return plaudit.Errorf(plaudit.EInvalid, "mode must be live or test")
	}
	if b.Mode == plaudit.ModeLive && testKey(c) {
		return plaudit.Errorf(plaudit.EForbidden, "a test key can create test keys only (mode test)")
	}
	if len(b.Name) > 100 {
		return plaudit.Errorf(plaudit.EInvalid, "name must be at most 100 characters")
	}
	if err := plaudit.CheckText("name", b.Name); err != nil {
		return err
	}
	secret, k := newAPIKey(tenantID(c), b.Name, b.Role, b.Mode)
	if err := s.cfg.Store.CreateAPIKey(c.UserContext(), &k); err != nil {
		return err
	}
	s.audit(c, k.TenantID, actor(c), "api_key.create", k.ID, "role="+k.Role+" mode="+k.Mode)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{
		"id": k.ID, "name": k.Name, "role": k.Role, "mode": k.Mode, "prefix": k.Prefix,
		"created_at": k.CreatedAt, "api_key": secret,
	})
}

func (s *Server) listAPIKeys(c *fiber.Ctx) error {
	keys, err := s.visibleKeys(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": keys})
}

// visibleKeys lists the keys the caller may see and delete: all of the
// tenant's, or for a test key the test keys only.
func (s *Server) visibleKeys(c *fiber.Ctx) ([]plaudit.APIKey, error) {
	keys, err := s.cfg.Store.ListAPIKeys(c.UserContext(), tenantID(c))
	if err != nil || !testKey(c) {
		return keys, err
	}
	out := make([]plaudit.APIKey, 0, len(keys))
	for _, k := range keys {
		if k.Mode == plaudit.ModeTest {
			out = append(out, k)
		}
	}
	return out, nil
}

func (s *Server) deleteAPIKey(c *fiber.Ctx) error {
	id := c.Params("id")
	ctx := c.UserContext()
	keys, err := s.visibleKeys(c)
	if err != nil {
		return err
	}
	// Only the operator can create tenants, not keys: a tenant without an
	// admin key could never be configured again.
	admins, target, visible := 0, false, false
	for _, k := range keys {
		visible = visible || k.ID == id
		if k.Role == plaudit.RoleAdmin && k.Mode == plaudit.ModeLive {
			admins++
			target = target || k.ID == id
		}
	}
	if !visible {
		return plaudit.Errorf(plaudit.ENotFound, "API key not found")
	}
	if target && admins == 1 {
		return plaudit.Errorf(plaudit.EConflict, "this is the tenant's last live admin key: create another admin key first")
	}
	if err := s.cfg.Store.DeleteAPIKey(ctx, tenantID(c), id); err != nil {
		return err
	}
	s.audit(c, tenantID(c), actor(c), "api_key.delete", id, "")
	return c.SendStatus(fiber.StatusNoContent)
}
