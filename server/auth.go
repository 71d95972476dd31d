package server

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const localKey = "apikey"

// bearer returns the credential from Authorization: Bearer, or X-Api-Key.
func bearer(c *fiber.Ctx) string {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return strings.TrimSpace(c.Get("X-Api-Key"))
}

// The credentials the API asks for, named in its refusals so that the
// caller knows which one to send.
const (
	needOperator = "this endpoint needs the operator token (PLAUDIT_ADMIN_TOKEN) as Authorization: Bearer <token>"
	needKey      = "this endpoint needs a tenant API key (the api_key from POST /api/v1/tenants, or one made with POST /api/v1/api-keys) as Authorization: Bearer <key>"
)

// operatorOnly admits the operator token (PLAUDIT_ADMIN_TOKEN).
func (s *Server) operatorOnly(c *fiber.Ctx) error {
	tok := bearer(c)
	switch {
	case tok == "":
		return plaudit.Errorf(plaudit.EUnauthorized, "missing operator token: %s", needOperator)
	case s.isOperator(tok):
		return c.Next()
	case strings.HasPrefix(tok, "pk_"):
		return plaudit.Errorf(plaudit.EUnauthorized, "a tenant API key was sent: %s", needOperator)
	}
	return plaudit.Errorf(plaudit.EUnauthorized, "invalid operator token: %s", needOperator)
}

func (s *Server) isOperator(tok string) bool {
	return subtle.ConstantTimeCompare(keyring.SecretHash(tok), s.cfg.AdminTokenHash) == 1
}

// requireKey admits a live tenant API key whose role allows role. Keys
// are looked up by their hash, so the secret is never stored. Test keys
// are a sandbox: they are admitted only where requireKeyOrTest routes
// them, to handlers that keep them to test data.
func (s *Server) requireKey(role string) fiber.Handler { return s.keyAuth(role, false) }

// requireKeyOrTest admits live and test keys whose role allows role; the
// handler shows and changes only test data for a test key (testKey).
func (s *Server) requireKeyOrTest(role string) fiber.Handler { return s.keyAuth(role, true) }

func (s *Server) keyAuth(role string, testKeys bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tok := bearer(c)
		if tok == "" {
			return plaudit.Errorf(plaudit.EUnauthorized, "missing API key: %s", needKey)
		}
		k, err := s.cfg.Store.APIKeyByHash(c.UserContext(), keyring.SecretHash(tok))
		if plaudit.IsNotFound(err) && s.isOperator(tok) {
			return plaudit.Errorf(plaudit.EUnauthorized, "the operator token was sent: %s", needKey)
		}
		if plaudit.IsNotFound(err) {
			return plaudit.Errorf(plaudit.EUnauthorized, "invalid API key: %s", needKey)
		}
		if err != nil {
			return err
		}
		if !k.Allows(role) {
			return plaudit.Errorf(plaudit.EForbidden, "this key's role (%s) does not allow this", k.Role)
		}
		if k.Mode == plaudit.ModeTest && !testKeys {
			return plaudit.Errorf(plaudit.EForbidden, "a test key acts on test data only: this needs a live key")
		}
		c.Locals(localKey, k)
		return c.Next()
	}
}

// testKey reports whether the caller is a test key, whose view is test
// data only.
func testKey(c *fiber.Ctx) bool { return apiKey(c).Mode == plaudit.ModeTest }

func apiKey(c *fiber.Ctx) plaudit.APIKey {
	k, _ := c.Locals(localKey).(plaudit.APIKey)
	return k
}

func tenantID(c *fiber.Ctx) string { return apiKey(c).TenantID }

// actor names who acted, for the audit log: the key's id, never its secret.
func actor(c *fiber.Ctx) string {
	if k := apiKey(c); k.ID != "" {
		return "key:" + k.ID
	}
	return "operator"
}
