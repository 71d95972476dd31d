package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// agentBody is the agent JSON; pointers tell PATCH which fields came.
type agentBody struct {
	Email       *string `json:"email"`
	Name        *string `json:"name"`
	Bio         *string `json:"bio"`
	PhotoURL    *string `json:"photo_url"`
	Hometown    *string `json:"hometown"`
	Approved    *bool   `json:"approved"`
	ExternalIDs *idMap  `json:"external_ids"`
	Team        *string `json:"team"`
}

// idMap is external_ids: the agent's id in each helpdesk. Zendesk and
// others give their ids as JSON numbers, so a whole number is taken as
// its digits, as well as a string.
type idMap map[string]string

func (m *idMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return plaudit.Errorf(plaudit.EInvalid, "external_ids must be an object mapping a helpdesk kind to an id")
	}
	out := make(idMap, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		var n json.Number
		if json.Unmarshal(v, &n) != nil || strings.ContainsAny(n.String(), ".eE-+") {
			if !plaudit.PlainText(k, 50) {
				k = "{kind}"
			}
			return plaudit.Errorf(plaudit.EInvalid, "external_ids.%s must be a string or a whole number", k)
		}
		out[k] = n.String()
	}
	*m = out
	return nil
}

func (b agentBody) apply(a *plaudit.Agent) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&a.Email, b.Email)
	set(&a.Name, b.Name)
	set(&a.Bio, b.Bio)
	set(&a.PhotoURL, b.PhotoURL)
	set(&a.Hometown, b.Hometown)
	set(&a.Team, b.Team)
	if b.Approved != nil {
		a.Approved = *b.Approved
	}
	if b.ExternalIDs != nil {
		a.ExternalIDs = *b.ExternalIDs
	}
	a.Email = strings.ToLower(a.Email)
	// Keep the bare address: "Max <max@example.com>" parses as an email,
	// but agents are matched by the address alone.
	if e := plaudit.NormalizeEmail(a.Email); e != "" {
		a.Email = e
	}
}

// validateAgent checks an agent before it is saved. ownPhotos is the
// prefix of the photos Plaudit serves itself (uploaded in the console),
// which may be http on a laptop.
func validateAgent(a plaudit.Agent, ownPhotos string) error {
	switch {
	case plaudit.NormalizeEmail(a.Email) == "":
		return plaudit.Errorf(plaudit.EInvalid, "email is required and must be an email address")
	case a.Name == "" || utf8.RuneCountInString(a.Name) > 100:
		return plaudit.Errorf(plaudit.EInvalid, "name is required (at most 100 characters)")
	case utf8.RuneCountInString(a.Bio) > plaudit.MaxBioLength:
		return plaudit.Errorf(plaudit.EInvalid, "bio must be at most %d characters", plaudit.MaxBioLength)
	case utf8.RuneCountInString(a.Hometown) > 100:
		return plaudit.Errorf(plaudit.EInvalid, "hometown must be at most 100 characters")
	case !plaudit.PlainText(a.Team, 100):
		return plaudit.Errorf(plaudit.EInvalid, "team must be at most 100 characters, without line breaks or control characters")
	}
	for _, f := range []struct{ name, v string }{{"name", a.Name}, {"hometown", a.Hometown}, {"photo_url", a.PhotoURL}} {
		if err := plaudit.CheckText(f.name, f.v); err != nil {
			return err
		}
	}
	if a.PhotoURL != "" && !strings.HasPrefix(a.PhotoURL, ownPhotos) {
		u, err := url.Parse(a.PhotoURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return plaudit.Errorf(plaudit.EInvalid, "photo_url must be an https URL")
		}
	}
	for k, v := range a.ExternalIDs {
		if k == "" || len(k) > 50 || v == "" || len(v) > 200 {
			return plaudit.Errorf(plaudit.EInvalid, "external_ids must map a helpdesk kind to a non-empty id")
		}
		if err := plaudit.CheckText("external_ids", k+v); err != nil {
			return err
		}
	}
	return nil
}

// addAgent creates an agent of the caller's tenant (admins only).
func (s *Server) addAgent(ctx context.Context, w caller, b agentBody) (plaudit.Agent, error) {
	a := plaudit.Agent{TenantID: w.TenantID, Approved: true, ExternalIDs: map[string]string{}}
	b.apply(&a)
	if err := validateAgent(a, s.photoPrefix()); err != nil {
		return a, err
	}
	if err := s.checkTeam(ctx, w.TenantID, a.Team); err != nil {
		return a, err
	}
	if err := s.cfg.Store.CreateAgent(ctx, &a); err != nil {
		return a, err
	}
	s.auditAs(ctx, w, "agent.create", a.ID, "")
	return a, nil
}

func (s *Server) createAgent(c *fiber.Ctx) error {
	var b agentBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	a, err := s.addAgent(c.UserContext(), who(c), b)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// visibleAgents lists the agents the caller may see (agentScope).
func (s *Server) visibleAgents(ctx context.Context, w caller) ([]plaudit.Agent, error) {
	agents, err := s.cfg.Store.ListAgents(ctx, w.TenantID)
	if err != nil {
		return nil, err
	}
	scope, err := s.agentScope(ctx, w)
	if err != nil || scope == nil {
		return agents, err
	}
	out := []plaudit.Agent{}
	for _, a := range agents {
		if inScope(scope, a.ID) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *Server) listAgents(c *fiber.Ctx) error {
	agents, err := s.visibleAgents(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": agents})
}

func (s *Server) getAgent(c *fiber.Ctx) error {
	a, err := s.visibleAgent(c.UserContext(), who(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// changeAgent applies a PATCH to an agent. Admins change every field; a
// lead may only approve or deactivate an agent of their team.
func (s *Server) changeAgent(ctx context.Context, w caller, id string, b agentBody, fields string) (plaudit.Agent, error) {
	a, err := s.visibleAgent(ctx, w, id)
	if err != nil {
		return a, err
	}
	if !w.admin() && (b != agentBody{Approved: b.Approved}) {
		return a, plaudit.Errorf(plaudit.EForbidden, "a lead may only approve or deactivate an agent (approved)")
	}
	was := a
	b.apply(&a)
	if err := validateAgent(a, s.photoPrefix()); err != nil {
		return a, err
	}
	if err := s.checkTeam(ctx, w.TenantID, a.Team); err != nil {
		return a, err
	}
	if err := s.cfg.Store.UpdateAgent(ctx, a); err != nil {
		return a, err
	}
	if a.PhotoURL != was.PhotoURL {
		s.images.forget(a.TenantID, was.PhotoURL)
	}
	// Deactivating an agent (approved=false) stops requests that show
	// them; the audit log names it as such. The detail lists the fields
	// sent, never their values.
	action := "agent.update"
	switch {
	case was.Approved && !a.Approved:
		action = "agent.deactivate"
	case !was.Approved && a.Approved:
		action = "agent.activate"
	}
	s.auditAs(ctx, w, action, a.ID, "fields="+fields)
	return a, nil
}

func (s *Server) patchAgent(c *fiber.Ctx) error {
	var b agentBody
	if err := decodeStrict(c.Body(), &b); err != nil {
		return err
	}
	ctx, w := c.UserContext(), who(c)
	if w.User && w.Role == plaudit.UserAgent {
		// An agent's own change waits for an admin or their lead.
		a, err := s.visibleAgent(ctx, w, c.Params("id"))
		if err != nil {
			return err
		}
		ch, err := s.requestChange(ctx, w, a, b)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"change": ch})
	}
	a, err := s.changeAgent(ctx, w, c.Params("id"), b, bodyKeys(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// removeAgent erases an agent: their details go (also the copies on
// interactions), while requests, responses and report aggregates keep the
// agent id, which then names nobody.
func (s *Server) removeAgent(ctx context.Context, w caller, id string) error {
	a, err := s.cfg.Store.GetAgent(ctx, w.TenantID, id)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteAgent(ctx, a.TenantID, id); err != nil {
		return err
	}
	s.images.forget(a.TenantID, a.PhotoURL)
	s.auditAs(ctx, w, "agent.delete", id, "")
	return nil
}

func (s *Server) deleteAgent(c *fiber.Ctx) error {
	if err := s.removeAgent(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// checkTeam refuses a team that the tenant does not have: agents name
// their team by its name.
func (s *Server) checkTeam(ctx context.Context, tenantID, name string) error {
	if name == "" {
		return nil
	}
	_, err := s.cfg.Store.TeamByName(ctx, tenantID, name)
	if plaudit.IsNotFound(err) {
		return plaudit.Errorf(plaudit.EInvalid, "team: there is no team of that name (create it with POST /api/v1/teams)")
	}
	return err
}
