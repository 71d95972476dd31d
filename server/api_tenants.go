package server

import (
	"bytes"
	"context"
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
	t, secret, keyID, err := s.addTenant(c.UserContext(), b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{
		"id": t.ID, "name": t.Name, "settings": t.Settings, "api_key": secret, "api_key_id": keyID,
	})
}

// addTenant creates a tenant and its first admin key, whose secret it
// returns once.
func (s *Server) addTenant(ctx context.Context, b tenantBody) (t plaudit.Tenant, secret, keyID string, err error) {
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" || !plaudit.PlainText(b.Name, 200) {
		return t, "", "", plaudit.Errorf(plaudit.EInvalid, "name is required (at most 200 characters, without line breaks or control characters)")
	}
	if err := plaudit.CheckText("name", b.Name); err != nil {
		return t, "", "", err
	}
	t = plaudit.Tenant{Name: b.Name, Settings: plaudit.DefaultSettings()}
	if err := applySettings(&t.Settings, b.Settings); err != nil {
		return t, "", "", err
	}
	if err := s.cfg.Store.CreateTenant(ctx, &t); err != nil {
		return t, "", "", err
	}
	secret, key := newAPIKey(t.ID, "admin", plaudit.RoleAdmin, plaudit.ModeLive)
	if err := s.cfg.Store.CreateAPIKey(ctx, &key); err != nil {
		return t, "", "", err
	}
	s.record(ctx, t.ID, "operator", "tenant.create", t.ID, "")
	return t, secret, key.ID, nil
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

// tenantView is the tenant as the API shows it, with its single sign-on
// (the client secret is write-only).
type tenantView struct {
	plaudit.Tenant
	OIDC *oidcView `json:"oidc,omitempty"`
}

type oidcView struct {
	Issuer          string `json:"issuer"`
	ClientID        string `json:"client_id"`
	ClientSecretSet bool   `json:"client_secret_set"`
}

func (s *Server) viewTenant(ctx context.Context, t plaudit.Tenant) (tenantView, error) {
	v := tenantView{Tenant: t}
	o, err := s.cfg.Store.GetOIDC(ctx, t.ID)
	switch {
	case plaudit.IsNotFound(err):
	case err != nil:
		return v, err
	default:
		v.OIDC = &oidcView{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecretSet: o.ClientSecret != ""}
	}
	return v, nil
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
	v, err := s.viewTenant(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// tenantPatch is PATCH /api/v1/tenant (and the console's settings forms).
type tenantPatch struct {
	Name     *string         `json:"name"`
	Settings json.RawMessage `json:"settings"`
	// OIDC sets the tenant's single sign-on; null turns it off. A client
	// secret left out keeps the one stored.
	OIDC json.RawMessage `json:"oidc"`
}

func (s *Server) patchTenant(c *fiber.Ctx) error {
	var b tenantPatch
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	t, err := s.changeTenant(c.UserContext(), who(c), b)
	if err != nil {
		return err
	}
	v, err := s.viewTenant(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// changeTenant applies a patch to the caller's tenant: its name, settings
// and single sign-on, checked before anything is saved.
func (s *Server) changeTenant(ctx context.Context, w caller, b tenantPatch) (plaudit.Tenant, error) {
	t, err := s.cfg.Store.GetTenant(ctx, w.TenantID)
	if err != nil {
		return t, err
	}
	if b.Name != nil {
		n := strings.TrimSpace(*b.Name)
		if n == "" || !plaudit.PlainText(n, 200) {
			return t, plaudit.Errorf(plaudit.EInvalid, "name must not be empty (at most 200 characters, without line breaks or control characters)")
		}
		if err := plaudit.CheckText("name", n); err != nil {
			return t, err
		}
		t.Name = n
	}
	logo := t.Settings.LogoURL
	if err := applySettings(&t.Settings, b.Settings); err != nil {
		return t, err
	}
	oidc, drop, err := s.oidcPatch(ctx, t.ID, b.OIDC)
	if err != nil {
		return t, err
	}
	if err := s.cfg.Store.UpdateTenant(ctx, t); err != nil {
		return t, err
	}
	if len(b.Settings) > 0 {
		// Saving the settings shows the logo afresh, also when the image
		// changed behind an unchanged URL.
		s.images.forget(t.ID, logo)
	}
	if err := s.saveOIDC(ctx, t.ID, oidc, drop); err != nil {
		return t, err
	}
	detail := bodyKeys(b.Settings)
	if len(b.OIDC) > 0 {
		detail = strings.TrimPrefix(detail+",oidc", ",")
	}
	s.auditAs(ctx, w, "tenant.settings.update", t.ID, detail)
	return t, nil
}

// oidcPatch reads the oidc field of a patch: the configuration to save,
// or drop to turn single sign-on off.
func (s *Server) oidcPatch(ctx context.Context, tenantID string, raw json.RawMessage) (o *plaudit.OIDCConfig, drop bool, err error) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	if string(raw) == "null" {
		return nil, true, nil
	}
	var next plaudit.OIDCConfig
	if err := decodeStrict(raw, &next); err != nil {
		return nil, false, plaudit.Errorf(plaudit.EInvalid, "oidc: %s", plaudit.ErrorMessage(err))
	}
	next.Issuer, next.ClientID = strings.TrimSpace(next.Issuer), strings.TrimSpace(next.ClientID)
	if next.ClientSecret == "" {
		if old, err := s.cfg.Store.GetOIDC(ctx, tenantID); err == nil {
			next.ClientSecret = old.ClientSecret
		}
	}
	if err := next.Validate(); err != nil {
		return nil, false, err
	}
	return &next, false, nil
}

func (s *Server) saveOIDC(ctx context.Context, tenantID string, o *plaudit.OIDCConfig, drop bool) error {
	switch {
	case drop:
		return s.cfg.Store.DeleteOIDC(ctx, tenantID)
	case o != nil:
		return s.cfg.Store.SetOIDC(ctx, tenantID, *o)
	}
	return nil
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

// keyBody is the body of POST /api/v1/api-keys.
type keyBody struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Mode string `json:"mode"`
}

func (s *Server) createAPIKey(c *fiber.Ctx) error {
	var b keyBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	secret, k, err := s.addAPIKey(c.UserContext(), who(c), b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{
		"id": k.ID, "name": k.Name, "role": k.Role, "mode": k.Mode, "prefix": k.Prefix,
		"created_at": k.CreatedAt, "api_key": secret,
	})
}

// addAPIKey makes a key of the caller's tenant; the secret is returned
// once.
func (s *Server) addAPIKey(ctx context.Context, w caller, b keyBody) (string, plaudit.APIKey, error) {
	switch b.Role {
	case plaudit.RoleAdmin, plaudit.RoleTrigger, plaudit.RoleRead:
	default:
		return "", plaudit.APIKey{}, plaudit.Errorf(plaudit.EInvalid, "role must be admin, trigger or read")
	}
	if b.Mode == "" {
		b.Mode = plaudit.ModeLive
		if w.Test {
			b.Mode = plaudit.ModeTest // a test key makes test keys
		}
	}
	if b.Mode != plaudit.ModeLive && b.Mode != plaudit.ModeTest {
		return "", plaudit.APIKey{}, plaudit.Errorf(plaudit.EInvalid, "mode must be live or test")
	}
	if b.Mode == plaudit.ModeLive && w.Test {
		return "", plaudit.APIKey{}, plaudit.Errorf(plaudit.EForbidden, "a test key can create test keys only (mode test)")
	}
	if len(b.Name) > 100 {
		return "", plaudit.APIKey{}, plaudit.Errorf(plaudit.EInvalid, "name must be at most 100 characters")
	}
	if err := plaudit.CheckText("name", b.Name); err != nil {
		return "", plaudit.APIKey{}, err
	}
	secret, k := newAPIKey(w.TenantID, b.Name, b.Role, b.Mode)
	if err := s.cfg.Store.CreateAPIKey(ctx, &k); err != nil {
		return "", k, err
	}
	s.auditAs(ctx, w, "api_key.create", k.ID, "role="+k.Role+" mode="+k.Mode)
	return secret, k, nil
}

func (s *Server) listAPIKeys(c *fiber.Ctx) error {
	keys, err := s.visibleKeys(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": keys})
}

// visibleKeys lists the keys the caller may see and delete: all of the
// tenant's, or for a test key the test keys only.
func (s *Server) visibleKeys(ctx context.Context, w caller) ([]plaudit.APIKey, error) {
	keys, err := s.cfg.Store.ListAPIKeys(ctx, w.TenantID)
	if err != nil || !w.Test {
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
	if err := s.removeAPIKey(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// removeAPIKey revokes a key, never the tenant's last live admin key.
func (s *Server) removeAPIKey(ctx context.Context, w caller, id string) error {
	keys, err := s.visibleKeys(ctx, w)
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
	if err := s.cfg.Store.DeleteAPIKey(ctx, w.TenantID, id); err != nil {
		return err
	}
	s.auditAs(ctx, w, "api_key.delete", id, "")
	return nil
}
