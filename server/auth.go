package server

import (
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

const localCaller = "caller"

// caller is who makes a request: a tenant's API key, a console user
// signed in, or the operator. Handlers read the tenant, the audit actor
// and the caller's scope from it, whichever way the request was
// authenticated, so that the API and the console run the same checks.
type caller struct {
	TenantID string
	// Actor names the caller in the audit log: "key:<id>", "user:<id>" or
	// "operator"; never a secret.
	Actor string
	// Role is a key's role (admin, trigger, read) or, for a user, the
	// user's role (admin, lead, agent).
	Role string
	// User is set for a console user; then Role is a user role.
	User   bool
	UserID string
	// Team is a lead's team; Email an agent user's address, which links
	// the user to the agent.
	Team  string
	Email string
	// Test is a test key: it sees and changes test data only.
	Test bool
	// Session is the console session's id when the caller signed in.
	Session string
}

// need is what a route requires of its caller.
type need int

const (
	// needAdmin is the tenant's administration: admin keys and admins.
	needAdmin need = iota
	// needTrigger sends interactions: trigger and admin keys, admins.
	needTrigger
	// needRead reads requests, responses and reports: read and admin
	// keys, and every user within their scope.
	needRead
	// needAgents reads agents: admin keys, and every user within their
	// scope.
	needAgents
	// needApprove approves agents: admin keys, admins and leads (their
	// team).
	needApprove
	// needOperatorRole is the operator's: tenants.
	needOperatorRole
	// needProfile is an agent user's own profile page.
	needProfile
	// needReadTenant reads the whole tenant's figures (the reports of
	// docs/reports.md, the stream), which are not narrowed to a
	// lead's team or an agent: read and admin keys, and admins.
	needReadTenant
)

// can reports whether the caller's role allows n. Scope (a lead's team,
// an agent's own records) is applied by the handler on top.
func (w caller) can(n need) bool {
	if n == needOperatorRole || w.Role == "operator" {
		return n == needOperatorRole && w.Role == "operator"
	}
	if n == needProfile {
		return w.User && w.Role == plaudit.UserAgent
	}
	if w.User {
		switch n {
		case needAdmin, needTrigger, needReadTenant:
			return w.Role == plaudit.UserAdmin
		case needApprove:
			return w.Role == plaudit.UserAdmin || w.Role == plaudit.UserLead
		}
		return true
	}
	switch n {
	case needTrigger:
		return w.Role == plaudit.RoleAdmin || w.Role == plaudit.RoleTrigger
	case needRead, needReadTenant:
		return w.Role == plaudit.RoleAdmin || w.Role == plaudit.RoleRead
	}
	return w.Role == plaudit.RoleAdmin
}

// admin reports whether the caller sees the whole tenant.
func (w caller) admin() bool { return w.Role == plaudit.RoleAdmin }

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

// operatorOnly admits the operator token (PLAUDIT_ADMIN_TOKEN), or the
// operator signed in to the console.
func (s *Server) operatorOnly(c *fiber.Ctx) error {
	tok := bearer(c)
	switch {
	case tok == "":
		if w, ok, err := s.sessionCaller(c); err != nil || ok {
			if err == nil && w.Actor != "operator" {
				err = plaudit.Errorf(plaudit.EForbidden, "only the operator may do this")
			}
			if err != nil {
				return err
			}
			c.Locals(localCaller, w)
			return c.Next()
		}
		return plaudit.Errorf(plaudit.EUnauthorized, "missing operator token: %s", needOperator)
	case s.isOperatorToken(tok):
		c.Locals(localCaller, caller{Actor: "operator", Role: "operator"})
		return c.Next()
	case strings.HasPrefix(tok, "pk_"):
		return plaudit.Errorf(plaudit.EUnauthorized, "a tenant API key was sent: %s", needOperator)
	}
	return plaudit.Errorf(plaudit.EUnauthorized, "invalid operator token: %s", needOperator)
}

func (s *Server) isOperatorToken(tok string) bool {
	return subtle.ConstantTimeCompare(keyring.SecretHash(tok), s.cfg.AdminTokenHash) == 1
}

// requireKey admits a live tenant API key whose role allows role, or a
// console user whose role does. Keys are looked up by their hash, so the
// secret is never stored. Test keys are a sandbox: they are admitted only
// where requireKeyOrTest routes them, to handlers that keep them to test
// data.
func (s *Server) requireKey(role string) fiber.Handler { return s.authorize(needOfRole(role), false) }

// requireKeyOrTest admits live and test keys whose role allows role; the
// handler shows and changes only test data for a test key (testKey).
func (s *Server) requireKeyOrTest(role string) fiber.Handler {
	return s.authorize(needOfRole(role), true)
}

func needOfRole(role string) need {
	switch role {
	case plaudit.RoleTrigger:
		return needTrigger
	case plaudit.RoleRead:
		return needRead
	}
	return needAdmin
}

// authorize admits a caller whose role allows n: an API key in
// Authorization (or X-Api-Key), else a console session.
func (s *Server) authorize(n need, testKeys bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		w, err := s.authenticate(c)
		if err != nil {
			return err
		}
		if !w.can(n) {
			if w.User {
				return plaudit.Errorf(plaudit.EForbidden, "your role (%s) does not allow this", w.Role)
			}
			return plaudit.Errorf(plaudit.EForbidden, "this key's role (%s) does not allow this", w.Role)
		}
		if w.Test && !testKeys {
			return plaudit.Errorf(plaudit.EForbidden, "a test key acts on test data only: this needs a live key")
		}
		c.Locals(localCaller, w)
		return c.Next()
	}
}

// authenticate finds the caller: an API key, else a console session.
func (s *Server) authenticate(c *fiber.Ctx) (caller, error) {
	tok := bearer(c)
	if tok == "" {
		w, ok, err := s.sessionCaller(c)
		switch {
		case err != nil:
			return caller{}, err
		case ok && w.TenantID == "":
			return caller{}, plaudit.Errorf(plaudit.EForbidden, "the operator manages tenants: sign in as a user of the tenant for this")
		case ok:
			return w, nil
		}
		return caller{}, plaudit.Errorf(plaudit.EUnauthorized, "missing API key: %s", needKey)
	}
	k, err := s.cfg.Store.APIKeyByHash(c.UserContext(), keyring.SecretHash(tok))
	if plaudit.IsNotFound(err) && s.isOperatorToken(tok) {
		return caller{}, plaudit.Errorf(plaudit.EUnauthorized, "the operator token was sent: %s", needKey)
	}
	if plaudit.IsNotFound(err) {
		return caller{}, plaudit.Errorf(plaudit.EUnauthorized, "invalid API key: %s", needKey)
	}
	if err != nil {
		return caller{}, err
	}
	return caller{TenantID: k.TenantID, Actor: "key:" + k.ID, Role: k.Role, Test: k.Mode == plaudit.ModeTest}, nil
}

// who is the request's caller, set by authorize or operatorOnly.
func who(c *fiber.Ctx) caller {
	w, _ := c.Locals(localCaller).(caller)
	return w
}

// testKey reports whether the caller is a test key, whose view is test
// data only.
func testKey(c *fiber.Ctx) bool { return who(c).Test }

func tenantID(c *fiber.Ctx) string { return who(c).TenantID }

// actor names who acted, for the audit log: the key's or user's id, never
// a secret.
func actor(c *fiber.Ctx) string {
	if a := who(c).Actor; a != "" {
		return a
	}
	return "operator"
}
