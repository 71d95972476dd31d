package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/web"
)

// tenantsPage is the operator's page: the tenants, and a form that creates
// one with its first admin user.
type tenantsPage struct {
	Tenants []plaudit.Tenant
	// Created is the tenant just made, with its admin key shown once.
	Created *plaudit.Tenant
	APIKey  string
	Admin   string
}

func (s *Server) consoleTenants(c *fiber.Ctx) error {
	return s.showTenants(c, s.view(c, "Tenants"), tenantsPage{}, 0)
}

func (s *Server) showTenants(c *fiber.Ctx, v web.View, data tenantsPage, status int) error {
	list, err := s.cfg.Store.ListTenants(c.UserContext())
	if err != nil {
		return err
	}
	data.Tenants = list
	v.Data = data
	return s.renderConsole(c, status, "tenants", v)
}

// consoleCreateTenant creates a tenant (the same code as POST
// /api/v1/tenants) and, when an address is given, its first admin user,
// who can then sign in by link.
func (s *Server) consoleCreateTenant(c *fiber.Ctx) error {
	v := s.view(c, "Tenants")
	keepForm(c, &v, "name", "admin_email")
	ctx := c.UserContext()
	t, secret, _, err := s.addTenant(ctx, tenantBody{Name: c.FormValue("name")})
	if err != nil {
		formErrors(&v, err, "name")
		return s.showTenants(c, v, tenantsPage{}, statusOf(c, err))
	}
	data := tenantsPage{Created: &t, APIKey: secret}
	if email := c.FormValue("admin_email"); email != "" {
		u, err := s.firstAdmin(ctx, t.ID, email)
		if err != nil {
			v.Errors["admin_email"] = "The tenant was created, but not its admin: " + plaudit.ErrorMessage(err)
		}
		data.Admin = u.Email
	}
	v.Form = map[string]string{}
	v.Flash = "Tenant " + t.Name + " created."
	return s.showTenants(c, v, data, fiber.StatusCreated)
}

// firstAdmin makes a tenant's first admin user, on the operator's behalf.
func (s *Server) firstAdmin(ctx context.Context, tenantID, email string) (plaudit.User, error) {
	role := plaudit.UserAdmin
	return s.addUser(ctx, caller{TenantID: tenantID, Actor: "operator"}, userBody{Email: &email, Role: &role})
}
