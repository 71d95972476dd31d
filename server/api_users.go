package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// userBody is the user JSON (and the console's user form); pointers tell
// PATCH which fields came.
type userBody struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
	Role  *string `json:"role"`
	Team  *string `json:"team"`
}

func (b userBody) apply(u *plaudit.User) {
	for _, f := range []struct{ dst, src *string }{{&u.Email, b.Email}, {&u.Name, b.Name}, {&u.Role, b.Role}, {&u.Team, b.Team}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	u.Normalize()
}

// addUser creates a user of the caller's tenant (admins only).
func (s *Server) addUser(ctx context.Context, w caller, b userBody) (plaudit.User, error) {
	u := plaudit.User{TenantID: w.TenantID}
	b.apply(&u)
	if err := u.Validate(); err != nil {
		return u, err
	}
	if err := s.cfg.Store.CreateUser(ctx, &u); err != nil {
		return u, err
	}
	s.auditAs(ctx, w, "user.create", u.ID, "role="+u.Role)
	return u, nil
}

// changeUser applies a PATCH to a user. The caller cannot take their own
// admin role away, so that a tenant is not left without the admin who
// acted.
func (s *Server) changeUser(ctx context.Context, w caller, id string, b userBody, fields string) (plaudit.User, error) {
	u, err := s.cfg.Store.GetUser(ctx, w.TenantID, id)
	if err != nil {
		return u, err
	}
	b.apply(&u)
	if err := u.Validate(); err != nil {
		return u, err
	}
	if id == w.UserID && u.Role != plaudit.UserAdmin {
		return u, plaudit.Errorf(plaudit.EConflict, "role: you cannot take away your own admin role")
	}
	if err := s.cfg.Store.UpdateUser(ctx, u); err != nil {
		return u, err
	}
	s.auditAs(ctx, w, "user.update", u.ID, "fields="+fields)
	return u, nil
}

// removeUser deletes a user; their sessions end with them.
func (s *Server) removeUser(ctx context.Context, w caller, id string) error {
	if id == w.UserID {
		return plaudit.Errorf(plaudit.EConflict, "you cannot delete yourself: ask another admin")
	}
	if err := s.cfg.Store.DeleteUser(ctx, w.TenantID, id); err != nil {
		return err
	}
	s.auditAs(ctx, w, "user.delete", id, "")
	return nil
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var b userBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	u, err := s.addUser(c.UserContext(), who(c), b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	users, err := s.cfg.Store.ListUsers(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	if users == nil {
		users = []plaudit.User{}
	}
	return c.JSON(fiber.Map{"data": users})
}

func (s *Server) getUser(c *fiber.Ctx) error {
	u, err := s.cfg.Store.GetUser(c.UserContext(), tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) patchUser(c *fiber.Ctx) error {
	var b userBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	u, err := s.changeUser(c.UserContext(), who(c), c.Params("id"), b, bodyKeys(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) deleteUser(c *fiber.Ctx) error {
	if err := s.removeUser(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
