package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/web"
)

type keysPage struct {
	Keys []plaudit.APIKey
	// Secret is a key just made, shown this once.
	Secret string
}

func (s *Server) consoleKeys(c *fiber.Ctx) error {
	v := s.view(c, "API keys")
	v.Form["role"], v.Form["mode"] = plaudit.RoleTrigger, plaudit.ModeLive
	return s.showKeys(c, v, keysPage{}, 0)
}

func (s *Server) showKeys(c *fiber.Ctx, v web.View, data keysPage, status int) error {
	keys, err := s.visibleKeys(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	data.Keys = keys
	v.Data = data
	return s.renderConsole(c, status, "keys", v)
}

func (s *Server) consoleCreateKey(c *fiber.Ctx) error {
	v := s.view(c, "API keys")
	secret, k, err := s.addAPIKey(c.UserContext(), who(c), keyBody{Name: c.FormValue("name"), Role: c.FormValue("role"), Mode: c.FormValue("mode")})
	if err != nil {
		keepForm(c, &v, "name", "role", "mode")
		formErrors(&v, err, "name", "role", "mode")
		return s.showKeys(c, v, keysPage{}, statusOf(c, err))
	}
	v.Flash = "Key " + k.Prefix + "… created. Copy it now: it is shown this once."
	v.Form["role"], v.Form["mode"] = plaudit.RoleTrigger, plaudit.ModeLive
	return s.showKeys(c, v, keysPage{Secret: secret}, fiber.StatusCreated)
}

func (s *Server) consoleDeleteKey(c *fiber.Ctx) error {
	if err := s.removeAPIKey(c.UserContext(), who(c), c.Params("id")); err != nil {
		v := s.view(c, "API keys")
		formErrors(&v, err)
		return s.showKeys(c, v, keysPage{}, statusOf(c, err))
	}
	v := s.view(c, "API keys")
	v.Flash = "Key revoked."
	return s.showKeys(c, v, keysPage{}, 0)
}
