package server

import (
	"io"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
	"github.com/plaudit/plaudit/web"
)

// agentsPage is the data of the agents pages.
type agentsPage struct {
	Admin   bool
	Agents  []agentRow
	Changes []changeRow
	Agent   *agentRow
}

// agentRow is an agent with the photo the console may show (only photos
// Plaudit serves itself: the console loads nothing from elsewhere).
type agentRow struct {
	plaudit.Agent
	Photo string
}

type changeRow struct {
	store.AgentChange
	Agent  string
	Fields map[string]string
}

var agentFields = []string{"email", "name", "bio", "hometown", "team", "external_ids", "photo_url", "approved", "photo"}

func (s *Server) agentRow(a plaudit.Agent) agentRow {
	r := agentRow{Agent: a}
	if strings.HasPrefix(a.PhotoURL, s.photoPrefix()) {
		r.Photo = strings.TrimPrefix(a.PhotoURL, s.cfg.PublicURL)
	}
	return r
}

func (s *Server) consoleAgents(c *fiber.Ctx) error {
	w := who(c)
	if w.Role == plaudit.UserAgent {
		return c.Redirect("/console/profile", fiber.StatusSeeOther)
	}
	v := s.view(c, "Agents")
	switch {
	case c.Query("added") != "":
		v.Flash = "Agent added."
	case c.Query("saved") != "":
		v.Flash = "Saved."
	}
	return s.showAgents(c, v, 0)
}

func (s *Server) showAgents(c *fiber.Ctx, v web.View, status int) error {
	ctx, w := c.UserContext(), who(c)
	agents, err := s.visibleAgents(ctx, w)
	if err != nil {
		return err
	}
	changes, err := s.visibleChanges(ctx, w)
	if err != nil {
		return err
	}
	data := agentsPage{Admin: w.can(needAdmin)}
	names := map[string]string{}
	for _, a := range agents {
		data.Agents = append(data.Agents, s.agentRow(a))
		names[a.ID] = a.Name
	}
	for _, ch := range changes {
		data.Changes = append(data.Changes, changeRow{AgentChange: ch, Agent: names[ch.AgentID], Fields: changeFields(ch)})
	}
	v.Data = data
	return s.renderConsole(c, status, "agents", v)
}

// changeFields reads a waiting change's fields for display.
func changeFields(ch store.AgentChange) map[string]string {
	var b agentBody
	out := map[string]string{}
	if decodeStrict(ch.Fields, &b) != nil {
		return out
	}
	for k, p := range map[string]*string{"name": b.Name, "bio": b.Bio, "hometown": b.Hometown} {
		if p != nil {
			out[k] = *p
		}
	}
	return out
}

// agentForm reads the agent form into the API's agent body.
func agentForm(c *fiber.Ctx) (agentBody, error) {
	b := agentBody{Email: optional(c, "email"), Name: optional(c, "name"), Bio: optional(c, "bio"),
		Hometown: optional(c, "hometown"), Team: optional(c, "team"), PhotoURL: optional(c, "photo_url")}
	if v := c.FormValue("approved"); v != "" {
		on := v == "true"
		b.Approved = &on
	}
	if raw := optional(c, "external_ids"); raw != nil {
		ids := idMap{}
		for _, pair := range strings.Split(*raw, ",") {
			if pair = strings.TrimSpace(pair); pair == "" {
				continue
			}
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				return b, plaudit.Errorf(plaudit.EInvalid, "external_ids must be pairs such as zendesk=372201, separated by commas")
			}
			ids[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		b.ExternalIDs = &ids
	}
	return b, nil
}

func (s *Server) consoleCreateAgent(c *fiber.Ctx) error {
	v := s.view(c, "Agents")
	keepForm(c, &v, agentFields...)
	b, err := agentForm(c)
	if err == nil {
		approved := c.FormValue("approved") == "true"
		b.Approved = &approved
		_, err = s.addAgent(c.UserContext(), who(c), b)
	}
	if err != nil {
		formErrors(&v, err, agentFields...)
		return s.showAgents(c, v, statusOf(c, err))
	}
	return c.Redirect("/console/agents?added=1", fiber.StatusSeeOther)
}

func (s *Server) consoleAgent(c *fiber.Ctx) error {
	a, err := s.visibleAgent(c.UserContext(), who(c), c.Params("id"))
	if err != nil {
		return err
	}
	v := s.view(c, a.Name)
	if c.Query("saved") != "" {
		v.Flash = "Saved."
	}
	v.Form = agentValues(a)
	return s.showAgent(c, v, a, 0)
}

func (s *Server) showAgent(c *fiber.Ctx, v web.View, a plaudit.Agent, status int) error {
	row := s.agentRow(a)
	v.Data = agentsPage{Admin: who(c).can(needAdmin), Agent: &row}
	return s.renderConsole(c, status, "agent", v)
}

// agentValues fills the agent form from a stored agent.
func agentValues(a plaudit.Agent) map[string]string {
	var ids []string
	for k, id := range a.ExternalIDs {
		ids = append(ids, k+"="+id)
	}
	sort.Strings(ids)
	return map[string]string{"email": a.Email, "name": a.Name, "bio": a.Bio, "hometown": a.Hometown, "team": a.Team,
		"photo_url": a.PhotoURL, "external_ids": strings.Join(ids, ", ")}
}

func (s *Server) consoleUpdateAgent(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	a, err := s.visibleAgent(ctx, w, c.Params("id"))
	if err != nil {
		return err
	}
	b, err := agentForm(c)
	if err == nil {
		_, err = s.changeAgent(ctx, w, a.ID, b, consoleFields(c))
	}
	if err != nil {
		v := s.view(c, a.Name)
		keepForm(c, &v, agentFields...)
		formErrors(&v, err, agentFields...)
		return s.showAgent(c, v, a, statusOf(c, err))
	}
	if c.FormValue("back") == "list" {
		return c.Redirect("/console/agents?saved=1", fiber.StatusSeeOther)
	}
	return c.Redirect("/console/agents/"+a.ID+"?saved=1", fiber.StatusSeeOther)
}

// consoleAgentPhoto takes the photo form: an admin's upload applies, an
// agent's own waits for approval.
func (s *Server) consoleAgentPhoto(c *fiber.Ctx) error {
	ctx, w := c.UserContext(), who(c)
	data, err := uploaded(c, "photo")
	var pending *store.AgentChange
	if err == nil {
		_, pending, err = s.uploadPhoto(ctx, w, c.Params("id"), data)
	}
	back := "/console/agents/" + c.Params("id")
	if w.Role == plaudit.UserAgent {
		back = "/console/profile"
	}
	if err != nil {
		a, gerr := s.visibleAgent(ctx, w, c.Params("id"))
		if gerr != nil {
			return gerr
		}
		v := s.view(c, a.Name)
		v.Form = agentValues(a)
		formErrors(&v, err, "photo")
		if w.Role == plaudit.UserAgent {
			return s.showProfile(c, v, statusOf(c, err))
		}
		return s.showAgent(c, v, a, statusOf(c, err))
	}
	if pending != nil {
		return c.Redirect(back+"?pending=1", fiber.StatusSeeOther)
	}
	return c.Redirect(back+"?saved=1", fiber.StatusSeeOther)
}

// uploaded reads a file field of a multipart form.
func uploaded(c *fiber.Ctx, field string) ([]byte, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "%s: choose an image file", field)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxBody))
}

func (s *Server) consoleDeleteAgent(c *fiber.Ctx) error {
	if err := s.removeAgent(c.UserContext(), who(c), c.Params("id")); err != nil {
		return err
	}
	return c.Redirect("/console/agents", fiber.StatusSeeOther)
}

func (s *Server) consoleDecideChange(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, err := s.decideChange(c.UserContext(), who(c), c.Params("id"), approve); err != nil {
			return err
		}
		return c.Redirect("/console/agents?saved=1", fiber.StatusSeeOther)
	}
}
