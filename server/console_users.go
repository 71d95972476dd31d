package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/web"
)

var userFields = []string{"email", "name", "role", "team"}

type usersPage struct {
	Users []plaudit.User
	Me    string
}

func (s *Server) consoleUsers(c *fiber.Ctx) error {
	v := s.view(c, "Users")
	switch {
	case c.Query("added") != "":
		v.Flash = "User added: they can sign in with a link sent to their address."
	case c.Query("saved") != "":
		v.Flash = "Saved."
	}
	v.Form["role"] = plaudit.UserAgent
	return s.showUsers(c, v, 0)
}

func (s *Server) showUsers(c *fiber.Ctx, v web.View, status int) error {
	users, err := s.cfg.Store.ListUsers(c.UserContext(), tenantID(c))
	if err != nil {
		return err
	}
	v.Data = usersPage{Users: users, Me: who(c).UserID}
	return s.renderConsole(c, status, "users", v)
}

func userForm(c *fiber.Ctx) userBody {
	return userBody{Email: optional(c, "email"), Name: optional(c, "name"), Role: optional(c, "role"), Team: optional(c, "team")}
}

func (s *Server) consoleCreateUser(c *fiber.Ctx) error {
	if _, err := s.addUser(c.UserContext(), who(c), userForm(c)); err != nil {
		v := s.view(c, "Users")
		keepForm(c, &v, userFields...)
		formErrors(&v, err, userFields...)
		return s.showUsers(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/users?added=1", fiber.StatusSeeOther)
}

func (s *Server) consoleUpdateUser(c *fiber.Ctx) error {
	if _, err := s.changeUser(c.UserContext(), who(c), c.Params("id"), userForm(c), consoleFields(c)); err != nil {
		v := s.view(c, "Users")
		formErrors(&v, err)
		return s.showUsers(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/users?saved=1", fiber.StatusSeeOther)
}

func (s *Server) consoleDeleteUser(c *fiber.Ctx) error {
	if err := s.removeUser(c.UserContext(), who(c), c.Params("id")); err != nil {
		v := s.view(c, "Users")
		formErrors(&v, err)
		return s.showUsers(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/users?saved=1", fiber.StatusSeeOther)
}
